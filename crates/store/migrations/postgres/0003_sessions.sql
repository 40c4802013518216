-- Signed-in sessions. Only a SHA-256 of each session token is stored.
CREATE TABLE sessions (
    token_sha256 BYTEA PRIMARY KEY,
    username TEXT NOT NULL REFERENCES credentials(username),
    csrf TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_username ON sessions (username);

-- Signed-in sessions. Only a SHA-256 of each session token is stored.
CREATE TABLE sessions (
    token_sha256 BLOB PRIMARY KEY,
    username TEXT NOT NULL REFERENCES credentials(username),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_username ON sessions (username);

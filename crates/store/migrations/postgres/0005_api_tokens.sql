-- API tokens. Only a SHA-256 of each token is stored; issuing and revoking are also
-- account events (account.token_issued / account.token_revoked), written in the same
-- transaction as the row here.
CREATE TABLE api_tokens (
    token_id TEXT PRIMARY KEY,
    token_sha256 BYTEA NOT NULL UNIQUE,
    username TEXT NOT NULL REFERENCES credentials(username),
    label TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

-- Two-factor sign-in: the TOTP secret (never in an event) and the last step used, so a
-- code works once. A session's stage: signed in, or waiting for its second factor
-- ('code') or for one to be set up ('enrol'); when it was last used and how long it may sit idle (the area's policy at sign-in).
-- API tokens expire. Every sign-in, failure, sign-out and token use is logged,
-- append-only like the access log.
ALTER TABLE credentials ADD COLUMN totp_secret BYTEA;
ALTER TABLE credentials ADD COLUMN totp_last_step BIGINT;
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'signed_in';
ALTER TABLE sessions ADD COLUMN idle_seconds INTEGER NOT NULL DEFAULT 1800;
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
CREATE TABLE sign_in_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    username TEXT NOT NULL,
    what TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX sign_in_log_username ON sign_in_log (username, id);
CREATE TRIGGER sign_in_log_append_only BEFORE UPDATE OR DELETE ON sign_in_log
FOR EACH ROW EXECUTE FUNCTION access_log_append_only();

-- Two-factor sign-in: the TOTP secret (never in an event) and the last step used, so a
-- code works once. A session's stage: signed in, or waiting for its second factor
-- ('code') or for one to be set up ('enrol'); when it was last used and how long it may sit idle (the area's policy at sign-in).
-- API tokens expire.
ALTER TABLE credentials ADD COLUMN totp_secret BLOB;
ALTER TABLE credentials ADD COLUMN totp_last_step INTEGER;
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'signed_in';
ALTER TABLE sessions ADD COLUMN idle_seconds INTEGER NOT NULL DEFAULT 1800;
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;

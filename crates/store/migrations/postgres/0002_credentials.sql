-- Passwords live outside the event log (an event records only that one was set), with
-- the sign-in failure count that drives lock-out.
CREATE TABLE credentials (
    username TEXT PRIMARY KEY,
    account_id UUID NOT NULL UNIQUE,
    area_id UUID NOT NULL,
    password_hash TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ
);

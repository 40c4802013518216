-- The event store: streams, append-only events, the chain head, and projections.
CREATE TABLE streams (
    stream_no INTEGER PRIMARY KEY,
    stream_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    area_id TEXT NOT NULL
);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    stream_no INTEGER NOT NULL REFERENCES streams(stream_no),
    version INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    actor TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    reason TEXT,
    payload BLOB,
    payload_sha256 BLOB NOT NULL,
    hash BLOB NOT NULL,
    UNIQUE (stream_no, version)
);
-- Events are never changed or deleted; the one exception is lawful erasure, which may
-- only set a payload to NULL (the erasure itself is recorded as an event).
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NEW.payload IS NOT NULL
  OR NEW.seq IS NOT OLD.seq OR NEW.stream_no IS NOT OLD.stream_no OR NEW.version IS NOT OLD.version
  OR NEW.event_type IS NOT OLD.event_type OR NEW.actor IS NOT OLD.actor
  OR NEW.recorded_at IS NOT OLD.recorded_at OR NEW.effective_date IS NOT OLD.effective_date
  OR NEW.reason IS NOT OLD.reason OR NEW.payload_sha256 IS NOT OLD.payload_sha256 OR NEW.hash IS NOT OLD.hash
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TABLE chain_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, zeroblob(32));
CREATE TABLE projections (
    stream_no INTEGER PRIMARY KEY REFERENCES streams(stream_no),
    kind TEXT NOT NULL,
    area_id TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX projections_kind_area ON projections (kind, area_id);
CREATE TABLE case_index (
    stream_no INTEGER PRIMARY KEY REFERENCES streams(stream_no),
    area_id TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    stage TEXT NOT NULL,
    family_name TEXT NOT NULL,
    given_names TEXT NOT NULL,
    upn TEXT,
    birth_date TEXT,
    primary_need TEXT,
    setting_id TEXT,
    caseworker_id TEXT,
    team_id TEXT,
    plan_start TEXT
);
CREATE INDEX case_index_area_stage ON case_index (area_id, stage);
CREATE INDEX case_index_area_sort ON case_index (area_id, sort_key, stream_no);
CREATE INDEX case_index_upn ON case_index (upn);
CREATE INDEX case_index_caseworker ON case_index (caseworker_id);
CREATE INDEX case_index_setting ON case_index (setting_id);

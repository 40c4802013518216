-- The event store: streams, append-only events, the chain head, and projections.
CREATE TABLE streams (
    stream_no BIGINT PRIMARY KEY,
    stream_id UUID NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    area_id UUID NOT NULL
);
CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    stream_no BIGINT NOT NULL REFERENCES streams(stream_no),
    version INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    actor TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    effective_date DATE NOT NULL,
    reason TEXT,
    payload BYTEA,
    payload_sha256 BYTEA NOT NULL,
    hash BYTEA NOT NULL,
    UNIQUE (stream_no, version)
);
-- Events are never changed or deleted; the one exception is lawful erasure, which may
-- only set a payload to NULL (the erasure itself is recorded as an event).
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'events are append-only';
  END IF;
  IF NEW.payload IS NOT NULL
     OR (NEW.seq, NEW.stream_no, NEW.version, NEW.event_type, NEW.actor, NEW.recorded_at,
         NEW.effective_date, NEW.payload_sha256, NEW.hash)
        IS DISTINCT FROM
        (OLD.seq, OLD.stream_no, OLD.version, OLD.event_type, OLD.actor, OLD.recorded_at,
         OLD.effective_date, OLD.payload_sha256, OLD.hash)
     OR NEW.reason IS DISTINCT FROM OLD.reason THEN
    RAISE EXCEPTION 'events are append-only';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TABLE chain_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
CREATE TABLE projections (
    stream_no BIGINT PRIMARY KEY REFERENCES streams(stream_no),
    kind TEXT NOT NULL,
    area_id UUID NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX projections_kind_area ON projections (kind, area_id);
CREATE TABLE case_index (
    stream_no BIGINT PRIMARY KEY REFERENCES streams(stream_no),
    area_id UUID NOT NULL,
    sort_key TEXT COLLATE "C" NOT NULL,
    stage TEXT NOT NULL,
    family_name TEXT NOT NULL,
    given_names TEXT NOT NULL,
    upn TEXT,
    birth_date DATE,
    primary_need TEXT,
    setting_id UUID,
    caseworker_id UUID,
    team_id UUID,
    plan_start DATE
);
CREATE INDEX case_index_area_stage ON case_index (area_id, stage);
CREATE INDEX case_index_area_sort ON case_index (area_id, sort_key, stream_no);
CREATE INDEX case_index_upn ON case_index (upn);
CREATE INDEX case_index_caseworker ON case_index (caseworker_id);
CREATE INDEX case_index_setting ON case_index (setting_id);

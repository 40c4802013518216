-- Who looked at which child's record, and when. Append-only, like the event log.
CREATE TABLE access_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    case_id UUID NOT NULL,
    via TEXT NOT NULL
);
CREATE INDEX access_log_case ON access_log (case_id, id);
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the access log is append-only';
END $$;
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
FOR EACH ROW EXECUTE FUNCTION access_log_append_only();

-- Who holds recorded parental responsibility for which child: a parent carer's list of
-- their children is read from here (every row is still checked by `authorise`, which
-- also applies court restrictions). Kept with the projections, in the same transaction.
CREATE TABLE case_people (
    person_id UUID NOT NULL,
    stream_no BIGINT NOT NULL REFERENCES streams(stream_no),
    PRIMARY KEY (person_id, stream_no)
);
CREATE INDEX case_people_stream ON case_people (stream_no);
INSERT INTO case_people (person_id, stream_no)
    SELECT DISTINCT (r ->> 'person')::uuid, p.stream_no
    FROM projections p, jsonb_array_elements(p.state::jsonb -> 'state' -> 'related') r
    WHERE p.kind = 'case' AND jsonb_typeof(p.state::jsonb -> 'state' -> 'related') = 'array'
      AND (r ->> 'parental_responsibility')::boolean;

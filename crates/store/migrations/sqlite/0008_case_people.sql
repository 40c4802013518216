-- Who holds recorded parental responsibility for which child: a parent carer's list of
-- their children is read from here (every row is still checked by `authorise`, which
-- also applies court restrictions). Kept with the projections, in the same transaction.
CREATE TABLE case_people (
    person_id TEXT NOT NULL,
    stream_no INTEGER NOT NULL REFERENCES streams(stream_no),
    PRIMARY KEY (person_id, stream_no)
) WITHOUT ROWID;
CREATE INDEX case_people_stream ON case_people (stream_no);
INSERT OR IGNORE INTO case_people (person_id, stream_no)
    SELECT json_extract(r.value, '$.person'), p.stream_no
    FROM projections p, json_each(p.state, '$.state.related') r
    WHERE p.kind = 'case' AND json_extract(r.value, '$.parental_responsibility') = 1;

-- Which children's records hold each document (its `case.document_added` events), so a
-- record's erasure deletes the content of its documents that no other record holds.
-- Documents kept before this table existed have no rows here: erasing any record that
-- held one deletes it.
CREATE TABLE document_refs (
    sha256 BLOB NOT NULL,
    stream_id BLOB NOT NULL,
    PRIMARY KEY (sha256, stream_id)
) WITHOUT ROWID;

-- Documents on children's records, content-addressed: the SHA-256 of the content is its
-- name, so a file added twice is kept once. What each is, who added it and when, is in
-- its `case.document_added` event; a document is added with its event in one transaction.
CREATE TABLE documents (
    sha256 BYTEA PRIMARY KEY,
    size BIGINT NOT NULL,
    content BYTEA NOT NULL
);

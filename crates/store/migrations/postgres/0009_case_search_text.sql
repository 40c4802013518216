-- What a case search matches any part of (the child's and the family's names folded,
-- the UPN, the NHS number, the date of birth): computed in Rust with the rest of the
-- case index. A database made before this migration has its projections rebuilt when it
-- is first opened (`migrations::REBUILD_BEFORE`), which fills it in.
ALTER TABLE case_index ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

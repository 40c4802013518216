//! Documents' content on SQLite, content-addressed, kept with their events.

use super::{SqliteStore, tx};
use crate::{Result, prepare};
use rusqlite::{OptionalExtension, params};
use sendscope_domain::NewEvent;
use sha2::{Digest, Sha256};

impl SqliteStore {
    pub(super) fn keep_document(&self, content: &[u8], events: &[NewEvent]) -> Result<Vec<u64>> {
        let prepared = prepare(events)?;
        let sha: [u8; 32] = Sha256::digest(content).into();
        self.write(|t| {
            t.tx.execute(
                "INSERT INTO documents (sha256, size, content) VALUES (?1, ?2, ?3) ON CONFLICT (sha256) DO NOTHING",
                params![&sha[..], content.len() as i64, content],
            )?;
            for e in events {
                t.tx.execute(
                    "INSERT INTO document_refs (sha256, stream_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![&sha[..], &e.stream.id.as_bytes()[..]],
                )?;
            }
            tx::append(t, &prepared, None)
        })
    }

    pub(super) fn document_content(&self, sha256: &[u8; 32]) -> Result<Option<Vec<u8>>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT content FROM documents WHERE sha256 = ?1",
                [&sha256[..]],
                |r| r.get(0),
            )
            .optional()?)
        })
    }
}

/// The record `stream` no longer holds these documents: their content goes unless another
/// record holds it.
pub(super) fn forget(
    tx: &rusqlite::Transaction<'_>,
    stream: uuid::Uuid,
    shas: &[[u8; 32]],
) -> Result<()> {
    for sha in shas {
        tx.execute(
            "DELETE FROM document_refs WHERE sha256 = ?1 AND stream_id = ?2",
            params![&sha[..], &stream.as_bytes()[..]],
        )?;
        tx.execute(
            "DELETE FROM documents WHERE sha256 = ?1 AND NOT EXISTS (SELECT 1 FROM document_refs WHERE sha256 = ?1)",
            [&sha[..]],
        )?;
    }
    Ok(())
}

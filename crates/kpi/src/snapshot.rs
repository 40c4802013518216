//! The engine's columns saved to a file and read back, so a restart serves figures in
//! seconds instead of reading every record again. The file says which event it covers
//! (its sequence number and the hash the event chain has there), so the caller can check
//! it belongs to this database's log and catch up from the events after it; a checksum
//! over the columns catches a damaged file. Anything wrong gives an error and the caller
//! loads from the records instead: a snapshot is a cache, never a source of truth.
//!
//! Layout (little-endian): the magic `SSKPI` with the format version; the fingerprint
//! of the build that made it (u64: the source of this crate and the domain crate, so a
//! snapshot from another version, whose rows may follow other definitions, is not
//! read); the sequence number covered (u64); the chain hash there (32 bytes); the
//! body's length (u64) and its SHA-256; the body. The body is each column as its length and its values; enum
//! columns as a dictionary of their values (JSON) and one byte a row.

use crate::tables::{self, Keys};
use crate::{ClockMeta, Engine};
use sendscope_domain::ids::{AreaId, CaseId, ProvisionId, SettingId, StaffId, TeamId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use uuid::Uuid;

const MAGIC: &[u8; 8] = b"SSKPI\x00\x00\x02";
/// This build's engine (see build.rs): a snapshot from another is not read.
const FINGERPRINT: &str = env!("SENDSCOPE_KPI_FINGERPRINT");
const HEADER: usize = 8 + 8 + 8 + 32 + 8 + 32;

/// The fingerprint as the header holds it.
fn fingerprint() -> [u8; 8] {
    u64::from_str_radix(FINGERPRINT, 16)
        .unwrap_or_default()
        .to_le_bytes()
}

/// Why a snapshot was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("it is not a KPI snapshot of this version")]
    Version,
    #[error("it was made by another version of sendscope")]
    Build,
    #[error("it is cut short")]
    Truncated,
    #[error("its checksum does not match: it is damaged")]
    Checksum,
    #[error("its columns disagree: {0}")]
    Inconsistent(&'static str),
    #[error("it names a deadline rule this version does not know: {0}")]
    UnknownRule(String),
}

/// What a snapshot covers: the last event's sequence number and the chain hash there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Covers {
    pub seq: u64,
    pub hash: [u8; 32],
}

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    fn u32s(&mut self, v: &[u32]) {
        self.len(v.len());
        self.0.reserve(v.len() * 4);
        for x in v {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
    }
    fn i32s(&mut self, v: &[i32]) {
        self.len(v.len());
        self.0.reserve(v.len() * 4);
        for x in v {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
    }
    fn u8s(&mut self, v: &[u8]) {
        self.len(v.len());
        self.0.extend_from_slice(v);
    }
    fn bools(&mut self, v: &[bool]) {
        self.len(v.len());
        self.0.extend(v.iter().map(|b| u8::from(*b)));
    }
    fn nested(&mut self, v: &[Vec<u32>]) {
        let lens: Vec<u32> = v.iter().map(|x| x.len() as u32).collect();
        self.u32s(&lens);
        let flat: Vec<u32> = v.iter().flatten().copied().collect();
        self.u32s(&flat);
    }
    fn uuids(&mut self, v: impl ExactSizeIterator<Item = Uuid>) {
        self.len(v.len());
        for u in v {
            self.0.extend_from_slice(u.as_bytes());
        }
    }
    fn text(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    /// An enum column: the distinct values (as JSON) and a code a row (0 for none).
    fn options<T: Serialize + PartialEq>(&mut self, v: &[Option<T>]) {
        let mut seen: Vec<&T> = Vec::new();
        let codes: Vec<u8> = v
            .iter()
            .map(|x| match x {
                None => 0,
                Some(t) => {
                    let i = seen.iter().position(|s| *s == t).unwrap_or_else(|| {
                        seen.push(t);
                        seen.len() - 1
                    });
                    // At most 255 distinct values: every enum here has far fewer.
                    u8::try_from(i + 1).unwrap_or(u8::MAX)
                }
            })
            .collect();
        self.len(seen.len());
        for s in seen {
            self.text(&serde_json::to_string(s).unwrap_or_default());
        }
        self.u8s(&codes);
    }
    fn keys(&mut self, k: &Keys) {
        self.nested(&k.by_case);
        self.bools(&k.alive);
        self.u32s(&k.case);
        self.u32s(&k.area);
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        if self.0.len() < n {
            return Err(SnapshotError::Truncated);
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u64(&mut self) -> Result<u64, SnapshotError> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(
            b.try_into().map_err(|_| SnapshotError::Truncated)?,
        ))
    }
    fn len(&mut self) -> Result<usize, SnapshotError> {
        let n = self.u64()?;
        // No column is longer than the file: a bigger length is damage.
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.0.len().saturating_mul(8).max(1 << 20))
            .ok_or(SnapshotError::Truncated)
    }
    fn u32s(&mut self) -> Result<Vec<u32>, SnapshotError> {
        let n = self.len()?;
        let b = self.take(n.checked_mul(4).ok_or(SnapshotError::Truncated)?)?;
        Ok(b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
    fn i32s(&mut self) -> Result<Vec<i32>, SnapshotError> {
        let n = self.len()?;
        let b = self.take(n.checked_mul(4).ok_or(SnapshotError::Truncated)?)?;
        Ok(b.chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
    fn u8s(&mut self) -> Result<Vec<u8>, SnapshotError> {
        let n = self.len()?;
        Ok(self.take(n)?.to_vec())
    }
    fn bools(&mut self) -> Result<Vec<bool>, SnapshotError> {
        Ok(self.u8s()?.into_iter().map(|b| b != 0).collect())
    }
    fn nested(&mut self) -> Result<Vec<Vec<u32>>, SnapshotError> {
        let lens = self.u32s()?;
        let flat = self.u32s()?;
        if lens.iter().map(|l| *l as usize).sum::<usize>() != flat.len() {
            return Err(SnapshotError::Inconsistent("a list's lengths"));
        }
        let mut at = 0;
        Ok(lens
            .iter()
            .map(|l| {
                let v = flat[at..at + *l as usize].to_vec();
                at += *l as usize;
                v
            })
            .collect())
    }
    fn uuids(&mut self) -> Result<Vec<Uuid>, SnapshotError> {
        let n = self.len()?;
        let b = self.take(n.checked_mul(16).ok_or(SnapshotError::Truncated)?)?;
        Ok(b.chunks_exact(16)
            .map(|c| Uuid::from_bytes(c.try_into().unwrap_or_default()))
            .collect())
    }
    fn text(&mut self) -> Result<String, SnapshotError> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| SnapshotError::Inconsistent("text"))
    }
    fn options<T: DeserializeOwned + Clone>(&mut self) -> Result<Vec<Option<T>>, SnapshotError> {
        let n = self.len()?;
        let mut dict = Vec::with_capacity(n);
        for _ in 0..n {
            let t = self.text()?;
            dict.push(
                serde_json::from_str::<T>(&t).map_err(|_| {
                    SnapshotError::Inconsistent("a value this version does not know")
                })?,
            );
        }
        self.u8s()?
            .into_iter()
            .map(|c| match c {
                0 => Ok(None),
                c => dict
                    .get(c as usize - 1)
                    .cloned()
                    .map(Some)
                    .ok_or(SnapshotError::Inconsistent("an enum's code")),
            })
            .collect()
    }
    fn keys(&mut self) -> Result<Keys, SnapshotError> {
        let k = Keys {
            by_case: self.nested()?,
            alive: self.bools()?,
            case: self.u32s()?,
            area: self.u32s()?,
        };
        if k.case.len() != k.alive.len() || k.area.len() != k.alive.len() {
            return Err(SnapshotError::Inconsistent("a table's keys"));
        }
        Ok(k)
    }
}

/// Every column of a table is as long as its keys.
fn same(rows: usize, lens: &[usize]) -> Result<(), SnapshotError> {
    if lens.iter().all(|l| *l == rows) {
        Ok(())
    } else {
        Err(SnapshotError::Inconsistent("a table's columns"))
    }
}

impl Engine {
    /// The engine's columns as a snapshot covering `covers`.
    pub fn snapshot(&self, covers: Covers) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.uuids(self.areas.iter().map(|a| a.0));
        w.uuids(self.case_ids.iter().map(|c| c.0));
        w.u8s(&self.case_need);
        w.u32s(&self.case_team);
        w.u32s(&self.case_worker);
        w.i32s(&self.case_birth);
        w.nested(&self.area_cases);
        w.u32s(&self.case_area);
        w.uuids(self.teams.iter().map(|t| t.0));
        w.uuids(self.workers.iter().map(|s| s.0));
        let mut staff: Vec<(&StaffId, &TeamId)> = self.staff_team.iter().collect();
        staff.sort_by_key(|(s, _)| s.0);
        w.uuids(staff.iter().map(|(s, _)| s.0));
        w.uuids(staff.iter().map(|(_, t)| t.0));
        let mut settings: Vec<(&SettingId, &u32)> = self.setting_ix.iter().collect();
        settings.sort_by_key(|(_, i)| **i);
        w.uuids(settings.iter().map(|(s, _)| s.0));
        w.options(&self.setting_type);
        let mut provisions: Vec<(&ProvisionId, &u32)> = self.provision_ix.iter().collect();
        provisions.sort_by_key(|(_, i)| **i);
        w.uuids(provisions.iter().map(|(p, _)| p.0));
        let costs: Vec<Vec<u32>> = self
            .provision_cost
            .iter()
            .map(|c| {
                c.iter()
                    .flat_map(|(y, pence)| {
                        let p = *pence as u64;
                        [*y as u32, p as u32, (p >> 32) as u32]
                    })
                    .collect()
            })
            .collect();
        w.nested(&costs);
        // The tables.
        let r = &self.req;
        w.keys(&r.keys);
        for c in [&r.received, &r.decided, &r.final_issued, &r.draft] {
            w.i32s(c);
        }
        w.bools(&r.exception);
        w.options(&r.grade);
        let p = &self.plans;
        w.keys(&p.keys);
        for c in [&p.start, &p.end, &p.ceased_on] {
            w.i32s(c);
        }
        w.options(&p.ceased_reason);
        w.keys(&self.reviews.keys);
        w.i32s(&self.reviews.meeting);
        w.i32s(&self.reviews.decided);
        let c = &self.clocks;
        w.keys(&c.keys);
        w.u8s(&c.key);
        for col in [&c.trigger, &c.due, &c.done] {
            w.i32s(col);
        }
        w.len(c.rules.len());
        for m in &c.rules {
            w.text(m.key);
        }
        let d = &self.disputes;
        w.keys(&d.keys);
        for col in [&d.mediation, &d.appeal, &d.decided] {
            w.i32s(col);
        }
        w.options(&d.outcome);
        let pl = &self.placements;
        w.keys(&pl.keys);
        w.i32s(&pl.start);
        w.i32s(&pl.end);
        w.u32s(&pl.setting);
        w.u32s(&pl.provision);
        let body = w.0;
        let mut out = Vec::with_capacity(HEADER + body.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&fingerprint());
        out.extend_from_slice(&covers.seq.to_le_bytes());
        out.extend_from_slice(&covers.hash);
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(&body));
        out.extend_from_slice(&body);
        out
    }

    /// What a snapshot covers, from its header alone (nothing else is read or checked).
    pub fn snapshot_covers(bytes: &[u8]) -> Result<Covers, SnapshotError> {
        let mut r = Reader(bytes);
        if r.take(8)? != MAGIC {
            return Err(SnapshotError::Version);
        }
        if r.take(8)? != fingerprint() {
            return Err(SnapshotError::Build);
        }
        let seq = r.u64()?;
        let hash: [u8; 32] = r
            .take(32)?
            .try_into()
            .map_err(|_| SnapshotError::Truncated)?;
        Ok(Covers { seq, hash })
    }

    /// The engine a snapshot holds, checked whole, and what it covers.
    pub fn from_snapshot(bytes: &[u8]) -> Result<(Engine, Covers), SnapshotError> {
        let covers = Engine::snapshot_covers(bytes)?;
        let mut r = Reader(&bytes[8 + 8 + 8 + 32..]);
        let n = r.u64()?;
        let digest = r.take(32)?;
        if r.0.len() as u64 != n {
            return Err(SnapshotError::Truncated);
        }
        if Sha256::digest(r.0).as_slice() != digest {
            return Err(SnapshotError::Checksum);
        }
        let mut e = Engine {
            areas: r.uuids()?.into_iter().map(AreaId).collect(),
            case_ids: r.uuids()?.into_iter().map(CaseId).collect(),
            case_need: r.u8s()?,
            case_team: r.u32s()?,
            case_worker: r.u32s()?,
            case_birth: r.i32s()?,
            area_cases: r.nested()?,
            case_area: r.u32s()?,
            teams: r.uuids()?.into_iter().map(TeamId).collect(),
            workers: r.uuids()?.into_iter().map(StaffId).collect(),
            ..Engine::default()
        };
        let cases = e.case_ids.len();
        same(
            cases,
            &[
                e.case_need.len(),
                e.case_team.len(),
                e.case_worker.len(),
                e.case_birth.len(),
                e.case_area.len(),
            ],
        )?;
        if e.area_cases.len() != e.areas.len() {
            return Err(SnapshotError::Inconsistent("the areas"));
        }
        let (staff, staff_teams) = (r.uuids()?, r.uuids()?);
        if staff.len() != staff_teams.len() {
            return Err(SnapshotError::Inconsistent("the staff's teams"));
        }
        e.staff_team = staff
            .into_iter()
            .zip(staff_teams)
            .map(|(s, t)| (StaffId(s), TeamId(t)))
            .collect();
        let settings = r.uuids()?;
        e.setting_type = r.options()?;
        if settings.len() != e.setting_type.len() {
            return Err(SnapshotError::Inconsistent("the settings"));
        }
        e.setting_ix = settings
            .into_iter()
            .enumerate()
            .map(|(i, s)| (SettingId(s), i as u32))
            .collect();
        let provisions = r.uuids()?;
        let costs = r.nested()?;
        if provisions.len() != costs.len() || costs.iter().any(|c| c.len() % 3 != 0) {
            return Err(SnapshotError::Inconsistent("the provisions"));
        }
        e.provision_ix = provisions
            .into_iter()
            .enumerate()
            .map(|(i, p)| (ProvisionId(p), i as u32))
            .collect();
        e.provision_cost = costs
            .iter()
            .map(|c| {
                c.chunks_exact(3)
                    .map(|x| {
                        (
                            x[0] as i32,
                            (u64::from(x[1]) | (u64::from(x[2]) << 32)) as i64,
                        )
                    })
                    .collect()
            })
            .collect();
        e.req = tables::requests::Requests {
            keys: r.keys()?,
            received: r.i32s()?,
            decided: r.i32s()?,
            final_issued: r.i32s()?,
            draft: r.i32s()?,
            exception: r.bools()?,
            grade: r.options()?,
        };
        let q = &e.req;
        same(
            q.keys.alive.len(),
            &[
                q.received.len(),
                q.decided.len(),
                q.final_issued.len(),
                q.draft.len(),
                q.exception.len(),
                q.grade.len(),
            ],
        )?;
        e.plans = tables::plans::Plans {
            keys: r.keys()?,
            start: r.i32s()?,
            end: r.i32s()?,
            ceased_on: r.i32s()?,
            ceased_reason: r.options()?,
        };
        let p = &e.plans;
        same(
            p.keys.alive.len(),
            &[
                p.start.len(),
                p.end.len(),
                p.ceased_on.len(),
                p.ceased_reason.len(),
            ],
        )?;
        e.reviews = tables::reviews::Reviews {
            keys: r.keys()?,
            meeting: r.i32s()?,
            decided: r.i32s()?,
        };
        same(
            e.reviews.keys.alive.len(),
            &[e.reviews.meeting.len(), e.reviews.decided.len()],
        )?;
        let (keys, key, trigger, due, done) =
            (r.keys()?, r.u8s()?, r.i32s()?, r.i32s()?, r.i32s()?);
        same(
            keys.alive.len(),
            &[key.len(), trigger.len(), due.len(), done.len()],
        )?;
        let n = r.len()?;
        let mut rules = Vec::with_capacity(n);
        for _ in 0..n {
            let name = r.text()?;
            rules.push(rule(&name).ok_or(SnapshotError::UnknownRule(name))?);
        }
        if key.iter().any(|k| *k as usize >= rules.len()) {
            return Err(SnapshotError::Inconsistent("a deadline's rule"));
        }
        e.clocks = tables::clocks::Clocks {
            keys,
            key,
            trigger,
            due,
            done,
            rules,
        };
        e.disputes = tables::disputes::Disputes {
            keys: r.keys()?,
            mediation: r.i32s()?,
            appeal: r.i32s()?,
            decided: r.i32s()?,
            outcome: r.options()?,
        };
        let d = &e.disputes;
        same(
            d.keys.alive.len(),
            &[
                d.mediation.len(),
                d.appeal.len(),
                d.decided.len(),
                d.outcome.len(),
            ],
        )?;
        e.placements = tables::placements::Placements {
            keys: r.keys()?,
            start: r.i32s()?,
            end: r.i32s()?,
            setting: r.u32s()?,
            provision: r.u32s()?,
        };
        let pl = &e.placements;
        same(
            pl.keys.alive.len(),
            &[
                pl.start.len(),
                pl.end.len(),
                pl.setting.len(),
                pl.provision.len(),
            ],
        )?;
        if !r.0.is_empty() {
            return Err(SnapshotError::Inconsistent("bytes after the last column"));
        }
        // Every table's rows name cases and areas that are there, and each case's rows
        // are rows of its table.
        let areas = e.areas.len() as u32;
        for k in [
            &e.req.keys,
            &e.plans.keys,
            &e.reviews.keys,
            &e.clocks.keys,
            &e.disputes.keys,
            &e.placements.keys,
        ] {
            let rows = k.alive.len() as u32;
            if k.by_case.len() != cases
                || k.case.iter().any(|c| *c as usize >= cases)
                || k.area.iter().any(|a| *a >= areas && rows > 0)
                || k.by_case.iter().flatten().any(|r| *r >= rows)
            {
                return Err(SnapshotError::Inconsistent("a table's rows"));
            }
        }
        if e.area_cases.iter().flatten().any(|c| *c as usize >= cases)
            || e.case_area.iter().any(|a| *a >= areas)
        {
            return Err(SnapshotError::Inconsistent("the areas' cases"));
        }
        // The indexes, from the lists they index.
        e.area_ix = e
            .areas
            .iter()
            .enumerate()
            .map(|(i, a)| (*a, i as u32))
            .collect();
        e.case_ix = e
            .case_ids
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, i as u32))
            .collect();
        e.team_ix = e
            .teams
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, i as u32))
            .collect();
        e.worker_ix = e
            .workers
            .iter()
            .enumerate()
            .map(|(i, w)| (*w, i as u32))
            .collect();
        Ok((e, covers))
    }
}

/// A deadline rule's meta by its key, as `Clocks::rule_key` records it.
fn rule(key: &str) -> Option<ClockMeta> {
    let rule = sendscope_domain::clocks::RULE_BOOKS
        .iter()
        .rev()
        .flat_map(|b| b.rules.iter())
        .find(|r| r.key == key)?;
    Some(ClockMeta {
        key: rule.key,
        step: rule.step,
        duty: rule.kind == sendscope_domain::clocks::ClockKind::Duty,
        counts_back: rule.period.counts_back(),
    })
}

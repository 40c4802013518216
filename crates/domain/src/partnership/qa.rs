//! Multi-agency quality assurance: a round's state, its seeded sample and the moderation
//! agreement.

use super::{QaFinding, QaModerated, QaRoundOpened};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaRoundState {
    pub opened: QaRoundOpened,
    #[serde(default)]
    pub moderated: Vec<QaModerated>,
    #[serde(default)]
    pub findings: Vec<QaFinding>,
}

impl QaRoundState {
    /// Moderated audits where the second auditor gave the same grade, of those moderated.
    pub fn agreement(&self) -> (usize, usize) {
        agreement(self.moderated.iter().map(|m| (m.audited, m.moderated)))
    }
}

/// Exact agreement between auditors and moderators: (agreed, moderated).
pub fn agreement(
    pairs: impl IntoIterator<Item = (crate::qa::QaGrade, crate::qa::QaGrade)>,
) -> (usize, usize) {
    pairs
        .into_iter()
        .fold((0, 0), |(a, n), (x, y)| (a + usize::from(x == y), n + 1))
}

/// `size` of `candidates` drawn at random from `seed` (a partial Fisher-Yates shuffle of
/// the candidates in sorted order, driven by SplitMix64): the same candidates and seed
/// give the same sample, in the same order, on any machine.
pub fn sample(candidates: &[uuid::Uuid], size: usize, seed: u64) -> Vec<uuid::Uuid> {
    let mut pool = candidates.to_vec();
    pool.sort();
    pool.dedup();
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let take = size.min(pool.len());
    for i in 0..take {
        let j = i + (next() % (pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(take);
    pool
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_is_drawn_again_the_same_and_only_from_the_candidates() {
        let ids: Vec<uuid::Uuid> = (1..=40u128).map(uuid::Uuid::from_u128).collect();
        let a = sample(&ids, 10, 7);
        let mut shuffled = ids.clone();
        shuffled.reverse();
        assert_eq!(
            a,
            sample(&shuffled, 10, 7),
            "the order given does not matter"
        );
        assert_eq!(a.len(), 10);
        assert!(a.iter().all(|x| ids.contains(x)));
        let mut unique = a.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10, "no record drawn twice");
        assert_ne!(a, sample(&ids, 10, 8), "another seed, another sample");
        assert_eq!(sample(&ids, 100, 7).len(), 40, "no more than there are");
    }

    /// Ten audits moderated: seven agree exactly, so agreement is 7 of 10.
    #[test]
    fn moderation_agreement_on_a_worked_example() {
        use crate::qa::QaGrade::*;
        let pairs = [
            (Good, Good),
            (Good, RequiresImprovement),
            (Outstanding, Outstanding),
            (RequiresImprovement, RequiresImprovement),
            (Inadequate, RequiresImprovement),
            (Good, Good),
            (Good, Good),
            (RequiresImprovement, Inadequate),
            (Inadequate, Inadequate),
            (Good, Good),
        ];
        assert_eq!(agreement(pairs), (7, 10));
        assert_eq!(agreement([]), (0, 0));
    }
}

//! The tamper-evident hash chain. Each event's hash covers the previous hash, the
//! envelope and a SHA-256 digest of the payload bytes, so erasing a payload later leaves
//! the chain verifiable while any change to a stored field breaks it.

use crate::event::RecordedEvent;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// The hash "before" the first event.
pub const GENESIS: [u8; 32] = [0u8; 32];

const DOMAIN_TAG: &[u8] = b"sendscope/event/v1";

pub use crate::event::payload_digest;

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u32).to_be_bytes());
    h.update(bytes);
}

/// The hash of an event given the previous event's hash. Every envelope field is
/// length-prefixed so no two different envelopes share an encoding.
pub fn event_hash(prev: &[u8; 32], e: &RecordedEvent) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DOMAIN_TAG);
    h.update(prev);
    h.update(e.seq.to_be_bytes());
    field(&mut h, e.stream.kind.as_str().as_bytes());
    h.update(e.stream.id.as_bytes());
    h.update(e.version.to_be_bytes());
    h.update(e.area.0.as_bytes());
    field(&mut h, e.event_type.as_bytes());
    field(&mut h, e.actor.as_bytes());
    match e.recorded_at.canonical_bytes() {
        Some(b) => field(&mut h, &b),
        None => field(&mut h, e.recorded_at.to_string().as_bytes()),
    }
    match crate::calendar::date_bytes(e.effective_date) {
        Some(b) => field(&mut h, &b),
        None => field(&mut h, e.effective_date.to_string().as_bytes()),
    }
    match &e.reason {
        None => h.update([0u8]),
        Some(r) => {
            h.update([1u8]);
            field(&mut h, r.as_bytes());
        }
    }
    h.update(e.payload_digest);
    h.finalize().into()
}

/// Why the chain does not verify, naming the first event at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: u64,
    pub problem: String,
}

/// Checks events one at a time in sequence order, so a chain of any length is verified
/// in constant memory (apart from the set of erased payloads still awaiting their
/// erasure event).
#[derive(Debug)]
pub struct ChainVerifier {
    prev: [u8; 32],
    next_seq: u64,
    unexplained_erasures: BTreeSet<u64>,
    pub checked: u64,
    pub erased: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            prev: GENESIS,
            next_seq: 1,
            unexplained_erasures: BTreeSet::new(),
            checked: 0,
            erased: 0,
        }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, e: &RecordedEvent) -> Result<(), ChainBreak> {
        let fail = |problem: String| {
            Err(ChainBreak {
                seq: e.seq,
                problem,
            })
        };
        if e.seq != self.next_seq {
            return fail(format!(
                "expected event {} next but found {}: events are missing or out of order",
                self.next_seq, e.seq
            ));
        }
        match &e.payload {
            Some(p) if payload_digest(p) != e.payload_digest => {
                return fail(
                    "its payload does not match the digest recorded when it was written".into(),
                );
            }
            Some(p) if e.event_type == "event.payloads_erased" => {
                let listed: Vec<u64> = serde_json::from_slice::<crate::event::PayloadsErased>(p)
                    .map(|x| x.events)
                    .unwrap_or_default();
                for s in listed {
                    self.unexplained_erasures.remove(&s);
                }
            }
            Some(_) => {}
            None => {
                self.erased += 1;
                self.unexplained_erasures.insert(e.seq);
            }
        }
        if event_hash(&self.prev, e) != e.hash {
            return fail(
                "its stored hash does not match its contents: it was changed after it was written"
                    .into(),
            );
        }
        self.prev = e.hash;
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// Call after the last event: every erased payload must be explained by an erasure event.
    /// The sequence number the next event must have.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub fn finish(&self) -> Result<[u8; 32], ChainBreak> {
        match self.unexplained_erasures.iter().next() {
            Some(&seq) => Err(ChainBreak {
                seq,
                problem: "its payload is missing but no erasure event records why".into(),
            }),
            None => Ok(self.prev),
        }
    }
}

/// A signed checkpoint of the chain: the head's sequence number and hash when it was
/// made, signed with a key kept outside the database (Ed25519). Whoever holds one can
/// later prove the history up to it was not rewritten (a rewrite, even one re-hashed to
/// a consistent chain, changes the hash at that sequence number) nor cut short.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub seq: u64,
    /// The hash of event `seq`, hex.
    pub head: String,
    /// When it was made (UTC, the service's canonical form).
    pub made_at: String,
    /// The Ed25519 public key that signed it, hex.
    pub public_key: String,
    /// The signature over [`Checkpoint::message`], hex.
    pub signature: String,
}

impl Checkpoint {
    /// The bytes signed: a tag, the sequence number, the head and the time, one a line.
    pub fn message(seq: u64, head: &str, made_at: &str) -> Vec<u8> {
        format!("sendscope/checkpoint/v1\n{seq}\n{head}\n{made_at}\n").into_bytes()
    }

    /// Signs the head `(seq, head)` with the key whose 32-byte seed is `seed`.
    pub fn sign(seed: &[u8; 32], seq: u64, head: &[u8; 32], made_at: &str) -> Checkpoint {
        use ed25519_dalek::Signer;
        let key = ed25519_dalek::SigningKey::from_bytes(seed);
        let head = hex::encode(head);
        let signature = key.sign(&Checkpoint::message(seq, &head, made_at));
        Checkpoint {
            seq,
            head,
            made_at: made_at.to_string(),
            public_key: hex::encode(key.verifying_key().to_bytes()),
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// The public key of a seed, hex.
    pub fn public_key_of(seed: &[u8; 32]) -> String {
        hex::encode(
            ed25519_dalek::SigningKey::from_bytes(seed)
                .verifying_key()
                .to_bytes(),
        )
    }

    /// Checks the signature, by the key it names or (`pinned`) the one the area
    /// publishes: a checkpoint anyone could have made proves nothing.
    pub fn check_signature(&self, pinned: Option<&str>) -> Result<(), String> {
        if let Some(k) = pinned
            && !k.trim().eq_ignore_ascii_case(&self.public_key)
        {
            return Err(format!(
                "the checkpoint was signed by the key {}, not the one given ({})",
                self.public_key,
                k.trim()
            ));
        }
        let key: [u8; 32] = hex::decode(&self.public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("the checkpoint's public key is not 32 bytes of hex")?;
        let sig: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("the checkpoint's signature is not 64 bytes of hex")?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&key)
            .map_err(|_| "the checkpoint's public key is not an Ed25519 key".to_string())?;
        key.verify_strict(
            &Checkpoint::message(self.seq, &self.head, &self.made_at),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )
        .map_err(|_| {
            "the checkpoint's signature does not match what it says: it was altered, or not made by sendscope".to_string()
        })
    }
}

#[cfg(test)]
mod checkpoint_tests {
    use super::*;

    #[test]
    fn a_checkpoint_proves_what_it_says_and_nothing_else() {
        let seed = [9u8; 32];
        let c = Checkpoint::sign(&seed, 42, &[1u8; 32], "2026-12-07T06:00:00Z");
        assert_eq!(c.check_signature(None), Ok(()));
        assert_eq!(
            c.check_signature(Some(&Checkpoint::public_key_of(&seed))),
            Ok(())
        );
        assert!(
            c.check_signature(Some(&Checkpoint::public_key_of(&[8u8; 32])))
                .is_err()
        );
        for altered in [
            Checkpoint {
                seq: 41,
                ..c.clone()
            },
            Checkpoint {
                head: hex::encode([2u8; 32]),
                ..c.clone()
            },
            Checkpoint {
                made_at: "2026-12-08T06:00:00Z".into(),
                ..c.clone()
            },
        ] {
            assert!(altered.check_signature(None).is_err(), "{altered:?}");
        }
    }
}

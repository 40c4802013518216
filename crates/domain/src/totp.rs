//! Two-factor sign-in codes: time-based one-time passwords (TOTP, RFC 6238) as every
//! authenticator app makes them: HMAC-SHA1 over the 30-second step since the Unix epoch,
//! six digits. Pure: the caller supplies the secret's randomness and the time.

use crate::DomainError;
use hmac::{Hmac, Mac};

/// Seconds in one step: a code changes every 30 seconds.
pub const STEP_SECONDS: u64 = 30;
const DIGITS: u32 = 6;

/// A shared secret: 20 bytes (160 bits, RFC 4226's recommended length).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret([u8; 20]);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

impl TotpSecret {
    pub fn from_bytes(bytes: [u8; 20]) -> Self {
        TotpSecret(bytes)
    }
    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }
    /// The secret as a person types it into an authenticator app: base32 (RFC 4648, no
    /// padding: 20 bytes are exactly 32 characters).
    pub fn base32(&self) -> String {
        let mut out = String::with_capacity(32);
        for chunk in self.0.chunks(5) {
            let n = chunk.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b));
            for i in (0..8).rev() {
                out.push(char::from(BASE32[((n >> (i * 5)) & 31) as usize]));
            }
        }
        out
    }
    /// The secret read back from its base32 form (spaces and case ignored).
    pub fn parse_base32(s: &str) -> Result<Self, DomainError> {
        let invalid = || DomainError::Invalid {
            what: "two-factor secret",
            value: "(not shown)".into(),
            how: "it is 32 letters A-Z and digits 2-7, as shown when it was set up".into(),
        };
        let chars: Vec<u8> = s
            .bytes()
            .filter(|c| !c.is_ascii_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if chars.len() != 32 {
            return Err(invalid());
        }
        let mut bytes = [0u8; 20];
        for (i, group) in chars.chunks(8).enumerate() {
            let mut n = 0u64;
            for c in group {
                let v = BASE32.iter().position(|b| b == c).ok_or_else(invalid)?;
                n = (n << 5) | v as u64;
            }
            for j in 0..5 {
                bytes[i * 5 + j] = (n >> (32 - 8 * j)) as u8;
            }
        }
        Ok(TotpSecret(bytes))
    }
    /// The `otpauth://` address an authenticator app reads (Google's key-URI format).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        char::from(b).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            enc(issuer),
            enc(account),
            self.base32(),
            enc(issuer)
        )
    }
}

/// The code for a step (RFC 4226's HOTP with the step as the counter), as a number.
pub fn code_at_step(secret: &[u8], step: u64) -> u32 {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else {
        return 0;
    };
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[19] & 0x0f);
    let n = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    n % 10u32.pow(DIGITS)
}

/// The step a moment falls in.
pub fn step_of(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// Checks a code typed at `unix_seconds`: the current step or one either side (a phone's
/// clock a little out), and only a step later than the last one used, so a code seen over
/// someone's shoulder cannot be used again. Returns the step the code matched.
pub fn check_code(
    secret: &TotpSecret,
    code: &str,
    unix_seconds: u64,
    last_used_step: Option<u64>,
) -> Option<u64> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let typed: u32 = digits.parse().ok()?;
    let now = step_of(unix_seconds);
    [now.saturating_sub(1), now, now + 1]
        .into_iter()
        .filter(|s| last_used_step.is_none_or(|last| *s > last))
        .find(|&s| code_at_step(secret.as_bytes(), s) == typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (8 digits there; the last 6 of each are ours).
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (t, eight) in [
            (59u64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(code_at_step(secret, step_of(t)), eight % 1_000_000, "t={t}");
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        // RFC 4648 section 10: "fooba" is "MZXW6YTB".
        let mut b = [0u8; 20];
        b[..5].copy_from_slice(b"fooba");
        let s = TotpSecret::from_bytes(b);
        assert!(s.base32().starts_with("MZXW6YTB"));
        assert_eq!(
            TotpSecret::parse_base32(&s.base32().to_lowercase()).unwrap(),
            s
        );
        let spaced: String = s
            .base32()
            .chars()
            .enumerate()
            .flat_map(|(i, c)| (i % 4 == 0).then_some(' ').into_iter().chain([c]))
            .collect();
        assert_eq!(TotpSecret::parse_base32(&spaced).unwrap(), s);
        assert!(TotpSecret::parse_base32("MZXW6YTB").is_err());
        assert!(TotpSecret::parse_base32(&"1".repeat(32)).is_err());
    }

    #[test]
    fn a_code_is_good_for_its_step_and_one_either_side_and_only_once() {
        let s = TotpSecret::from_bytes(*b"12345678901234567890");
        let t = 1_111_111_111;
        let code = format!("{:06}", code_at_step(s.as_bytes(), step_of(t)));
        assert_eq!(check_code(&s, &code, t, None), Some(step_of(t)));
        assert_eq!(check_code(&s, &code, t + 30, None), Some(step_of(t)));
        assert_eq!(check_code(&s, &code, t - 30, None), Some(step_of(t)));
        assert_eq!(check_code(&s, &code, t + 90, None), None);
        // Used once: not again.
        assert_eq!(check_code(&s, &code, t, Some(step_of(t))), None);
        assert_eq!(check_code(&s, "12345", t, None), None);
        assert_eq!(check_code(&s, "abcdef", t, None), None);
        assert!(
            s.otpauth_uri("sendscope Derby", "a.b")
                .starts_with("otpauth://totp/sendscope%20Derby:a.b?secret=")
        );
    }
}

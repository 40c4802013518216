//! User accounts: names, password hashing (argon2id) and the sign-in lock-out policy.
//! Pure: the caller supplies salts and the current time.

use crate::DomainError;
use crate::calendar::Instant;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A sign-in name: 2-64 characters of lower-case letters, digits, '.', '-' or '_'.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim().to_ascii_lowercase();
        let ok = (2..=64).contains(&t.len())
            && t.bytes().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'_')
            });
        if ok {
            Ok(Username(t))
        } else {
            Err(DomainError::Invalid {
                what: "username",
                value: s.to_string(),
                how: "use 2 to 64 lower-case letters, digits, dots, hyphens or underscores".into(),
            })
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl schemars::JsonSchema for Username {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Username".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[a-z0-9._-]{2,64}$",
            "description": "An account's username: 2 to 64 lower-case letters, digits, dots, hyphens or underscores"
        })
    }
}
impl Serialize for Username {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Username {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Username::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The shortest password a real account may have (NCSC: length over complexity).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The words at the heart of the passwords most often leaked (the top of the NCSC's and
/// Have I Been Pwned's published lists, and this service's own name): a password that is
/// one of them with digits or symbols around it, or letters swapped for look-alike
/// digits, is among the first an attacker tries.
const COMMON: &[&str] = &[
    "password",
    "passwort",
    "qwerty",
    "qwertyuiop",
    "asdfgh",
    "asdfghjkl",
    "zxcvbnm",
    "letmein",
    "welcome",
    "iloveyou",
    "admin",
    "administrator",
    "abc",
    "abcdef",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "trustno",
    "master",
    "changeme",
    "secret",
    "shadow",
    "superman",
    "batman",
    "starwars",
    "whatever",
    "freedom",
    "michael",
    "charlie",
    "jennifer",
    "jordan",
    "liverpool",
    "arsenal",
    "chelsea",
    "london",
    "england",
    "derby",
    "derbyshire",
    "sendscope",
    "council",
    "summer",
    "winter",
    "spring",
    "autumn",
    "hello",
    "login",
    "user",
    "guest",
    "test",
    "default",
    "computer",
    "internet",
    "mypassword",
    "access",
    "pass",
    "word",
];

/// Refuses passwords too short to resist guessing, or made of a common password with
/// digits or symbols around it ("password1234"), one character repeated, or digits
/// only. Demo accounts (password `demo`) are made without this check, in demo databases
/// only.
pub fn check_password_strength(password: &str) -> Result<(), DomainError> {
    let refuse = |how: String| {
        Err(DomainError::Invalid {
            what: "password",
            value: "(hidden)".into(),
            how,
        })
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return refuse(format!(
            "use at least {MIN_PASSWORD_CHARS} characters; three random words work well"
        ));
    }
    // The letters at its heart, look-alike digits read as letters.
    let core: String = password
        .trim_matches(|c: char| !c.is_alphabetic())
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            c => c,
        })
        .filter(|c| !c.is_ascii_digit() && !c.is_whitespace())
        .collect();
    let first = password.chars().next();
    let repeated = password.chars().all(|c| Some(c) == first);
    let digits = password.chars().all(|c| c.is_ascii_digit());
    let common = COMMON
        .iter()
        .any(|w| core == *w || core == format!("{w}{w}"));
    if repeated || digits || core.is_empty() || common {
        return refuse(
            "that password is among the first an attacker would try: use three random words, such as \"orange kettle harbour\""
                .into(),
        );
    }
    Ok(())
}

/// An argon2id hash in PHC string form, from a password and 16 random bytes of salt.
pub fn hash_password(password: &str, salt: [u8; 16]) -> Result<String, DomainError> {
    let salt = SaltString::encode_b64(&salt).map_err(|e| DomainError::Encoding(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Encoding(e.to_string()))
}

/// True when the password matches the stored hash. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// An API token's public identifier: 12 lower-case hex digits. Listed and used to revoke;
/// it grants nothing by itself.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct TokenId(String);

impl TokenId {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        if t.len() == 12
            && t.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        {
            Ok(TokenId(t.to_string()))
        } else {
            Err(DomainError::Invalid {
                what: "token identifier",
                value: s.to_string(),
                how: "give the 12-character identifier that `sendscope token list` shows".into(),
            })
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TokenId {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        TokenId::parse(&s)
    }
}

impl From<TokenId> for String {
    fn from(t: TokenId) -> String {
        t.0
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new API token: `sendscope_<id>_<64 hex digits of secret>`. The caller supplies the
/// random bytes (6 for the identifier, 32 for the secret).
pub struct NewApiToken {
    pub id: TokenId,
    /// The whole token, shown once to whoever asked for it and never stored.
    pub secret: String,
}

pub const API_TOKEN_PREFIX: &str = "sendscope_";

impl NewApiToken {
    pub fn from_random(id: [u8; 6], secret: [u8; 32]) -> Self {
        let id = TokenId(hex::encode(id));
        let secret = format!("{API_TOKEN_PREFIX}{id}_{}", hex::encode(secret));
        NewApiToken { id, secret }
    }
    pub fn sha256(&self) -> [u8; 32] {
        token_sha256(&self.secret)
    }
}

/// What the store keeps of a token (sessions and API tokens alike): its SHA-256.
pub fn token_sha256(token: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).into()
}

/// Failed sign-ins allowed before the account is locked.
pub const FREE_ATTEMPTS: u32 = 5;

/// After the free attempts, each failure locks the account for 1 minute, doubling with
/// each further failure, at most 1 day. `failures` counts the failure just made.
pub fn locked_until(failures: u32, now: Instant) -> Option<Instant> {
    if failures < FREE_ATTEMPTS {
        return None;
    }
    let minutes = 1i64 << (failures - FREE_ATTEMPTS).min(11);
    let minutes = minutes.min(24 * 60);
    Instant::from_micros(now.micros() + minutes * 60_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_refused_however_dressed_up() {
        for weak in [
            "password1234",
            "Password1234!",
            "P@ssw0rd2025!",
            "123456789012",
            "aaaaaaaaaaaa",
            "qwertyuiop12",
            "2026sendscope",
            "letmeinletmein",
            "!!!!????1234",
        ] {
            assert!(check_password_strength(weak).is_err(), "{weak}");
        }
        for fine in [
            "orange kettle harbour",
            "correct horse battery",
            "Derby-rain-tram-42",
        ] {
            assert!(check_password_strength(fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(
            Username::parse(" Caseworker-2 ")
                .map(|u| u.to_string())
                .ok(),
            Some("caseworker-2".into())
        );
        assert!(Username::parse("a").is_err());
        assert!(Username::parse("bad name").is_err());
        assert!(Username::parse("o'brien").is_err());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery", [7; 16]).expect("hashes");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("anything", "not a hash"));
        assert!(check_password_strength("short").is_err());
        assert!(check_password_strength("three random words").is_ok());
    }

    #[test]
    fn api_tokens_have_a_public_id_and_a_secret() {
        let t = NewApiToken::from_random([0xab; 6], [1; 32]);
        assert_eq!(t.id.as_str(), "abababababab");
        assert!(t.secret.starts_with("sendscope_abababababab_0101"));
        assert_eq!(t.secret.len(), 10 + 12 + 1 + 64);
        assert_eq!(t.sha256(), token_sha256(&t.secret));
        assert!(TokenId::parse("ABABABABABAB").is_err());
        assert!(TokenId::parse("abab").is_err());
        let json = serde_json::to_string(&t.id).expect("json");
        assert!(serde_json::from_str::<TokenId>(&json).is_ok());
        assert!(serde_json::from_str::<TokenId>("\"zz\"").is_err());
    }

    #[test]
    fn lock_out_grows_and_is_capped() {
        let now = Instant::parse("2025-01-06T09:00:00Z").expect("instant");
        let mins = |n| locked_until(n, now).map(|t| (t.micros() - now.micros()) / 60_000_000);
        assert_eq!(mins(4), None);
        assert_eq!(mins(5), Some(1));
        assert_eq!(mins(6), Some(2));
        assert_eq!(mins(9), Some(16));
        assert_eq!(mins(40), Some(24 * 60));
    }
}

//! Single sign-on (OpenID Connect) as an area adopts it: which identity provider, which
//! claim names the person's sendscope account, and the area's own rules from the
//! provider's groups to sendscope roles. Pure: the web service does the protocol and
//! gives the verified claims; this decides who they are.

use crate::access::Role;
use crate::account::Username;
pub use crate::event::{GroupRole, SingleSignOn, UsernameClaim};

/// The claims the provider vouched for (its signature and the nonce checked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifiedClaims {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub preferred_username: Option<String>,
    pub groups: Vec<String>,
}

/// Who the claims say the person is: their account's username, and the role their groups
/// give them (when the area maps groups).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoIdentity {
    pub username: Username,
    pub role: Option<Role>,
}

impl SingleSignOn {
    /// Refuses rules that could not work: a non-HTTPS issuer (other than on this
    /// machine, for testing), no email domain for an email claim, an empty label.
    pub fn check(&self) -> Result<(), String> {
        let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| self.issuer.starts_with(p));
        if !self.issuer.starts_with("https://") && !local {
            return Err(format!(
                "the issuer {:?} is not an https:// address: give the provider's issuer URL as its discovery document says",
                self.issuer
            ));
        }
        if self.label.trim().is_empty() || self.label.chars().count() > 80 {
            return Err("say in 1 to 80 characters what the account is called (e.g. \"your Derby City Council account\")".into());
        }
        if self.client_id.trim().is_empty() {
            return Err("give the client ID the identity provider issued for sendscope".into());
        }
        if self.username_claim == UsernameClaim::Email && self.email_domains.is_empty() {
            return Err("an email claim needs the organisation's email domains (e.g. derby.gov.uk), so that no other organisation's address can name an account".into());
        }
        if self.roles.iter().any(|r| r.group.trim().is_empty()) {
            return Err("every group rule needs the group's name".into());
        }
        Ok(())
    }

    /// The account the claims name, or why they name none (in words for the person).
    pub fn identify(&self, c: &VerifiedClaims) -> Result<SsoIdentity, String> {
        let name = match self.username_claim {
            UsernameClaim::Email => {
                if c.email_verified == Some(false) {
                    return Err("your organisation has not verified your email address".into());
                }
                let email = c
                    .email
                    .as_deref()
                    .ok_or("your organisation's account did not give an email address")?
                    .trim()
                    .to_lowercase();
                let (local, domain) = email
                    .rsplit_once('@')
                    .ok_or("your organisation's account gave an email address without an @")?;
                if !self.email_domains.iter().any(|d| {
                    d.trim()
                        .trim_start_matches('@')
                        .eq_ignore_ascii_case(domain)
                }) {
                    return Err(format!(
                        "addresses at {domain} are not this area's: sign in with your own organisation's account"
                    ));
                }
                local.to_string()
            }
            UsernameClaim::PreferredUsername => c
                .preferred_username
                .clone()
                .ok_or("your organisation's account did not give a username")?,
        };
        let username = Username::parse(&name)
            .map_err(|_| format!("\"{name}\" is not a username sendscope can have"))?;
        let role = if self.roles.is_empty() {
            None
        } else {
            let found = self
                .roles
                .iter()
                .find(|r| c.groups.iter().any(|g| g == &r.group))
                .ok_or("none of your organisation's groups gives a role in sendscope: ask your administrator")?;
            Some(found.role)
        };
        Ok(SsoIdentity { username, role })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn rules() -> SingleSignOn {
        SingleSignOn {
            from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("d"),
            label: "your Derby City Council account".into(),
            issuer: "https://login.example.gov.uk".into(),
            client_id: "sendscope".into(),
            username_claim: UsernameClaim::Email,
            email_domains: vec!["derby.gov.uk".into()],
            roles: vec![
                GroupRole {
                    group: "SEND Managers".into(),
                    role: Role::TeamManager,
                },
                GroupRole {
                    group: "SEND Caseworkers".into(),
                    role: Role::Caseworker,
                },
            ],
            scopes: vec![],
        }
    }

    fn claims(email: &str, groups: &[&str]) -> VerifiedClaims {
        VerifiedClaims {
            subject: "s".into(),
            email: Some(email.into()),
            email_verified: Some(true),
            preferred_username: None,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn the_area_rules_name_the_account_and_its_role() {
        let r = rules();
        assert!(r.check().is_ok());
        let id = r
            .identify(&claims(
                "Zara.Ali@Derby.gov.uk",
                &["All staff", "SEND Caseworkers"],
            ))
            .expect("known");
        assert_eq!(id.username.as_str(), "zara.ali");
        assert_eq!(id.role, Some(Role::Caseworker));
        // First rule that matches wins.
        let id = r
            .identify(&claims(
                "s.patel@derby.gov.uk",
                &["SEND Caseworkers", "SEND Managers"],
            ))
            .expect("known");
        assert_eq!(id.role, Some(Role::TeamManager));
        // Another organisation's address, an unverified one, no group: refused.
        assert!(
            r.identify(&claims("zara.ali@evil.example", &["SEND Caseworkers"]))
                .is_err()
        );
        let mut unverified = claims("zara.ali@derby.gov.uk", &["SEND Caseworkers"]);
        unverified.email_verified = Some(false);
        assert!(r.identify(&unverified).is_err());
        assert!(
            r.identify(&claims("zara.ali@derby.gov.uk", &["All staff"]))
                .is_err()
        );
        // No group rules: the account's own role stands.
        let own = SingleSignOn {
            roles: vec![],
            ..rules()
        };
        assert_eq!(
            own.identify(&claims("zara.ali@derby.gov.uk", &[]))
                .expect("ok")
                .role,
            None
        );
    }

    #[test]
    fn rules_that_could_not_work_are_refused() {
        for bad in [
            SingleSignOn {
                issuer: "http://login.example.gov.uk".into(),
                ..rules()
            },
            SingleSignOn {
                email_domains: vec![],
                ..rules()
            },
            SingleSignOn {
                label: " ".into(),
                ..rules()
            },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
        let local = SingleSignOn {
            issuer: "http://127.0.0.1:4000".into(),
            ..rules()
        };
        assert!(local.check().is_ok());
    }
}

//! Looking after the records: the audit of the hash chain, exports, accounts and API
//! tokens.

use super::*;
use sendscope_app::setup;
use sendscope_domain::event::StaffJob;

pub(crate) fn audit_command(url: &str, what: AuditCommand) -> anyhow::Result<()> {
    match what {
        AuditCommand::AccessLogLost { reason } => {
            let Some(path) = url.strip_prefix("sqlite://") else {
                bail!(
                    "PostgreSQL keeps the access log in the database itself: it is restored with it"
                );
            };
            sendscope_store::start_new_access_log(path, &reason)?;
            outln!(
                "A new access log is started beside {path}; its first entry says the one before was lost and why."
            );
            Ok(())
        }
        AuditCommand::Keygen { output } => {
            let seed = random_seed();
            let mut f = crate::private_file(&output)?;
            writeln!(f, "{}", hex::encode(seed))
                .with_context(|| format!("writing {}", output.display()))?;
            outln!(
                "A checkpoint key is in {} (keep it outside the database, readable by this service only). Its public key, to publish: {}",
                output.display(),
                sendscope_domain::chain::Checkpoint::public_key_of(&seed)
            );
            Ok(())
        }
        AuditCommand::Checkpoint { key, output } => {
            let seed = read_checkpoint_key(&key)?;
            let store = open(url)?;
            // Only a history that verifies is signed.
            let r = verified(store.as_ref(), "no checkpoint was made")?;
            let (Some(head), true) = (r.head.as_deref(), r.events > 0) else {
                bail!("the database has no events yet: there is nothing to sign");
            };
            let head: [u8; 32] = hex::decode(head)
                .ok()
                .and_then(|b| b.try_into().ok())
                .context("the chain's head is not a hash")?;
            // Events are numbered from 1 without gaps (verified above): the last is the count.
            let seq = r.events;
            let cp = sendscope_domain::chain::Checkpoint::sign(
                &seed,
                seq,
                &head,
                &sendscope_domain::Instant::now().to_string(),
            );
            let json = serde_json::to_string_pretty(&cp)?;
            if let Some(path) = output {
                let mut f = crate::private_file(&path)?;
                writeln!(f, "{json}").with_context(|| format!("writing {}", path.display()))?;
            }
            outln!("{json}");
            Ok(())
        }
        AuditCommand::Verify {
            checkpoint,
            public_key,
        } => {
            let store = open(url)?;
            let t = Clock::now();
            let r = verified(store.as_ref(), "events before it verified")?;
            check_checkpoints(store.as_ref(), &checkpoint, public_key.as_deref())?;
            outln!(
                "Verified {} events ({} payloads lawfully erased) in {:.1} s. Chain head: {}",
                r.events,
                r.erased_payloads,
                t.elapsed().as_secs_f64(),
                r.head.unwrap_or_else(|| "(empty)".into())
            );
            Ok(())
        }
    }
}

pub(crate) fn export_command(url: &str, what: ExportCommand) -> anyhow::Result<()> {
    match what {
        ExportCommand::Events { format, output } => {
            let store = open(url)?;
            let format = match format {
                Format::Csv => ExportFormat::Csv,
                Format::Jsonl => ExportFormat::Jsonl,
            };
            let n = match output {
                Some(path) => {
                    let f = crate::private_file(&path)?;
                    let mut w = std::io::BufWriter::new(f);
                    let n = sendscope_store::export_events(store.as_ref(), format, &mut w)?;
                    w.flush().context("cannot finish writing the export")?;
                    n
                }
                None => {
                    let out = std::io::stdout();
                    let mut w = std::io::BufWriter::new(out.lock());
                    let n = sendscope_store::export_events(store.as_ref(), format, &mut w)?;
                    w.flush().context("cannot finish writing the export")?;
                    n
                }
            };
            eprintln!("Exported {n} events.");
            Ok(())
        }
    }
}

pub(crate) fn area_command(url: &str, what: AreaCommand) -> anyhow::Result<()> {
    let store = open(url)?;
    match what {
        AreaCommand::Add { la_code, name } => {
            let (id, name) =
                setup::add_area(store.as_ref(), &la_code, name.as_deref(), "user:admin-cli")?;
            outln!(
                "Local area {name} ({}) added, with its council: {id}",
                la_code.trim()
            );
        }
        AreaCommand::SingleSignOn {
            area,
            label,
            issuer,
            client_id,
            username_claim,
            email_domains,
            group_roles,
            scopes,
            from,
        } => {
            use sendscope_domain::sso::{GroupRole, SingleSignOn, UsernameClaim};
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            let username_claim = match username_claim.trim() {
                "email" => UsernameClaim::Email,
                "preferred_username" => UsernameClaim::PreferredUsername,
                other => {
                    anyhow::bail!("--username-claim {other:?}: use email or preferred_username")
                }
            };
            let roles = group_roles
                .iter()
                .map(|g| {
                    let (group, role) = g.rsplit_once('=').with_context(|| {
                        format!("--group-role {g:?}: write the group, =, then the role (e.g. \"SEND Caseworkers=caseworker\")")
                    })?;
                    Ok(GroupRole {
                        group: group.trim().to_string(),
                        role: parse_role(role.trim())?,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let from = from.unwrap_or_else(sendscope_domain::calendar::england_today);
            let sso = SingleSignOn {
                from,
                label: label.trim().to_string(),
                issuer: issuer.trim().to_string(),
                client_id: client_id.trim().to_string(),
                username_claim,
                email_domains,
                roles,
                scopes,
            };
            crate::append_area_event(
                store.as_ref(),
                area,
                sendscope_domain::EventBody::SingleSignOnAdopted(sso),
                "user:admin-cli",
                from,
            )?;
            outln!(
                "From {from}: people sign in with {} at {}. Give `serve` the client secret (--oidc-client-secret-file) and register {{public URL}}/sign-in/sso/callback with the provider.",
                label.trim(),
                issuer.trim()
            );
        }
        AreaCommand::SignInPolicy {
            area,
            two_factor_for_staff,
            idle_minutes,
            from,
        } => {
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            let two_factor = match two_factor_for_staff.trim().to_lowercase().as_str() {
                "yes" | "y" => true,
                "no" | "n" => false,
                other => anyhow::bail!(
                    "--two-factor-for-staff {other:?}: write yes if staff must give a code from an authenticator app, no if not"
                ),
            };
            let from = from.unwrap_or_else(sendscope_domain::calendar::england_today);
            let policy = sendscope_domain::event::SignInPolicy {
                from,
                two_factor_for_staff: two_factor,
                idle_minutes,
            };
            crate::append_area_event(
                store.as_ref(),
                area,
                sendscope_domain::EventBody::SignInPolicyAdopted(policy),
                "user:admin-cli",
                from,
            )?;
            outln!(
                "From {from}: two factors for staff {}; sessions end after {idle_minutes} minutes idle.",
                if two_factor { "required" } else { "optional" }
            );
        }
        AreaCommand::Officers {
            area,
            dmo,
            dco,
            dsco,
            from,
        } => {
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            let yn = |what: &str, v: &str| match v.trim() {
                "Y" | "y" => Ok(true),
                "N" | "n" => Ok(false),
                other => Err(anyhow::anyhow!(
                    "--{what} {other:?}: write Y if the area has one in post, N if not"
                )),
            };
            let from = from.unwrap_or_else(sendscope_domain::calendar::england_today);
            let x = sendscope_domain::event::DesignatedOfficers {
                from,
                medical: yn("dmo", &dmo)?,
                clinical: yn("dco", &dco)?,
                social_care: Some(yn("dsco", &dsco)?),
            };
            crate::append_area_event(
                store.as_ref(),
                area,
                sendscope_domain::EventBody::DesignatedOfficersRecorded(x),
                "user:admin-cli",
                from,
            )?;
            outln!(
                "Designated officers from {}: medical {}, clinical {}, social care {}.",
                from,
                dmo.trim().to_uppercase(),
                dco.trim().to_uppercase(),
                dsco.trim().to_uppercase()
            );
        }
        AreaCommand::List => {
            let h = store.headline()?;
            if h.areas.is_empty() {
                eprintln!(
                    "No local area is set up: add one with `sendscope area add --la-code CODE`."
                );
            }
            for a in h.areas {
                outln!("{}\t{}\t{}", a.la_code, a.name, a.area_id);
            }
        }
    }
    Ok(())
}

pub(crate) fn team_command(url: &str, what: TeamCommand) -> anyhow::Result<()> {
    let store = open(url)?;
    match what {
        TeamCommand::Add { area, name } => {
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            setup::add_team(store.as_ref(), area, &name, "user:admin-cli")?;
            outln!("Team {:?} added.", name.trim());
        }
    }
    Ok(())
}

pub(crate) fn organisation_command(url: &str, what: OrganisationCommand) -> anyhow::Result<()> {
    use sendscope_domain::event::OrganisationKind;
    let store = open(url)?;
    match what {
        OrganisationCommand::Add { area, kind, name } => {
            let kind: OrganisationKind = serde_json::from_value(serde_json::Value::String(
                kind.trim().to_string(),
            ))
            .map_err(|_| {
                anyhow::anyhow!(
                    "kind {kind:?} is not known; use integrated_care_board, health_service or other"
                )
            })?;
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            setup::add_organisation(store.as_ref(), area, kind, &name, "user:admin-cli")?;
            outln!("{} registered.", name.trim());
        }
        OrganisationCommand::List { area } => {
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            for (kind, name) in setup::organisations(store.as_ref(), area)? {
                let kind = serde_json::to_value(kind)?;
                outln!("{name}\t{}", kind.as_str().unwrap_or(""));
            }
        }
    }
    Ok(())
}

pub(crate) fn staff_command(url: &str, what: StaffCommand) -> anyhow::Result<()> {
    let store = open(url)?;
    match what {
        StaffCommand::Add {
            area,
            team,
            name,
            job,
        } => {
            let job: StaffJob = serde_json::from_value(serde_json::Value::String(job.trim().to_string()))
                .map_err(|_| {
                    anyhow::anyhow!(
                        "job {job:?} is not known; use caseworker, team_manager, commissioner, health_professional, senco, educational_psychologist or administrator"
                    )
                })?;
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            setup::add_staff(store.as_ref(), area, &team, &name, job, "user:admin-cli")?;
            outln!("{} added to {:?}.", name.trim(), team.trim());
        }
        StaffCommand::Move { area, name, team } => {
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            setup::move_staff(store.as_ref(), area, &name, &team, "user:admin-cli")?;
            outln!("{} moved to {:?}.", name.trim(), team.trim());
        }
        StaffCommand::Leave { area, name } => {
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            setup::staff_left(store.as_ref(), area, &name, "user:admin-cli")?;
            outln!(
                "{} has left: no longer offered for allocation.",
                name.trim()
            );
        }
    }
    Ok(())
}

pub(crate) fn user_command(url: &str, what: UserCommand) -> anyhow::Result<()> {
    match what {
        UserCommand::Add {
            username,
            role,
            area,
            links,
        } => {
            let store = open(url)?;
            let role = parse_role(&role)?;
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            let links = links_by_name(store.as_ref(), area, links)?;
            let password = read_password()?;
            check_password_strength(&password)?;
            let username = Username::parse(&username)?;
            sendscope_app::accounts::add_account(
                store.as_ref(),
                area,
                &username,
                role,
                links,
                &password,
                "user:admin-cli",
            )?;
            outln!("Account {username} ({}) created.", role.as_str());
            Ok(())
        }
        UserCommand::List { area } => {
            let store = open(url)?;
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            for a in sendscope_app::accounts::list(store.as_ref(), area)? {
                outln!(
                    "{}\t{}\t{}",
                    a.username,
                    a.role.as_str(),
                    a.disabled_on
                        .map(|d| format!("disabled {d}"))
                        .unwrap_or_else(|| "active".into())
                );
            }
            Ok(())
        }
        UserCommand::Role {
            username,
            role,
            links,
        } => {
            let store = open(url)?;
            let role = parse_role(&role)?;
            let username = Username::parse(&username)?;
            let creds = store.credentials(&username)?.with_context(|| {
                format!("there is no account \"{username}\"; `sendscope user list` shows them")
            })?;
            let links = links_by_name(store.as_ref(), creds.area, links)?;
            sendscope_app::accounts::change_role(
                store.as_ref(),
                &username,
                role,
                links,
                "user:admin-cli",
            )?;
            outln!("Account {username} is now {}.", role.as_str());
            Ok(())
        }
        UserCommand::ResetTwoFactor { username } => {
            let store = open(url)?;
            let username = Username::parse(&username)?;
            sendscope_app::accounts::set_two_factor(
                store.as_ref(),
                &username,
                None,
                &[0; 32],
                "user:admin-cli",
            )?;
            outln!(
                "Account {username}: two-factor sign-in removed and its sessions ended; they set it up again when they next sign in, if the area requires it."
            );
            Ok(())
        }
        UserCommand::SignIns { username, limit } => {
            let store = open(url)?;
            for e in store.security_log(username.as_deref(), limit)? {
                outln!("{}\t{}\t{}\t{}", e.at, e.username, e.what, e.source);
            }
            Ok(())
        }
        UserCommand::Disable { username } => {
            let store = open(url)?;
            let username = Username::parse(&username)?;
            sendscope_app::accounts::disable(store.as_ref(), &username, "user:admin-cli")?;
            outln!("Account {username} disabled: it can no longer sign in.");
            Ok(())
        }
        UserCommand::ResetPassword { username } => {
            let store = open(url)?;
            let username = Username::parse(&username)?;
            let password = read_password()?;
            sendscope_app::accounts::reset_password(
                store.as_ref(),
                &username,
                &password,
                "user:admin-cli",
            )?;
            outln!("Account {username}: new password set; its sessions have ended.");
            Ok(())
        }
    }
}

/// A password from standard input: one line.
fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    Ok(password.trim_end_matches(['\n', '\r']).to_string())
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    Role::parse(role).with_context(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("role {role:?} is not known; use one of {}", all.join(", "))
    })
}

fn links_by_name(
    store: &dyn sendscope_store::Store,
    area: sendscope_domain::ids::AreaId,
    l: crate::args::LinkArgs,
) -> anyhow::Result<sendscope_domain::event::AccountLinks> {
    Ok(sendscope_app::accounts::links_by_name(
        store,
        area,
        &sendscope_app::accounts::LinkNames {
            staff: l.staff,
            team: l.team,
            setting: l.setting,
            child: l.case,
            person: l.person,
        },
    )?)
}

pub(crate) fn token_command(url: &str, what: TokenCommand) -> anyhow::Result<()> {
    let store = open(url)?;
    match what {
        TokenCommand::Create {
            user,
            label,
            expires_in_days,
        } => {
            let username = Username::parse(&user)?;
            let token = sendscope_app::accounts::issue_api_token(
                store.as_ref(),
                &username,
                &label,
                expires_in_days,
                "user:admin-cli",
            )?;
            eprintln!(
                "Token {} issued for {username}, working for {expires_in_days} days. Keep it secret: it is shown only now.",
                token.id
            );
            outln!("{}", token.secret);
        }
        TokenCommand::List => {
            let tokens = store.api_tokens()?;
            if tokens.is_empty() {
                eprintln!("No API tokens have been issued.");
            }
            for t in tokens {
                outln!(
                    "{}\t{}\t{}\tissued {}\t{}",
                    t.id,
                    t.username,
                    t.label,
                    t.created_at,
                    match (t.revoked_at, t.expires_at) {
                        (Some(r), _) => format!("revoked {r}"),
                        (None, Some(e)) if e <= sendscope_domain::Instant::now() =>
                            format!("expired {e}"),
                        (None, Some(e)) => format!("active until {e}"),
                        (None, None) => "active".into(),
                    }
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let id = sendscope_domain::account::TokenId::parse(&id)?;
            sendscope_app::accounts::revoke_api_token(store.as_ref(), &id, "user:admin-cli")?;
            outln!("Token {id} revoked.");
        }
    }
    Ok(())
}

/// 32 random bytes for a signing key: two version-4 UUIDs (244 random bits; Ed25519
/// hashes its seed), as the service's other secrets are made.
fn random_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    seed[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    seed[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    seed
}

/// The chain verified, or the first event that fails, with what that means (`then`).
/// A checkpoint key made by `sendscope audit keygen`.
pub(crate) fn read_checkpoint_key(key: &std::path::Path) -> anyhow::Result<[u8; 32]> {
    let text = std::fs::read_to_string(key)
        .with_context(|| format!("cannot read the key {}", key.display()))?;
    hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .with_context(|| {
            format!(
                "{} is not a checkpoint key (64 hex digits): make one with `sendscope audit keygen`",
                key.display()
            )
        })
}

/// Proves the history up to each checkpoint was neither rewritten nor cut short.
pub(crate) fn check_checkpoints(
    store: &dyn sendscope_store::Store,
    checkpoints: &[std::path::PathBuf],
    public_key: Option<&str>,
) -> anyhow::Result<()> {
    for path in checkpoints {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let cp: sendscope_domain::chain::Checkpoint = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a checkpoint", path.display()))?;
        cp.check_signature(public_key)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        match sendscope_store::check_checkpoint(store, &cp)? {
            sendscope_store::CheckpointVerdict::Holds => {}
            sendscope_store::CheckpointVerdict::Rewritten => bail!(
                "the history was rewritten: event {} is not the one the checkpoint of {} signed ({})",
                cp.seq,
                cp.made_at,
                path.display()
            ),
            sendscope_store::CheckpointVerdict::CutShort { last } => bail!(
                "events were removed: the history ends at event {last}, but the checkpoint of {} signed event {} ({})",
                cp.made_at,
                cp.seq,
                path.display()
            ),
        }
        outln!(
            "The history up to event {} is the one the checkpoint of {} signed.",
            cp.seq,
            cp.made_at
        );
    }
    Ok(())
}

pub(crate) fn verified(
    store: &dyn sendscope_store::Store,
    then: &str,
) -> anyhow::Result<sendscope_store::VerifyReport> {
    let r = sendscope_store::verify(store)?;
    if let Some(b) = r.first_break {
        bail!(
            "the event history fails verification at event {}: {} ({then})",
            b.seq,
            b.problem
        );
    }
    Ok(r)
}

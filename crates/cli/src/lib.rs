//! The `sendscope` command line: parses the arguments, opens the store, and runs one
//! command. Every failure is one line on stderr and exit code 2.

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::Parser;
use sendscope_demo::{DemoSpec, DemoSummary};
use sendscope_domain::access::Role;
use sendscope_domain::account::{Username, check_password_strength};
use sendscope_domain::ids::AreaId;
use sendscope_store::{ExportFormat, Store};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant as Clock;

/// mimalloc: the demo and bulk writes allocate and free large batches; glibc malloc spent
/// ~10% of the writer thread in page faults and consolidation there.
/// Writes a line to standard output, returning the error (a reader that has gone away,
/// as `| head` does, ends the command quietly: see `main`) instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

/// `outln!` without the newline.
macro_rules! out {
    ($($arg:tt)*) => {
        write!(std::io::stdout().lock(), $($arg)*)?
    };
}

mod admin;
mod args;
mod args_admin;
mod backup;
mod bench;
mod bench_sen2;
mod bench_writers;
mod casework;
mod compliance;
mod demo;
mod figures;
mod imports;
mod placement;
mod retention;
mod sen2;

use args::*;
use figures::{kpi_rows, load_kpi};

/// What the command line needs of the web service, given by the binary that joins the
/// two (`crates/sendscope`): this crate does not depend on the web crate.
pub trait Web {
    /// Serves the pages and the API on a bound listener until Ctrl+C.
    fn serve(
        &self,
        listener: std::net::TcpListener,
        store: Arc<dyn Store>,
        options: ServeOptions,
    ) -> std::io::Result<()>;
    /// The compliance report as a whole GOV.UK page (`--format html`).
    fn compliance_page(&self, report: &sendscope_app::compliance::Report) -> String;
    /// The board report as a whole GOV.UK page (`--format html`).
    fn board_page(&self, report: &sendscope_app::board::Report) -> String;
    /// A subject-access bundle as a whole page to read.
    fn subject_access_page(&self, bundle: &sendscope_app::subject_access::Bundle) -> String;
    /// The stocktake pack as a whole page, or as a PDF.
    fn stocktake(
        &self,
        pack: &sendscope_app::partnership::Stocktake,
        pdf: bool,
    ) -> Result<Vec<u8>, String>;
}

/// Whether an error comes from writing to a pipe whose reader has closed it.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<csv::Error>().is_some_and(
                |e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe),
            )
    })
}

/// Runs the command line: parses the arguments, runs one command, and says how it went.
pub fn main(web: &dyn Web) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let rendered = e.to_string();
            let first = rendered
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("sendscope: {first} (run `sendscope --help` for usage)");
            return ExitCode::from(2);
        }
    };
    match run(cli, web) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader stopped reading (`sendscope export events | head -1`): what it
        // wanted has been written, so end quietly, as `cat` would.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("sendscope: {}", chain.join(": "));
            ExitCode::from(2)
        }
    }
}

/// A file for output that holds personal data (an export, a return): created, or
/// emptied, readable and writable by its owner only (0600).
pub(crate) fn private_file(path: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    #[cfg(unix)]
    f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .with_context(|| format!("cannot make {} private", path.display()))?;
    Ok(f)
}

/// How `serve` runs the service.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    pub secure_cookies: bool,
    /// The secret of the one-time set-up link, on an empty database.
    pub setup_token: Option<String>,
    pub public_url: Option<String>,
    /// Single sign-on's client secret (from a file or the environment; never stored).
    pub oidc_client_secret: Option<String>,
    /// Checkpoints signed with this key every so many minutes, written to a folder too.
    pub checkpoints: Option<([u8; 32], u64, Option<std::path::PathBuf>)>,
    /// Where the KPI engine's snapshot is kept.
    pub kpi_snapshot: Option<std::path::PathBuf>,
}

/// Beside an SQLite file, its KPI snapshot (`sendscope.db.kpi`); none by default for
/// PostgreSQL, whose servers keep no files of ours (give --kpi-snapshot).
pub(crate) fn default_kpi_snapshot(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://")?;
    (!path.is_empty() && path != ":memory:")
        .then(|| std::path::PathBuf::from(format!("{path}.kpi")))
}

fn open(url: &str) -> anyhow::Result<Box<dyn Store>> {
    Ok(sendscope_store::open(url)?)
}

fn run(cli: Cli, web: &dyn Web) -> anyhow::Result<()> {
    match cli.command {
        Command::Migrate => {
            open(&cli.database_url)?;
            outln!("The database {} is up to date.", cli.database_url);
            Ok(())
        }
        Command::Demo { spec } => {
            let store = open(&cli.database_url)?;
            demo::demo(store.as_ref(), &spec)
        }
        Command::Rebuild => {
            let store = open(&cli.database_url)?;
            let t = Clock::now();
            let r = store.rebuild()?;
            outln!(
                "Rebuilt {} records from {} events in {:.1} s.",
                r.streams,
                r.events,
                t.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Kpi {
            year,
            period,
            quarter,
            month,
            area,
            need,
            age,
            team,
            caseworker,
            format,
        } => {
            use sendscope_kpi::Period;
            let chosen = match (quarter, month, period) {
                (Some(q), _, _) => Period::quarter(year, q),
                (_, Some(m), _) => Period::month(year, m),
                (_, _, PeriodArg::Calendar) => Period::calendar_year(year),
                (_, _, PeriodArg::Academic) => Period::academic_year(year),
                (_, _, PeriodArg::Financial) => Period::financial_year(year),
            }
            .context("no such period: a quarter is 1 to 4, a month 1 to 12")?;
            let mut q = std::collections::HashMap::new();
            for (k, v) in [
                ("need", need),
                ("age", age),
                ("team", team),
                ("caseworker", caseworker),
            ] {
                if let Some(v) = v {
                    q.insert(k.to_string(), v);
                }
            }
            q.insert("year".into(), "2014".into());
            let filter = sendscope_app::figures::ask(&q)
                .map_err(|m| anyhow::anyhow!(m))?
                .filter;
            let store = open(&cli.database_url)?;
            let area = area.map(|a| find_area(store.as_ref(), &a)).transpose()?;
            let (engine, _) = load_kpi(store.as_ref(), 0)?;
            let k = engine.compute_in(area, &chosen, &filter);
            // Waiting lists beside the EHC measures: the week ending with the period (or
            // today, if sooner), for the area asked for or the largest.
            let mut k = serde_json::to_value(&k)?;
            if let Some(waits_area) = area.or_else(|| largest_area(store.as_ref()).ok()) {
                let day = chosen.to.min(sendscope_domain::calendar::england_today());
                let waits = sendscope_app::waits::report(store.as_ref(), waits_area, day)?;
                k["waits"] = serde_json::to_value(&waits)?;
                // The children with a plan or request seen whole, as the dashboard
                // counts them (the registers as they stand, waits on the day).
                let joined = sendscope_app::whole_child::joined(store.as_ref(), waits_area, day)?;
                k["joined"] = serde_json::to_value(&joined)?;
            }
            match format {
                TableFormat::Json => outln!("{}", serde_json::to_string(&k)?),
                TableFormat::Csv => {
                    // Every figure of the JSON, a row each, named by its path; a share
                    // is one row with its numerator, denominator and per cent.
                    let mut w = csv::Writer::from_writer(std::io::stdout());
                    w.write_record(["measure", "numerator", "denominator", "percent"])?;
                    let mut rows = Vec::new();
                    kpi_rows("", &serde_json::to_value(&k)?, &mut rows);
                    for r in rows {
                        w.write_record(r)?;
                    }
                    w.flush()?;
                }
            }
            Ok(())
        }
        Command::Serve {
            port,
            demo: with_demo,
            secure_cookies,
            public_url,
            oidc_client_secret_file,
            checkpoint_key,
            checkpoint_minutes,
            checkpoint_dir,
            kpi_snapshot,
            no_kpi_snapshot,
            spec,
        } => {
            let checkpoints = match checkpoint_key {
                Some(k) => {
                    if checkpoint_minutes == 0 {
                        bail!("--checkpoint-minutes 0: give how many minutes apart, 1 or more");
                    }
                    if let Some(d) = &checkpoint_dir {
                        std::fs::create_dir_all(d)
                            .with_context(|| format!("cannot create {}", d.display()))?;
                    }
                    Some((
                        admin::read_checkpoint_key(&k)?,
                        checkpoint_minutes,
                        checkpoint_dir,
                    ))
                }
                None => None,
            };
            let oidc_client_secret = match oidc_client_secret_file {
                Some(f) => Some(
                    std::fs::read_to_string(&f)
                        .with_context(|| {
                            format!("cannot read the client secret from {}", f.display())
                        })?
                        .trim()
                        .to_string(),
                ),
                None => std::env::var("SENDSCOPE_OIDC_CLIENT_SECRET").ok(),
            };
            let options = ServeOptions {
                secure_cookies,
                setup_token: None,
                public_url,
                oidc_client_secret,
                checkpoints,
                kpi_snapshot: if no_kpi_snapshot {
                    None
                } else {
                    kpi_snapshot.or_else(|| default_kpi_snapshot(&cli.database_url))
                },
            };
            let store: Arc<dyn Store> = Arc::from(open(&cli.database_url)?);
            // The port first: a busy one is found before a demo is built for nothing.
            let listener = listen(port)?;
            if with_demo {
                let h = store.headline()?;
                if h.events == 0 {
                    demo::demo(store.as_ref(), &spec)?;
                } else {
                    eprintln!(
                        "The database already holds {} events; serving it as it is.",
                        h.events
                    );
                }
            }
            serve(web, store, listener, options)
        }
        Command::Audit { what } => admin::audit_command(&cli.database_url, what),
        Command::Export { what } => admin::export_command(&cli.database_url, what),
        Command::Area { what } => admin::area_command(&cli.database_url, what),
        Command::Team { what } => admin::team_command(&cli.database_url, what),
        Command::Organisation { what } => admin::organisation_command(&cli.database_url, what),
        Command::Staff { what } => admin::staff_command(&cli.database_url, what),
        Command::User { what } => admin::user_command(&cli.database_url, what),
        Command::Token { what } => admin::token_command(&cli.database_url, what),
        Command::Compliance { what } => {
            compliance::compliance_command(&cli.database_url, web, what)
        }
        Command::Import { what } => imports::import_command(&cli.database_url, what),
        Command::Programme { what } => casework::programme_command(&cli.database_url, what),
        Command::Qa { what } => casework::qa_command(&cli.database_url, what),
        Command::Outbox { what } => casework::outbox_command(&cli.database_url, what),
        Command::Report { what } => casework::report_command(&cli.database_url, web, what),
        Command::Bench { what } => bench::bench_command(&cli.database_url, what),
        Command::Backup { output } => backup::backup(&cli.database_url, &output),
        Command::Retention { what } => retention::retention_command(&cli.database_url, what),
        Command::Complaints { what } => retention::complaints_command(&cli.database_url, what),
        Command::Education {
            what:
                EducationCommand::PartTimePolicy {
                    from,
                    max_weeks,
                    area,
                },
        } => {
            let store = open(&cli.database_url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            sendscope_app::education::adopt_part_time_policy(
                store.as_ref(),
                area,
                sendscope_domain::education::PartTimePolicy { from, max_weeks },
                "user:admin-cli",
            )
            .map_err(|e| anyhow::anyhow!(e.message()))?;
            outln!("part-time timetables are reviewed within {max_weeks} weeks from {from}");
            Ok(())
        }
        Command::Waits {
            what,
            week,
            area,
            format,
        } => waits_command(&cli.database_url, what, week, area, format),
        Command::Erasure { what } => retention::erasure_command(&cli.database_url, what),
        Command::Restore {
            from,
            checkpoint,
            public_key,
        } => backup::restore(&cli.database_url, &from, &checkpoint, public_key.as_deref()),
        Command::SubjectAccess {
            case,
            area,
            requested_by,
            by,
            output,
        } => {
            let store = open(&cli.database_url)?;
            let area = sendscope_app::setup::find_area(store.as_ref(), area.as_deref())?;
            let case = sendscope_app::accounts::find_child(store.as_ref(), area, case.trim())?;
            let bundle = sendscope_app::subject_access::bundle(
                store.as_ref(),
                case,
                &by,
                "admin",
                &requested_by,
            )?;
            std::fs::create_dir_all(&output)
                .with_context(|| format!("cannot create the folder {}", output.display()))?;
            let html = output.join(format!("subject-access-{case}.html"));
            let json = output.join(format!("subject-access-{case}.json"));
            std::io::Write::write_all(
                &mut private_file(&html)?,
                web.subject_access_page(&bundle).as_bytes(),
            )?;
            std::io::Write::write_all(
                &mut private_file(&json)?,
                serde_json::to_string_pretty(&sendscope_app::subject_access::to_json(&bundle))?
                    .as_bytes(),
            )?;
            let files = sendscope_app::subject_access::document_files(store.as_ref(), &bundle)?;
            let folder = output.join(format!("subject-access-{case}-documents"));
            if !files.is_empty() {
                std::fs::create_dir_all(&folder)
                    .with_context(|| format!("cannot create the folder {}", folder.display()))?;
            }
            for (name, bytes) in &files {
                std::io::Write::write_all(&mut private_file(&folder.join(name))?, bytes)?;
            }
            outln!(
                "Subject access bundle for record {case}: {} events, {} views, {} document{}; written to {} and {}{} (readable by you only).",
                bundle.events.len(),
                bundle.views.len(),
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                html.display(),
                json.display(),
                if files.is_empty() {
                    String::new()
                } else {
                    format!(", the documents in {}", folder.display())
                }
            );
            Ok(())
        }
        Command::Placement { what } => placement::placement_command(&cli.database_url, what),
        Command::Trajectory { what } => figures::trajectory_command(&cli.database_url, what),
        Command::Figures { what } => figures::figures_command(&cli.database_url, what),
        Command::Sen2 { what } => sen2::sen2_command(&cli.database_url, what),
    }
}

fn listen(port: u16) -> anyhow::Result<std::net::TcpListener> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    std::net::TcpListener::bind(addr).with_context(|| {
        format!("cannot listen on {addr}; is another program using port {port}? Choose another with --port")
    })
}

fn serve(
    web: &dyn Web,
    store: Arc<dyn Store>,
    listener: std::net::TcpListener,
    options: ServeOptions,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    outln!("sendscope is serving http://{addr} (press Ctrl+C to stop)");
    // An empty database: the first administrator sets up the local area on a page whose
    // link only this terminal sees, and which works once.
    let setup_token = if store.headline()?.areas.is_empty() {
        let secret = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        outln!(
            "The database is empty. Set up your local area and its first administrator at http://{addr}/setup/{secret} (the link works once, while this server runs). Or use `sendscope area add` and `sendscope user add --role admin`."
        );
        Some(secret)
    } else {
        None
    };
    web.serve(
        listener,
        store,
        ServeOptions {
            setup_token,
            ..options
        },
    )
    .context("the web server stopped with an error")
}

/// Loads every record into the KPI engine; keeps up to `sample` records for the
/// incremental benchmark.
type Sample = Vec<(
    sendscope_domain::ids::CaseId,
    AreaId,
    sendscope_domain::projection::CaseState,
)>;

/// Peak resident memory of this process, from /proc (Linux); `None` elsewhere.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Records one event on an area's own record.
fn append_area_event(
    store: &dyn Store,
    area: AreaId,
    body: sendscope_domain::EventBody,
    actor: &str,
    effective_date: NaiveDate,
) -> anyhow::Result<()> {
    store.append(&[sendscope_domain::NewEvent {
        stream: sendscope_domain::StreamRef::area(area),
        area,
        body,
        actor: sendscope_domain::Actor::parse(actor)?,
        effective_date,
        reason: None,
        recorded_at: None,
    }])?;
    Ok(())
}

/// Adopts an area's settings from a JSON file: reads and parses it (saying which command
/// shows the shape when it is not `what`), makes the area event and the date it takes
/// effect with `event`, and records it.
fn adopt<T: serde::de::DeserializeOwned>(
    url: &str,
    area: &str,
    file: &std::path::Path,
    what: &str,
    shape: &str,
    event: impl FnOnce(T) -> anyhow::Result<(sendscope_domain::EventBody, NaiveDate)>,
) -> anyhow::Result<NaiveDate> {
    let store = open(url)?;
    let area = find_area(store.as_ref(), area)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let value: T = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not {what} (see `{shape}` for the shape)",
            file.display()
        )
    })?;
    let (body, from) = event(value)?;
    append_area_event(store.as_ref(), area, body, "system:cli", from)?;
    Ok(from)
}

/// Prints an area's settings in force on a day (today unless given) as JSON.
fn show<T: serde::Serialize>(
    url: &str,
    area: &str,
    on: Option<NaiveDate>,
    read: impl FnOnce(&dyn Store, AreaId, NaiveDate) -> anyhow::Result<T>,
) -> anyhow::Result<()> {
    let store = open(url)?;
    let area = find_area(store.as_ref(), area)?;
    let on = on.unwrap_or_else(sendscope_domain::calendar::england_today);
    outln!(
        "{}",
        serde_json::to_string_pretty(&read(store.as_ref(), area, on)?)?
    );
    Ok(())
}

/// The area with the most cases.
/// `sendscope waits`: the weekly figures, or `adopt`.
fn waits_command(
    url: &str,
    what: Option<WaitsCommand>,
    week: Option<chrono::NaiveDate>,
    area: Option<String>,
    format: TableFormat,
) -> anyhow::Result<()> {
    let store = open(url)?;
    let pick = |a: Option<String>| match a {
        Some(a) => find_area(store.as_ref(), &a),
        None => largest_area(store.as_ref()),
    };
    match what {
        Some(WaitsCommand::Adopt { from, file, area }) => {
            let area = pick(area)?;
            let lists = match file {
                None => sendscope_domain::waits::WaitingLists::standard(from),
                Some(f) => {
                    let text = std::fs::read_to_string(&f)
                        .with_context(|| format!("cannot read {}", f.display()))?;
                    let mut v: serde_json::Value = serde_json::from_str(&text)
                        .with_context(|| format!("{} is not JSON", f.display()))?;
                    v["from"] = serde_json::to_value(from)?;
                    serde_json::from_value(v).with_context(|| {
                        format!(
                            "{}: give version, pathways (code, name, standard_weeks, standard_percent), rules and otherwise",
                            f.display()
                        )
                    })?
                }
            };
            sendscope_app::waits::adopt(store.as_ref(), area, lists, "user:admin-cli")
                .map_err(|e| anyhow::anyhow!(e.message()))?;
            outln!("waiting lists adopted from {from}");
            Ok(())
        }
        None => {
            let area = pick(area)?;
            let day = week.unwrap_or_else(sendscope_domain::calendar::england_today);
            let r = sendscope_app::waits::report(store.as_ref(), area, day)?;
            match format {
                TableFormat::Json => outln!("{}", serde_json::to_string(&r)?),
                TableFormat::Csv => out!("{}", sendscope_app::waits::csv(&r)),
            }
            Ok(())
        }
    }
}

fn largest_area(store: &dyn Store) -> anyhow::Result<AreaId> {
    let h = store.headline()?;
    let Some(a) = h.areas.iter().max_by_key(|a| a.cases) else {
        bail!(
            "the database holds no local area yet: add one with `sendscope area add --la-code CODE` (or build the demo with `sendscope demo`)"
        );
    };
    Ok(AreaId::parse(&a.area_id)?)
}

/// An area by LA code or identifier.
fn find_area(store: &dyn Store, text: &str) -> anyhow::Result<AreaId> {
    if text.trim().is_empty() {
        bail!("no local area {text:?} in this database; give its LA code or identifier");
    }
    Ok(sendscope_app::setup::find_area(store, Some(text))?)
}

/// Calls `f` with every case record in an area.
fn for_each_case(
    store: &dyn Store,
    area: AreaId,
    f: &mut dyn FnMut(sendscope_domain::ids::CaseId, &sendscope_domain::projection::CaseState),
) -> anyhow::Result<()> {
    Ok(sendscope_store::for_each_case(store, area, f)?)
}

//! The `sendscope` command line: parses the arguments, opens the store, and runs one
//! command. Every failure is one line on stderr and exit code 2.

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use sendscope_demo::{DemoSpec, DemoSummary};
use sendscope_domain::access::{Role, check_links, over_compulsory_school_age};
use sendscope_domain::account::{Username, check_password_strength, hash_password};
use sendscope_domain::event::{AccountCreated, AccountLinks, DatedOnly};
use sendscope_domain::ids::{AccountId, AreaId, CaseId, PersonId, SettingId, StaffId, TeamId};
use sendscope_domain::{Actor, EventBody, NewEvent, PreparedEvent, StreamRef};
use sendscope_store::NewCredentials;
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

/// What the command line needs of the web service, given by the binary that joins the
/// two (`crates/sendscope`): this crate does not depend on the web crate.
pub trait Web {
    /// Serves the pages and the API on a bound listener until Ctrl+C.
    fn serve(
        &self,
        listener: std::net::TcpListener,
        store: Arc<dyn Store>,
        secure_cookies: bool,
    ) -> std::io::Result<()>;
    /// The compliance report as a whole GOV.UK page (`--format html`).
    fn compliance_page(&self, report: &sendscope_app::compliance::Report) -> String;
    /// The board report as a whole GOV.UK page (`--format html`).
    fn board_page(&self, report: &sendscope_app::board::Report) -> String;
}

#[derive(Parser, Debug)]
#[command(
    name = "sendscope",
    version,
    about = "SEND casework, statutory clocks and honest performance for a local area"
)]
struct Cli {
    /// Where the data lives: sqlite://PATH (default) or postgres://USER@HOST:PORT/DATABASE.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "sqlite://sendscope.db"
    )]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web pages and API on 127.0.0.1.
    Serve {
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Fill an empty database with a demo local area first.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (set this when users reach the service over HTTPS).
        #[arg(long)]
        secure_cookies: bool,
        #[command(flatten)]
        spec: DemoArgs,
    },
    /// Build a fictional but realistic local area (deterministic for a seed and as-of date).
    Demo {
        #[command(flatten)]
        spec: DemoArgs,
    },
    /// Create or upgrade the database schema.
    Migrate,
    /// Re-derive every projection from the events.
    Rebuild,
    /// Check the event history's integrity.
    Audit {
        #[command(subcommand)]
        what: AuditCommand,
    },
    /// Write data out for analysts and auditors.
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        what: UserCommand,
    },
    /// Manage API tokens (bearer tokens for other systems using /api/v1).
    Token {
        #[command(subcommand)]
        what: TokenCommand,
    },
    /// The compliance report: steps taken before the approvals they depend on.
    Compliance {
        #[command(subcommand)]
        what: ComplianceCommand,
    },
    /// Import the national registers as published.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Programmes with deadlines: cases that must reach a milestone by a date.
    Programme {
        #[command(subcommand)]
        what: ProgrammeCommand,
    },
    /// Plan quality assurance: the rubric audits are scored against.
    Qa {
        #[command(subcommand)]
        what: QaCommand,
    },
    /// Letters to families waiting to be sent.
    Outbox {
        #[command(subcommand)]
        what: OutboxCommand,
    },
    /// Published measures, worked out from the records by the published definitions.
    Report {
        #[command(subcommand)]
        what: ReportCommand,
    },
    /// How the area publishes its figures: comparator areas and the small-number
    /// threshold of board and public views.
    Figures {
        #[command(subcommand)]
        what: FiguresCommand,
    },
    /// Improvement trajectories: a target for a KPI by a month, planned month by month.
    Trajectory {
        #[command(subcommand)]
        what: TrajectoryCommand,
    },
    /// The KPI engine's measures for a calendar year, each with its numerator and
    /// denominator: requests, decisions within 6 weeks, new plans, plans within 20 weeks
    /// (with and without exception cases), plans in place at the year's end, and the
    /// median and 90th-percentile days from request to final plan.
    Kpi {
        /// The calendar year, or the year an academic or financial year starts in.
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value_t = PeriodArg::Calendar)]
        period: PeriodArg,
        /// One quarter (1-4) of the calendar year instead of the whole year.
        #[arg(long, conflicts_with = "month")]
        quarter: Option<u32>,
        /// One month (1-12) of the calendar year instead of the whole year.
        #[arg(long)]
        month: Option<u32>,
        /// The local area: its LA code or identifier; default every area together.
        #[arg(long)]
        area: Option<String>,
        /// Only children with this primary need (a code such as ASD).
        #[arg(long)]
        need: Option<String>,
        /// Only children of this age group at the end of the period: under 5, 5 to 10,
        /// 11 to 15, 16 to 19 or 20 to 25.
        #[arg(long)]
        age: Option<String>,
        /// Only children of this team (identifier).
        #[arg(long)]
        team: Option<String>,
        /// Only children of this caseworker (staff identifier).
        #[arg(long)]
        caseworker: Option<String>,
        #[arg(long, value_enum, default_value_t = TableFormat::Json)]
        format: TableFormat,
    },
    /// Placement: the exact optimiser, options for a child, scenarios for an area.
    Placement {
        #[command(subcommand)]
        what: PlacementCommand,
    },
    /// Measure how fast the store answers, on the database given.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create an account. The password is read from standard input (one line).
    Add {
        #[arg(long)]
        username: String,
        /// caseworker, team_manager, commissioner, health_professional, school, parent_carer,
        /// young_person, board_member or admin.
        #[arg(long)]
        role: String,
        /// The local area: its LA code (e.g. 831) or identifier.
        #[arg(long)]
        area: String,
        #[arg(long)]
        staff: Option<String>,
        #[arg(long)]
        team: Option<String>,
        #[arg(long)]
        setting: Option<String>,
        #[arg(long)]
        person: Option<String>,
        #[arg(long)]
        case: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Issue a token that acts as the account NAME; prints the token once.
    Create {
        #[arg(long)]
        user: String,
        /// Which system will use the token.
        #[arg(long, default_value = "API client")]
        label: String,
    },
    /// Every token: identifier, account, label, issued, revoked.
    List,
    /// Withdraw a token by the identifier `token list` shows.
    Revoke { id: String },
}

#[derive(Subcommand, Debug)]
enum ComplianceCommand {
    /// Adopts the area's own gate rules (JSON: effective_from, approval_needed,
    /// graded_worst, graded_judgements, report_card_lowest, report_card_areas), for steps
    /// on or after their date. `compliance show-rules` prints the shape.
    AdoptRules {
        #[arg(long)]
        area: String,
        file: std::path::PathBuf,
    },
    /// The viable-options evidence for new places at a provision: every provision at
    /// another setting within the distance that meets the Ofsted standard, suits the
    /// phase, ages and needs, and has spare places, with costs and distances (JSON).
    ViableOptions {
        #[arg(long)]
        provision: String,
        /// How far to look, in kilometres (straight line).
        #[arg(long, default_value_t = 8.0)]
        km: f64,
    },
    /// Prints the gate rules in force on a date (default today), as JSON.
    ShowRules {
        #[arg(long)]
        area: String,
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
    /// Every finding (when it began, whether it is still open) and every override (who,
    /// why), with case references.
    Report {
        #[arg(long)]
        area: Option<String>,
        #[arg(long, value_enum, default_value_t = ComplianceFormat::Html)]
        format: ComplianceFormat,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum ComplianceFormat {
    Html,
    Csv,
    Json,
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// The GIAS "all establishment data" CSV (UTF-8 or Windows-1252, columns by name):
    /// schools, colleges and early years settings are added or updated as settings;
    /// bad rows are reported and the rest imported. Running it again changes nothing.
    Gias {
        file: std::path::PathBuf,
        /// The local area: its LA code or identifier; default the largest.
        #[arg(long)]
        area: Option<String>,
        /// Refuse the whole file if any row is bad.
        #[arg(long)]
        strict: bool,
    },
    /// The GIAS links extract: where a URN is followed by a new one (academy conversion),
    /// the setting keeps its identity and takes the new URN. Import links before the
    /// establishment file, so a converted school is not registered twice.
    GiasLinks {
        file: std::path::PathBuf,
        #[arg(long)]
        area: Option<String>,
        #[arg(long)]
        strict: bool,
    },
    /// The DfE's "Education, health and care plans" statistics: every CSV under DIR in
    /// the layouts of the 2022, 2023 and 2025 releases, kept as published beside the
    /// area's own figures (the dashboard shows them; the latest release wins).
    DfeStats {
        dir: std::path::PathBuf,
        #[arg(long)]
        area: Option<String>,
    },
    /// Ofsted inspections: the management information for graded inspections by its
    /// published column names, or report cards through a column mapping (TOML).
    Ofsted {
        file: std::path::PathBuf,
        /// `graded` (default), `report-card` (the shipped report-card mapping), or the
        /// path of a mapping file (see crates/import/mappings/).
        #[arg(long, default_value = "graded")]
        mapping: String,
        #[arg(long)]
        area: Option<String>,
        #[arg(long)]
        strict: bool,
    },
}

#[derive(Subcommand, Debug)]
enum ProgrammeCommand {
    /// Defines a programme over a set of cases chosen now and kept as chosen.
    Define {
        #[arg(long)]
        area: String,
        #[arg(long)]
        name: String,
        /// final_plan_issued, assessment_decided, phase_transfer_amended, review_held or
        /// plan_amended.
        #[arg(long)]
        milestone: String,
        #[arg(long, value_parser = parse_date)]
        start: NaiveDate,
        #[arg(long, value_parser = parse_date)]
        deadline: NaiveDate,
        /// Flag when the rate required exceeds the rate achieved by this factor.
        #[arg(long, default_value_t = 1.2)]
        flag_factor: f64,
        /// Which cases: awaiting-final-plan, review-overdue, phase-transfer:YYYY-MM-DD,
        /// or file:PATH (one case reference a line).
        #[arg(long)]
        select: String,
    },
    /// Progress of every programme in an area (or one).
    Show {
        #[arg(long)]
        area: String,
        #[arg(long)]
        programme: Option<u32>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

#[derive(Subcommand, Debug)]
enum QaCommand {
    /// Adopts a rubric (JSON: id, title, max_score, sections [{key, label,
    /// good_looks_like}], grades [{grade, min_mean, min_lowest}], best first) for audits on
    /// or after a date. Without one, sendscope's standard A-K rubric applies.
    AdoptRubric {
        /// The local area: its LA code (e.g. 831) or identifier.
        #[arg(long)]
        area: String,
        /// The first day audits use it, YYYY-MM-DD.
        #[arg(long, value_parser = parse_date)]
        from: NaiveDate,
        file: std::path::PathBuf,
    },
    /// Prints the rubric in force on a date (default today), as JSON.
    ShowRubric {
        #[arg(long)]
        area: String,
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
}

#[derive(Subcommand, Debug)]
enum OutboxCommand {
    /// Every letter issued but not sent: case, letter, date, and email or post.
    List,
    /// Emails every waiting letter that has an email address, through an SMTP relay,
    /// and records each one sent. Letters without an address stay to be posted.
    Send {
        /// The SMTP relay's host name (plain SMTP, as a council relay on its own network).
        #[arg(long)]
        smtp_host: String,
        #[arg(long, default_value_t = 25)]
        smtp_port: u16,
        /// The sender, e.g. "Derby SEND team <send@derby.gov.uk>".
        #[arg(long)]
        from: String,
    },
}

#[derive(Subcommand, Debug)]
enum ReportCommand {
    /// The board report: the measures of the last four calendar years with their
    /// numerators and denominators, exception cases, quality grades and trajectories
    /// (small counts shown as c).
    Board {
        #[arg(long)]
        area: Option<String>,
        #[arg(long, value_enum, default_value_t = BoardFormat::Html)]
        format: BoardFormat,
    },
    /// Plans issued in a calendar year within 20 weeks of the request, with and without
    /// exception cases (DfE's definition).
    Timeliness {
        /// The calendar year the plans were issued in.
        #[arg(long)]
        year: i32,
        /// The local area: its LA code (e.g. 831) or identifier; default the largest.
        #[arg(long)]
        area: Option<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum BoardFormat {
    Html,
    Csv,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum ReportFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum TrajectoryCommand {
    /// Defines a trajectory: the measure (within-20-weeks, within-20-weeks-excluding-
    /// exceptions, decisions-within-6-weeks, plans-in-place, review-decisions-within-4-
    /// weeks, annual-reviews-on-time or phase-transfers-on-time), the target, and the
    /// first and last months (YYYY-MM).
    Define {
        #[arg(long)]
        area: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        measure: MeasureArg,
        #[arg(long)]
        target: f64,
        #[arg(long, value_parser = parse_month)]
        start: NaiveDate,
        #[arg(long, value_parser = parse_month)]
        deadline: NaiveDate,
    },
    /// Every trajectory's progress: planned against actual by month, the rate achieved
    /// and the rate now required, and the projected month of reaching the target (JSON).
    Show {
        #[arg(long)]
        area: String,
    },
}

#[derive(Subcommand, Debug)]
enum FiguresCommand {
    /// Adopts the area's comparator areas (old three-digit LA codes, comma-separated:
    /// the published figures show these beside the area, its region and England) and
    /// the threshold below which board and public views show counts as "c".
    AdoptSettings {
        #[arg(long)]
        area: String,
        #[arg(long, value_delimiter = ',')]
        comparators: Vec<String>,
        #[arg(long, default_value_t = 5)]
        suppress_below: u64,
    },
    /// The settings in force (JSON).
    ShowSettings {
        #[arg(long)]
        area: String,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum MeasureArg {
    #[value(name = "within-20-weeks")]
    Within20Weeks,
    #[value(name = "within-20-weeks-excluding-exceptions")]
    Within20WeeksExcludingExceptions,
    #[value(name = "decisions-within-6-weeks")]
    DecisionsWithin6Weeks,
    PlansInPlace,
    #[value(name = "review-decisions-within-4-weeks")]
    ReviewDecisionsWithin4Weeks,
    AnnualReviewsOnTime,
    PhaseTransfersOnTime,
}

fn parse_month(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a month: write it as YYYY-MM, like 2027-03"))
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum PeriodArg {
    Calendar,
    Academic,
    Financial,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum CohortArg {
    /// Children with a plan and no current placement, into the vacancies.
    Awaiting,
    /// Every child with a plan, into every place (for planning).
    All,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum TableFormat {
    Json,
    Csv,
}

#[derive(Subcommand, Debug)]
enum PlacementCommand {
    /// Adopts the area's placement costing from a date (JSON: effective_from, transport
    /// {pence_per_mile, trips_per_year, road_factor, speed_kmh}, preference_credit,
    /// unplaced_cost; see show-settings for the shape).
    AdoptSettings {
        #[arg(long)]
        area: String,
        file: std::path::PathBuf,
    },
    /// The placement costing in force on a day (default today), as JSON.
    ShowSettings {
        #[arg(long)]
        area: String,
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
    /// One child's options on a day: every provision that can meet their needs, with
    /// vacancies and full annual cost, and every other with why it is excluded (JSON).
    Options {
        /// The child's case reference.
        #[arg(long)]
        case: String,
        /// The placement date, YYYY-MM-DD (default today).
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
    /// The best allocation of an area's children to its places, exactly.
    Optimise {
        /// The local area: its LA code or identifier; default the largest.
        #[arg(long)]
        area: Option<String>,
        #[arg(long, value_enum, default_value_t = CohortArg::Awaiting)]
        cohort: CohortArg,
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = TableFormat::Json)]
        format: TableFormat,
        /// Also write the instance solved, as JSON, for another solver.
        #[arg(long)]
        write_instance: Option<std::path::PathBuf>,
    },
    /// A scenario (JSON: {"name", "changes": [{"change": "resize", "provision", "places"},
    /// {"change": "remove", "provision"}, {"change": "add", "setting", "name", "kind",
    /// "need_types", "low_age", "high_age", "places", "cost_per_place"}], "capital_cost"})
    /// beside the baseline: annual cost, independent placements avoided, children
    /// unplaced, journeys, payback, and the approvals the changes need.
    Scenario {
        file: std::path::PathBuf,
        #[arg(long)]
        area: Option<String>,
        #[arg(long, value_enum, default_value_t = CohortArg::Awaiting)]
        cohort: CohortArg,
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = TableFormat::Json)]
        format: TableFormat,
    },
    /// Solves a placement instance exactly and prints the optimum as JSON. The instance
    /// is JSON: {"supplies":[{"id","count"}], "settings":[{"id","capacity"}],
    /// "arcs":[{"from","to","cost"}], "unplaced_cost"} with costs in integer pence a year.
    Solve {
        /// The instance file ("-" for standard input).
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// The KPI engine at scale: loads every record into columns (time printed), then
    /// times a full recompute of every measure for every area and year (one thread) and
    /// the incremental update of a case's facts after an event. Builds a demo of N plans
    /// first when the database is empty.
    Kpi {
        #[arg(long, default_value_t = 640_000)]
        plans: u32,
    },
    /// Generates a realistic placement instance (children clustered in home areas,
    /// sparse eligibility by need, phase and distance, a 5% capacity margin), solves it
    /// and prints the solve time, whole time, peak memory and total cost. Needs no
    /// database.
    Placement {
        #[arg(long, default_value_t = 3_000)]
        children: usize,
        #[arg(long, default_value_t = 300)]
        settings: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Every child may go to every setting (one arc for each pair).
        #[arg(long)]
        dense: bool,
        /// Each child a supply of their own (no grouping of identical children).
        #[arg(long)]
        individual: bool,
        /// Also write the instance here, as JSON, for another solver.
        #[arg(long)]
        write_instance: Option<std::path::PathBuf>,
    },
    /// Case-list queries (search, filters, deep pages) in the largest area: p50 and p99.
    CaseList {
        /// Times each kind of query is run.
        #[arg(long, default_value_t = 200)]
        repeat: usize,
    },
    /// Generates a GIAS-layout file of N rows (Windows-1252, as published) and imports
    /// it into the largest area (one is created if the database has none); prints the time.
    Import {
        #[arg(long, default_value_t = 50_000)]
        rows: u32,
    },
    /// Work queues (caseworkers' and a team manager's) in the largest area, as the page
    /// builds them: cases on each, p50 and p99.
    Queue {
        /// Times each queue is built.
        #[arg(long, default_value_t = 30)]
        repeat: usize,
        /// How many caseworkers to measure, spread through the area.
        #[arg(long, default_value_t = 12)]
        caseworkers: usize,
    },
}

#[derive(clap::Args, Debug, Clone)]
struct DemoArgs {
    /// EHC plans in place at the end of the history (Derby had 3,735 in January 2025).
    #[arg(long, default_value_t = 3_735)]
    plans: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The last day of the history, YYYY-MM-DD (default: today in England).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Events written per transaction.
    #[arg(long, default_value_t = 400_000, hide = true)]
    batch_events: usize,
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Recompute the hash chain and name the first event that does not match.
    Verify,
}

#[derive(Subcommand, Debug)]
enum ExportCommand {
    /// The full event history.
    Events {
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum Format {
    Csv,
    Jsonl,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    sendscope_domain::calendar::parse_date(s).map_err(|e| e.to_string())
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
            demo(store.as_ref(), &spec)
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
        Command::Audit {
            what: AuditCommand::Verify,
        } => {
            let store = open(&cli.database_url)?;
            let t = Clock::now();
            let r = sendscope_store::verify(store.as_ref())?;
            if let Some(b) = r.first_break {
                bail!(
                    "the event history fails verification at event {}: {} (events before it verified)",
                    b.seq,
                    b.problem
                );
            }
            outln!(
                "Verified {} events ({} payloads lawfully erased) in {:.1} s. Chain head: {}",
                r.events,
                r.erased_payloads,
                t.elapsed().as_secs_f64(),
                r.head.unwrap_or_else(|| "(empty)".into())
            );
            Ok(())
        }
        Command::Compliance {
            what: ComplianceCommand::AdoptRules { area, file },
        } => {
            let store = open(&cli.database_url)?;
            let area = find_area(store.as_ref(), &area)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let rules: sendscope_domain::compliance::GateRules = serde_json::from_str(&text)
                .with_context(|| {
                    format!(
                        "{} is not a set of gate rules (see `sendscope compliance show-rules` for the shape)",
                        file.display()
                    )
                })?;
            let from = rules.effective_from;
            append_area_event(
                store.as_ref(),
                area,
                sendscope_domain::EventBody::GateRulesAdopted(rules),
                "system:cli",
                from,
            )?;
            eprintln!("Gate rules adopted for steps from {from}.");
            Ok(())
        }
        Command::Compliance {
            what: ComplianceCommand::ViableOptions { provision, km },
        } => {
            let store = open(&cli.database_url)?;
            let id = sendscope_domain::ids::ProvisionId::parse(&provision)?;
            let area = match store.projection(sendscope_domain::StreamRef::provision(id))? {
                Some(p) => p.area,
                None => bail!(
                    "there is no provision {provision}: give an identifier from the provisions register"
                ),
            };
            match sendscope_app::compliance::viable_options_for(
                store.as_ref(),
                area,
                id,
                km,
                sendscope_domain::calendar::england_today(),
            )? {
                Some(list) => outln!("{}", serde_json::to_string_pretty(&list)?),
                None => {
                    bail!("provision {provision} is not a provision at a setting with a location")
                }
            }
            Ok(())
        }
        Command::Compliance {
            what: ComplianceCommand::ShowRules { area, on },
        } => {
            let store = open(&cli.database_url)?;
            let area = find_area(store.as_ref(), &area)?;
            let on = on.unwrap_or_else(sendscope_domain::calendar::england_today);
            let rules = sendscope_app::compliance::rules_on(store.as_ref(), area, on)?;
            outln!("{}", serde_json::to_string_pretty(&rules)?);
            Ok(())
        }
        Command::Compliance {
            what: ComplianceCommand::Report { area, format },
        } => {
            let store = open(&cli.database_url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let r = sendscope_app::compliance::report(
                store.as_ref(),
                area,
                sendscope_domain::calendar::england_today(),
                true,
            )?;
            match format {
                ComplianceFormat::Html => outln!("{}", web.compliance_page(&r)),
                ComplianceFormat::Csv => out!("{}", sendscope_app::compliance::csv(&r)),
                ComplianceFormat::Json => outln!("{}", serde_json::to_string(&r)?),
            }
            Ok(())
        }
        Command::Import {
            what: ImportCommand::Gias { file, area, strict },
        } => {
            let store = open(&cli.database_url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let summary = import_gias(store.as_ref(), area, &file, strict)?;
            outln!("{summary}");
            Ok(())
        }
        Command::Import {
            what: ImportCommand::GiasLinks { file, area, strict },
        } => {
            let store = open(&cli.database_url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            outln!(
                "{}",
                import_gias_links(store.as_ref(), area, &file, strict)?
            );
            Ok(())
        }
        Command::Import {
            what: ImportCommand::DfeStats { dir, area },
        } => {
            let store = open(&cli.database_url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let r = sendscope_app::benchmarks::import_dir(store.as_ref(), area, &dir)
                .map_err(|e| anyhow::anyhow!(e))?;
            for x in &r.rejected {
                eprintln!("rejected: {x}");
            }
            outln!(
                "{}: {} files recorded, {} revised, {} unchanged ({} figures); {} files are not these statistics{}",
                dir.display(),
                r.recorded,
                r.revised,
                r.unchanged,
                r.figures,
                r.not_recognised.len(),
                if r.not_recognised.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", r.not_recognised.join(", "))
                }
            );
            Ok(())
        }
        Command::Import {
            what:
                ImportCommand::Ofsted {
                    file,
                    mapping,
                    area,
                    strict,
                },
        } => {
            let store = open(&cli.database_url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let mapping = match mapping.as_str() {
                "graded" => sendscope_import::ofsted::Mapping::graded(),
                "report-card" => sendscope_import::ofsted::Mapping::report_card(),
                path => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read the mapping {path}"))?;
                    sendscope_import::ofsted::Mapping::parse(&text)
                        .map_err(|e| anyhow::anyhow!("the mapping {path} is not usable: {e}"))?
                }
            };
            outln!(
                "{}",
                import_ofsted(store.as_ref(), area, &file, &mapping, strict)?
            );
            Ok(())
        }
        Command::Programme { what } => {
            let store = open(&cli.database_url)?;
            match what {
                ProgrammeCommand::Define {
                    area,
                    name,
                    milestone,
                    start,
                    deadline,
                    flag_factor,
                    select,
                } => {
                    let area = find_area(store.as_ref(), &area)?;
                    let milestone: sendscope_domain::programmes::Milestone =
                        serde_json::from_value(serde_json::Value::String(milestone.clone()))
                            .map_err(|_| {
                                anyhow::anyhow!(
                                    "--milestone {milestone:?} is not one of final_plan_issued, assessment_decided, phase_transfer_amended, review_held, plan_amended"
                                )
                            })?;
                    let cases = select_cases(store.as_ref(), area, &select)?;
                    if cases.is_empty() {
                        bail!("--select {select:?} chose no cases: nothing to define");
                    }
                    let number = match store
                        .projection(sendscope_domain::StreamRef::area(area))?
                        .map(|p| p.state)
                    {
                        Some(sendscope_domain::projection::StreamState::Area(a)) => {
                            a.programmes.len() as u32 + 1
                        }
                        _ => 1,
                    };
                    let n = cases.len();
                    append_area_event(
                        store.as_ref(),
                        area,
                        sendscope_domain::EventBody::ProgrammeDefined(
                            sendscope_domain::event::ProgrammeDefined {
                                programme: number,
                                name,
                                milestone,
                                start,
                                deadline,
                                flag_factor,
                                cases,
                            },
                        ),
                        "system:cli",
                        start,
                    )?;
                    eprintln!("Programme {number} defined over {n} cases.");
                    Ok(())
                }
                ProgrammeCommand::Show {
                    area,
                    programme,
                    format,
                } => {
                    let area = find_area(store.as_ref(), &area)?;
                    let all = sendscope_app::programmes::progress_all(
                        store.as_ref(),
                        area,
                        sendscope_domain::calendar::england_today(),
                    )?;
                    let chosen: Vec<_> = all
                        .into_iter()
                        .filter(|p| programme.is_none_or(|n| n == p.programme))
                        .collect();
                    if format == ReportFormat::Json {
                        outln!("{}", serde_json::to_string(&chosen)?);
                    } else {
                        for p in &chosen {
                            outln!(
                                "{} {}: {} of {} done ({}), {} to go by {}; {:.1} a month achieved, {} needed; {}{}",
                                p.programme,
                                p.name,
                                p.completed,
                                p.total,
                                p.milestone.label(),
                                p.remaining,
                                p.deadline,
                                p.actual_rate,
                                p.required_rate
                                    .map(|r| format!("{r:.1} a month"))
                                    .unwrap_or_else(|| "none".into()),
                                p.projected_completion
                                    .map(|d| format!("projected to finish {d}"))
                                    .unwrap_or_else(|| "no projection".into()),
                                p.flag_reason
                                    .as_ref()
                                    .map(|r| format!("; FLAGGED: {r}"))
                                    .unwrap_or_default()
                            );
                        }
                    }
                    Ok(())
                }
            }
        }
        Command::Qa { what } => {
            let store = open(&cli.database_url)?;
            match what {
                QaCommand::AdoptRubric { area, from, file } => {
                    let area = find_area(store.as_ref(), &area)?;
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    let rubric: sendscope_domain::qa::Rubric = serde_json::from_str(&text)
                        .with_context(|| {
                            format!(
                                "{} is not a rubric (see `sendscope qa show-rubric` for the shape)",
                                file.display()
                            )
                        })?;
                    rubric
                        .check()
                        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                    append_area_event(
                        store.as_ref(),
                        area,
                        sendscope_domain::EventBody::QaRubricAdopted(
                            sendscope_domain::event::QaRubricAdopted {
                                effective_from: from,
                                rubric,
                            },
                        ),
                        "system:cli",
                        from,
                    )?;
                    eprintln!("Rubric adopted for audits from {from}.");
                    Ok(())
                }
                QaCommand::ShowRubric { area, on } => {
                    let area = find_area(store.as_ref(), &area)?;
                    let on = on.unwrap_or_else(sendscope_domain::calendar::england_today);
                    let rubric = match store
                        .projection(sendscope_domain::StreamRef::area(area))?
                        .map(|p| p.state)
                    {
                        Some(sendscope_domain::projection::StreamState::Area(a)) => a.rubric_on(on),
                        _ => sendscope_domain::qa::Rubric::standard(),
                    };
                    outln!("{}", serde_json::to_string_pretty(&rubric)?);
                    Ok(())
                }
            }
        }
        Command::Outbox { what } => {
            let store = open(&cli.database_url)?;
            let waiting = outbox(store.as_ref())?;
            match what {
                OutboxCommand::List => {
                    for (case, l) in &waiting {
                        outln!(
                            "{case}\tletter {}\t{}\t{}\t{}",
                            l.letter,
                            l.on,
                            l.email.as_deref().unwrap_or("post"),
                            l.subject
                        );
                    }
                    eprintln!("{} letters waiting.", waiting.len());
                    Ok(())
                }
                OutboxCommand::Send {
                    smtp_host,
                    smtp_port,
                    from,
                } => send_outbox(store.as_ref(), &waiting, &smtp_host, smtp_port, &from),
            }
        }
        Command::Report {
            what: ReportCommand::Board { area, format },
        } => {
            let store = open(&cli.database_url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let (engine, _) = load_kpi(store.as_ref(), 0)?;
            let r = sendscope_app::board::report(
                store.as_ref(),
                &engine,
                area,
                sendscope_domain::calendar::england_today(),
            )?;
            match format {
                BoardFormat::Html => outln!("{}", web.board_page(&r)),
                BoardFormat::Csv => out!("{}", sendscope_app::board::csv(&r)),
            }
            Ok(())
        }
        Command::Report {
            what: ReportCommand::Timeliness { year, area, format },
        } => {
            let store = open(&cli.database_url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let t = twenty_weeks(store.as_ref(), area, year)?;
            let pct = |s: Option<f64>| {
                s.map(|v| format!("{:.1}%", v * 100.0))
                    .unwrap_or_else(|| "no plans issued".into())
            };
            if format == ReportFormat::Json {
                outln!("{}", serde_json::to_string(&t)?);
            } else {
                let q = &t.quality;
                let grades: Vec<String> = sendscope_domain::qa::QaGrade::ALL
                    .iter()
                    .map(|g| format!("{} {}", g.label(), q.by_grade.get(g).copied().unwrap_or(0)))
                    .collect();
                outln!(
                    "EHC plans issued in {year}: {}\n\
                     within 20 weeks: {} ({})\n\
                     excluding the {} exception cases: {} of {} ({})\n\
                     quality of the same plans: {} audited, {} good or better ({}); {}",
                    t.issued,
                    t.within_20_weeks,
                    pct(t.share()),
                    t.exception_cases,
                    t.within_20_weeks_excluding_exceptions,
                    t.issued_excluding_exceptions,
                    pct(t.share_excluding_exceptions()),
                    q.audited,
                    q.good_or_better,
                    pct((q.audited > 0).then(|| q.good_or_better as f64 / q.audited as f64)),
                    grades.join(", ")
                );
            }
            Ok(())
        }
        Command::Export {
            what: ExportCommand::Events { format, output },
        } => {
            let store = open(&cli.database_url)?;
            let format = match format {
                Format::Csv => ExportFormat::Csv,
                Format::Jsonl => ExportFormat::Jsonl,
            };
            let n = match output {
                Some(path) => {
                    let f = std::fs::File::create(&path)
                        .with_context(|| format!("cannot create {}", path.display()))?;
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
        Command::User {
            what:
                UserCommand::Add {
                    username,
                    role,
                    area,
                    staff,
                    team,
                    setting,
                    person,
                    case,
                },
        } => {
            let store = open(&cli.database_url)?;
            let role = Role::parse(&role).with_context(|| {
                let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                format!("role {role:?} is not known; use one of {}", all.join(", "))
            })?;
            let area = find_area(store.as_ref(), &area)?;
            let id = |s: Option<String>| {
                s.map(|v| {
                    uuid::Uuid::parse_str(v.trim())
                        .with_context(|| format!("{v:?} is not an identifier (a UUID)"))
                })
                .transpose()
            };
            let links = AccountLinks {
                staff: id(staff)?.map(StaffId),
                team: id(team)?.map(TeamId),
                setting: id(setting)?.map(SettingId),
                person: id(person)?.map(PersonId),
                case: id(case)?.map(CaseId),
            };
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            check_password_strength(password)?;
            let username = Username::parse(&username)?;
            add_account(
                store.as_ref(),
                area,
                &username,
                role,
                links,
                password,
                "user:admin-cli",
            )?;
            outln!("Account {username} ({}) created.", role.as_str());
            Ok(())
        }
        Command::Token { what } => {
            let store = open(&cli.database_url)?;
            match what {
                TokenCommand::Create { user, label } => {
                    let username = Username::parse(&user)?;
                    let token = sendscope_app::accounts::issue_api_token(
                        store.as_ref(),
                        &username,
                        &label,
                        "user:admin-cli",
                    )?;
                    eprintln!(
                        "Token {} issued for {username}. Keep it secret: it is shown only now.",
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
                            t.revoked_at
                                .map(|r| format!("revoked {r}"))
                                .unwrap_or_else(|| "active".into())
                        );
                    }
                }
                TokenCommand::Revoke { id } => {
                    let id = sendscope_domain::account::TokenId::parse(&id)?;
                    sendscope_app::accounts::revoke_api_token(
                        store.as_ref(),
                        &id,
                        "user:admin-cli",
                    )?;
                    outln!("Token {id} revoked.");
                }
            }
            Ok(())
        }
        Command::Bench {
            what:
                BenchCommand::Queue {
                    repeat,
                    caseworkers,
                },
        } => {
            let store = open(&cli.database_url)?;
            bench_queue(store.as_ref(), repeat.max(1), caseworkers.max(1))
        }
        Command::Placement {
            what: PlacementCommand::Solve { file },
        } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?
            };
            let outcome = sendscope_placement::Instance::from_json(&text)
                .and_then(|i| i.solve())
                .with_context(|| {
                    format!(
                        "{} is not a placement instance that can be solved",
                        file.display()
                    )
                })?;
            outln!("{}", serde_json::to_string(&outcome)?);
            Ok(())
        }
        Command::Trajectory {
            what:
                TrajectoryCommand::Define {
                    area,
                    name,
                    measure,
                    target,
                    start,
                    deadline,
                },
        } => {
            use sendscope_domain::trajectories::{TrajectoryDefined, TrajectoryMeasure as M};
            let store = open(&cli.database_url)?;
            let area = find_area(store.as_ref(), &area)?;
            let next = match store
                .projection(sendscope_domain::StreamRef::area(area))?
                .map(|p| p.state)
            {
                Some(sendscope_domain::projection::StreamState::Area(a)) => {
                    a.trajectories.len() as u32 + 1
                }
                _ => 1,
            };
            append_area_event(
                store.as_ref(),
                area,
                sendscope_domain::EventBody::TrajectoryDefined(TrajectoryDefined {
                    trajectory: next,
                    name,
                    measure: match measure {
                        MeasureArg::Within20Weeks => M::WithinTwentyWeeks,
                        MeasureArg::Within20WeeksExcludingExceptions => {
                            M::WithinTwentyWeeksExcludingExceptions
                        }
                        MeasureArg::DecisionsWithin6Weeks => M::DecisionsWithinSixWeeks,
                        MeasureArg::PlansInPlace => M::PlansInPlace,
                        MeasureArg::ReviewDecisionsWithin4Weeks => {
                            M::ReviewDecisionsWithinFourWeeks
                        }
                        MeasureArg::AnnualReviewsOnTime => M::AnnualReviewsOnTime,
                        MeasureArg::PhaseTransfersOnTime => M::PhaseTransfersOnTime,
                    },
                    target,
                    start,
                    deadline,
                }),
                "system:cli",
                sendscope_domain::calendar::england_today(),
            )?;
            eprintln!("Trajectory {next} defined.");
            Ok(())
        }
        Command::Figures {
            what:
                FiguresCommand::AdoptSettings {
                    area,
                    comparators,
                    suppress_below,
                },
        } => {
            let store = open(&cli.database_url)?;
            let area = find_area(store.as_ref(), &area)?;
            let mut codes = Vec::new();
            for c in comparators
                .iter()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
            {
                codes.push(sendscope_domain::codes::LaCode::parse(c).map_err(|e| {
                    anyhow::anyhow!(
                        "comparator {c:?}: {e}; give old three-digit LA codes such as 830"
                    )
                })?);
            }
            append_area_event(
                store.as_ref(),
                area,
                sendscope_domain::EventBody::FiguresSettingsAdopted(
                    sendscope_domain::benchmarks::FiguresSettings {
                        comparators: codes,
                        suppress_below,
                    },
                ),
                "system:cli",
                sendscope_domain::calendar::england_today(),
            )?;
            eprintln!("Figures settings adopted.");
            Ok(())
        }
        Command::Figures {
            what: FiguresCommand::ShowSettings { area },
        } => {
            let store = open(&cli.database_url)?;
            let area = find_area(store.as_ref(), &area)?;
            let (_, settings) = sendscope_app::figures::publishing(store.as_ref(), area)?;
            outln!("{}", serde_json::to_string(&settings)?);
            Ok(())
        }
        Command::Trajectory {
            what: TrajectoryCommand::Show { area },
        } => {
            let store = open(&cli.database_url)?;
            let area = find_area(store.as_ref(), &area)?;
            let (engine, _) = load_kpi(store.as_ref(), 0)?;
            let list = sendscope_app::trajectories::progress_all(
                store.as_ref(),
                &engine,
                area,
                sendscope_domain::calendar::england_today(),
            )?;
            outln!("{}", serde_json::to_string(&list)?);
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
        Command::Bench {
            what: BenchCommand::Kpi { plans },
        } => {
            let store = open(&cli.database_url)?;
            if store.headline()?.events == 0 {
                eprintln!("The database is empty: building a demo of {plans} plans first.");
                demo(
                    store.as_ref(),
                    &DemoArgs {
                        plans,
                        seed: 1,
                        as_of: None,
                        batch_events: 400_000,
                    },
                )?;
            }
            bench_kpi(store.as_ref())
        }
        Command::Placement {
            what: PlacementCommand::AdoptSettings { area, file },
        } => {
            let store = open(&cli.database_url)?;
            let area = find_area(store.as_ref(), &area)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let settings: sendscope_domain::costs::PlacementSettings = serde_json::from_str(&text)
                .with_context(|| {
                    format!(
                        "{} is not placement costing (see `sendscope placement show-settings` for the shape)",
                        file.display()
                    )
                })?;
            let from = settings.effective_from;
            append_area_event(
                store.as_ref(),
                area,
                sendscope_domain::EventBody::PlacementSettingsAdopted(settings),
                "system:cli",
                from,
            )?;
            eprintln!("Placement costing adopted from {from}.");
            Ok(())
        }
        Command::Placement {
            what: PlacementCommand::ShowSettings { area, on },
        } => {
            let store = open(&cli.database_url)?;
            let area = find_area(store.as_ref(), &area)?;
            let on = on.unwrap_or_else(sendscope_domain::calendar::england_today);
            let settings = sendscope_app::placement::settings_on(store.as_ref(), area, on)?;
            outln!("{}", serde_json::to_string_pretty(&settings)?);
            Ok(())
        }
        Command::Placement {
            what: PlacementCommand::Options { case, on },
        } => {
            let store = open(&cli.database_url)?;
            let on = on.unwrap_or_else(sendscope_domain::calendar::england_today);
            let id = sendscope_domain::ids::CaseId::parse(&case)
                .with_context(|| format!("{case:?} is not a case reference"))?;
            let p = store
                .projection(sendscope_domain::StreamRef::case(id))?
                .with_context(|| format!("there is no case {case}"))?;
            let child = p
                .case()
                .and_then(|c| sendscope_placement::area::Child::from_case(id, c))
                .with_context(|| format!("case {case} has no child recorded"))?;
            let data = sendscope_app::placement::AreaData::load(store.as_ref(), p.area, on)?;
            let o = sendscope_placement::area::options_for(
                &child,
                &data.provisions,
                &data.settings,
                on,
            );
            outln!("{}", serde_json::to_string(&o)?);
            Ok(())
        }
        Command::Placement {
            what:
                PlacementCommand::Optimise {
                    area,
                    cohort,
                    on,
                    format,
                    write_instance,
                },
        } => {
            let store = open(&cli.database_url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let on = on.unwrap_or_else(sendscope_domain::calendar::england_today);
            let cohort = cohort_of(cohort);
            let data = sendscope_app::placement::AreaData::load(store.as_ref(), area, on)?;
            if let Some(path) = &write_instance {
                let (instance, _, _) = sendscope_placement::area::instance(
                    &data.cohort(cohort),
                    &data.provisions,
                    &data.settings,
                    on,
                    cohort,
                );
                std::fs::write(path, serde_json::to_vec(&instance)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            let plan = data.optimise(on, cohort)?;
            match format {
                TableFormat::Json => outln!("{}", serde_json::to_string(&plan)?),
                TableFormat::Csv => {
                    let mut w = csv::Writer::from_writer(std::io::stdout());
                    w.write_record([
                        "case",
                        "provision",
                        "name",
                        "annual_cost_pence",
                        "distance_km",
                        "preference_kept",
                        "unplaced_because",
                    ])?;
                    for a in &plan.allocations {
                        w.write_record([
                            a.case.to_string(),
                            a.provision.map(|p| p.to_string()).unwrap_or_default(),
                            a.name.clone().unwrap_or_default(),
                            a.annual_cost.map(|c| c.0.to_string()).unwrap_or_default(),
                            a.distance_km.map(|d| format!("{d:.1}")).unwrap_or_default(),
                            a.preference_kept.to_string(),
                            a.unplaced_because.clone().unwrap_or_default(),
                        ])?;
                    }
                    w.flush()?;
                }
            }
            Ok(())
        }
        Command::Placement {
            what:
                PlacementCommand::Scenario {
                    file,
                    area,
                    cohort,
                    on,
                    format,
                },
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let scenario: sendscope_placement::area::Scenario = serde_json::from_str(&text)
                .with_context(|| {
                    format!(
                        "{} is not a scenario (see sendscope placement scenario --help)",
                        file.display()
                    )
                })?;
            let store = open(&cli.database_url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let on = on.unwrap_or_else(sendscope_domain::calendar::england_today);
            let data = sendscope_app::placement::AreaData::load(store.as_ref(), area, on)?;
            let c = data.compare(on, cohort_of(cohort), &scenario)?;
            match format {
                TableFormat::Json => outln!("{}", serde_json::to_string(&c)?),
                TableFormat::Csv => {
                    let mut w = csv::Writer::from_writer(std::io::stdout());
                    w.write_record(["measure", "baseline", "scenario"])?;
                    let (b, s) = (&c.baseline, &c.with_changes);
                    let km = |x: Option<f64>| x.map(|k| format!("{k:.1}")).unwrap_or_default();
                    for (m, x, y) in [
                        ("children", b.children.to_string(), s.children.to_string()),
                        ("placed", b.placed.to_string(), s.placed.to_string()),
                        ("unplaced", b.unplaced.to_string(), s.unplaced.to_string()),
                        (
                            "annual_cost_pence",
                            b.annual_cost.0.to_string(),
                            s.annual_cost.0.to_string(),
                        ),
                        (
                            "independent_placements",
                            b.independent_placements.to_string(),
                            s.independent_placements.to_string(),
                        ),
                        (
                            "preferences_kept",
                            b.preferences_kept.to_string(),
                            s.preferences_kept.to_string(),
                        ),
                        (
                            "average_journey_km",
                            km(b.average_journey_km),
                            km(s.average_journey_km),
                        ),
                        (
                            "worst_journey_km",
                            km(b.worst_journey_km),
                            km(s.worst_journey_km),
                        ),
                        (
                            "objective_pence",
                            b.objective.0.to_string(),
                            s.objective.0.to_string(),
                        ),
                    ] {
                        w.write_record([m, &x, &y])?;
                    }
                    w.write_record(["capital_cost_pence", "", &c.capital_cost.0.to_string()])?;
                    w.write_record(["annual_saving_pence", "", &c.annual_saving.0.to_string()])?;
                    w.write_record([
                        "payback_years",
                        "",
                        &c.payback_years
                            .map(|y| format!("{y:.1}"))
                            .unwrap_or_default(),
                    ])?;
                    for a in &c.approvals_needed {
                        w.write_record(["approval_needed", "", a])?;
                    }
                    for p in &c.problems {
                        w.write_record(["not_applied", "", p])?;
                    }
                    w.flush()?;
                }
            }
            Ok(())
        }
        Command::Bench {
            what:
                BenchCommand::Placement {
                    children,
                    settings,
                    seed,
                    dense,
                    individual,
                    write_instance,
                },
        } => bench_placement(
            children,
            settings,
            seed,
            (dense, individual),
            write_instance,
        ),
        Command::Bench {
            what: BenchCommand::Import { rows },
        } => {
            let store = open(&cli.database_url)?;
            bench_import(store.as_ref(), rows)
        }
        Command::Bench {
            what: BenchCommand::CaseList { repeat },
        } => {
            let store = open(&cli.database_url)?;
            bench_case_list(store.as_ref(), repeat.max(1))
        }
        Command::Serve {
            port,
            demo: with_demo,
            secure_cookies,
            spec,
        } => {
            let store: Arc<dyn Store> = Arc::from(open(&cli.database_url)?);
            if with_demo {
                let h = store.headline()?;
                if h.events == 0 {
                    demo(store.as_ref(), &spec)?;
                } else {
                    eprintln!(
                        "The database already holds {} events; serving it as it is.",
                        h.events
                    );
                }
            }
            serve(web, store, port, secure_cookies)
        }
    }
}

fn serve(
    web: &dyn Web,
    store: Arc<dyn Store>,
    port: u16,
    secure_cookies: bool,
) -> anyhow::Result<()> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let listener = std::net::TcpListener::bind(addr).with_context(|| {
        format!("cannot listen on {addr}; is another program using port {port}? Choose another with --port")
    })?;
    outln!("sendscope is serving http://{addr} (press Ctrl+C to stop)");
    web.serve(listener, store, secure_cookies)
        .context("the web server stopped with an error")
}

/// Loads every record into the KPI engine; keeps up to `sample` records for the
/// incremental benchmark.
type Sample = Vec<(
    sendscope_domain::ids::CaseId,
    AreaId,
    sendscope_domain::projection::CaseState,
)>;

fn load_kpi(store: &dyn Store, sample: usize) -> anyhow::Result<(sendscope_kpi::Engine, Sample)> {
    let mut kept = Vec::new();
    let mut seen = 0usize;
    let (engine, _) = sendscope_app::figures::load(store, &mut |id, area, c| {
        seen += 1;
        if kept.len() < sample && seen.is_multiple_of(7) {
            kept.push((id, area, c.clone()));
        }
    })?;
    Ok((engine, kept))
}

/// The KPI figures as CSV rows `[measure, value or numerator, denominator, percent]`:
/// numbers by their path (`clocks.annual_review.due`), shares as one row, text left out
/// (the period and the steps' names).
fn kpi_rows(path: &str, v: &serde_json::Value, out: &mut Vec<[String; 4]>) {
    use serde_json::Value;
    let name = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Object(m)
            if m.len() == 2 && m.contains_key("numerator") && m.contains_key("denominator") =>
        {
            let n = m["numerator"].as_u64().unwrap_or(0);
            let d = m["denominator"].as_u64().unwrap_or(0);
            let pc = sendscope_kpi::Share {
                numerator: n,
                denominator: d,
            }
            .percent()
            .map(|p| format!("{p:.1}"))
            .unwrap_or_default();
            out.push([path.to_string(), n.to_string(), d.to_string(), pc]);
        }
        Value::Object(m) => {
            for (k, x) in m {
                kpi_rows(&name(k), x, out);
            }
        }
        Value::Number(n) => out.push([
            path.to_string(),
            n.to_string(),
            String::new(),
            String::new(),
        ]),
        Value::Null => out.push([
            path.to_string(),
            String::new(),
            String::new(),
            String::new(),
        ]),
        Value::Bool(_) | Value::String(_) | Value::Array(_) => {}
    }
}

fn bench_kpi(store: &dyn Store) -> anyhow::Result<()> {
    let t = Clock::now();
    let (mut engine, sample) = load_kpi(store, 20_000)?;
    let load = t.elapsed();
    let (requests, plans) = engine.rows();
    let (deadlines, disputes, placements) = engine.other_rows();
    outln!(
        "load: {} cases ({} request rows, {} plan rows, {} review rows, {} deadline rows, {} dispute rows, {} placement rows) read into columns in {:.1} s (not counted below)",
        engine.cases(),
        requests,
        plans,
        engine.review_rows(),
        deadlines,
        disputes,
        placements,
        load.as_secs_f64()
    );
    let areas: Vec<AreaId> = engine.areas().to_vec();
    let years = [2022, 2023, 2024, 2025];
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Clock::now();
        let mut n = 0u64;
        // The four years in one pass over the columns, every area and all together.
        let periods: Vec<sendscope_kpi::Period> = years
            .iter()
            .filter_map(|y| sendscope_kpi::Period::calendar_year(*y))
            .collect();
        for (each, total) in engine.compute_all_series(&periods, &sendscope_kpi::Filter::default())
        {
            n += total.new_plans + each.len() as u64;
        }
        std::hint::black_box(n);
        best = best.min(t.elapsed().as_secs_f64());
    }
    outln!(
        "full recompute: every measure for {} areas and England together, {} years: {:.3} s (best of 5, one thread)",
        areas.len(),
        years.len(),
        best
    );
    let t = Clock::now();
    let rounds = 5;
    for _ in 0..rounds {
        for (id, area, c) in &sample {
            engine.upsert_case(*id, *area, c);
        }
    }
    let per = t.elapsed().as_secs_f64() * 1e6 / (rounds * sample.len().max(1)) as f64;
    outln!(
        "incremental: {:.2} µs a case update after an event ({} updates)",
        per,
        rounds * sample.len()
    );
    let k = engine.compute(None, 2024);
    outln!(
        "2024, every area: {} requests, {} new plans, {}/{} within 20 weeks, {} plans in place at the end; peak memory {}",
        k.requests,
        k.new_plans,
        k.within_20_weeks.numerator,
        k.within_20_weeks.denominator,
        k.plans_in_place_at_end,
        peak_memory_mib()
            .map(|m| format!("{m:.0} MiB"))
            .unwrap_or_else(|| "not measured".into())
    );
    Ok(())
}

fn cohort_of(c: CohortArg) -> sendscope_placement::area::Cohort {
    match c {
        CohortArg::Awaiting => sendscope_placement::area::Cohort::Awaiting,
        CohortArg::All => sendscope_placement::area::Cohort::All,
    }
}

fn bench_placement(
    children: usize,
    settings: usize,
    seed: u64,
    (dense, individual): (bool, bool),
    write_instance: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    use sendscope_domain::codes::{Pence, group_thousands};
    let whole = Clock::now();
    let g = sendscope_placement::generate::generate(children, settings, seed, dense, individual);
    let generated = whole.elapsed();
    if let Some(path) = &write_instance {
        std::fs::write(path, serde_json::to_vec(&g.instance)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let (outcome, timing) = g.instance.solve_timed()?;
    if outcome.placed + outcome.unplaced != g.children {
        bail!(
            "{} children generated but {} placed and {} unplaced",
            g.children,
            outcome.placed,
            outcome.unplaced
        );
    }
    let n = |x: usize| group_thousands(x as u64);
    outln!(
        "instance: {} children as {} supplies ({}), {} settings, {} arcs{}; generated in {:.2} s",
        n(children),
        n(g.instance.supplies.len()),
        if individual {
            "one a child"
        } else {
            "children with the same home area, need and phase grouped"
        },
        n(settings),
        n(g.instance.arcs.len()),
        if dense { " (dense)" } else { "" },
        generated.as_secs_f64()
    );
    outln!(
        "solve: {:.3} s ({} pivots on {} nodes and {} arcs, excluding generation and parsing)",
        timing.solve.as_secs_f64(),
        group_thousands(timing.pivots),
        n(timing.nodes),
        n(timing.arcs)
    );
    outln!(
        "whole process: {:.2} s; peak memory {}",
        whole.elapsed().as_secs_f64(),
        peak_memory_mib()
            .map(|m| format!("{m:.0} MiB"))
            .unwrap_or_else(|| "not measured".into())
    );
    outln!(
        "total cost (objective): {}; placed {}, unplaced {}",
        Pence(outcome.total_cost),
        n(outcome.placed as usize),
        n(outcome.unplaced as usize)
    );
    Ok(())
}

/// Peak resident memory of this process, from /proc (Linux); `None` elsewhere.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn demo(store: &dyn Store, args: &DemoArgs) -> anyhow::Result<()> {
    let existing = store.headline()?.events;
    if existing > 0 {
        bail!(
            "the database already holds {existing} events; the demo needs an empty database: give another --database-url"
        );
    }
    let spec = DemoSpec {
        plans: args.plans,
        seed: args.seed,
        as_of: args
            .as_of
            .unwrap_or_else(sendscope_domain::calendar::england_today),
        batch_events: args.batch_events,
    };
    let report_commits = std::env::var_os("SENDSCOPE_TEST_REPORT_COMMITS").is_some();
    let started = Clock::now();
    // Generation runs on its own thread, one batch ahead of the writer.
    // Encoding and digesting payloads happens there too, so the writer only chains,
    // checks and stores.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<PreparedEvent>>(2);
    let gen_spec = spec.clone();
    let generator = std::thread::spawn(move || -> anyhow::Result<DemoSummary> {
        sendscope_demo::generate::<anyhow::Error>(&gen_spec, &mut |batch| {
            let prepared = batch
                .into_iter()
                .map(PreparedEvent::new)
                .collect::<Result<Vec<_>, _>>()?;
            tx.send(prepared)
                .map_err(|_| anyhow::anyhow!("the writer stopped"))
        })
    });
    let mut written = 0u64;
    let mut last_report = Clock::now();
    let mut result = Ok(());
    for batch in rx {
        match store.append_prepared(&batch) {
            Ok(seqs) => {
                written += batch.len() as u64;
                if report_commits {
                    eprintln!(
                        "committed through event {}",
                        seqs.last().copied().unwrap_or(0)
                    );
                }
                if last_report.elapsed().as_secs() >= 5 {
                    let secs = started.elapsed().as_secs_f64();
                    eprintln!(
                        "demo: {written} events written ({:.0} a second)",
                        written as f64 / secs
                    );
                    last_report = Clock::now();
                }
            }
            Err(e) => {
                result = Err(anyhow::Error::new(e).context("the demo could not be written"));
                break;
            }
        }
    }
    if result.is_ok() {
        result = store
            .refresh_statistics()
            .context("the demo was written but statistics could not be refreshed");
    }
    let generated = generator
        .join()
        .map_err(|_| anyhow::anyhow!("the demo generator stopped unexpectedly"))?;
    result?;
    let summary = generated?;
    let secs = started.elapsed().as_secs_f64();
    outln!(
        "Demo built: {} area(s), {} EHC plans in place, {} cases, {} settings, as of {}.",
        summary.areas,
        summary.plans_in_place,
        summary.cases,
        summary.settings,
        spec.as_of
    );
    outln!(
        "events written: {written}; time: {secs:.1} s ({:.0} events a second); peak memory: {}",
        written as f64 / secs.max(1e-9),
        peak_memory_mib()
            .map(|m| format!("{m:.0} MiB"))
            .unwrap_or_else(|| "unknown".into())
    );
    let accounts = add_demo_accounts(store)
        .context("the demo was written but its accounts could not be made")?;
    outln!(
        "Demo accounts, each with the password demo: {}",
        accounts.join(", ")
    );
    demo_programme(store, spec.as_of)
        .context("the demo was written but its programme could not be defined")?;
    demo_trajectory(store, spec.as_of)
        .context("the demo was written but its trajectory could not be defined")?;
    Ok(())
}

/// The demo's trajectory: plans issued within 20 weeks to reach 60% fifteen months after
/// a start six months before the demo's last day (like "60% by March 2027").
fn demo_trajectory(store: &dyn Store, as_of: NaiveDate) -> anyhow::Result<()> {
    let area = largest_area(store)?;
    let first = |d: NaiveDate| chrono::Datelike::with_day(&d, 1).unwrap_or(d);
    let start = first(
        as_of
            .checked_sub_months(chrono::Months::new(6))
            .context("date")?,
    );
    let deadline = first(
        as_of
            .checked_add_months(chrono::Months::new(9))
            .context("date")?,
    );
    append_area_event(
        store,
        area,
        sendscope_domain::EventBody::TrajectoryDefined(
            sendscope_domain::trajectories::TrajectoryDefined {
                trajectory: 1,
                name: "Improvement plan: 20-week timeliness".into(),
                measure: sendscope_domain::trajectories::TrajectoryMeasure::WithinTwentyWeeks,
                target: 60.0,
                start,
                deadline,
            },
        ),
        "system:demo",
        start,
    )
}

/// The demo's programme: a recovery plan for the requests received between 9 and 3
/// months before the demo's last day, each to have its final plan within 3 months after it.
fn demo_programme(store: &dyn Store, as_of: NaiveDate) -> anyhow::Result<()> {
    let area = largest_area(store)?;
    let from = as_of
        .checked_sub_months(chrono::Months::new(9))
        .context("date")?;
    let to = as_of
        .checked_sub_months(chrono::Months::new(3))
        .context("date")?;
    let mut cases = Vec::new();
    for_each_case(store, area, &mut |case, c| {
        let chosen = c.requests.last().is_some_and(|r| {
            r.received_on >= from
                && r.received_on < to
                && r.decision == Some(sendscope_domain::event::AssessDecision::Assess)
                && r.withdrawn_on.is_none()
                && r.plan_not_issued_on.is_none()
        });
        if chosen {
            cases.push(case);
        }
    })?;
    if cases.is_empty() {
        return Ok(());
    }
    let deadline = as_of
        .checked_add_months(chrono::Months::new(3))
        .context("date")?;
    append_area_event(
        store,
        area,
        sendscope_domain::EventBody::ProgrammeDefined(sendscope_domain::event::ProgrammeDefined {
            programme: 1,
            name: format!(
                "Recovery plan: final plans for requests received {} to {}",
                sendscope_domain::calendar::long_date(from),
                sendscope_domain::calendar::long_date(to.pred_opt().unwrap_or(to))
            ),
            milestone: sendscope_domain::programmes::Milestone::FinalPlanIssued,
            start: from,
            deadline,
            flag_factor: 1.2,
            cases,
        }),
        "system:demo",
        from,
    )?;
    Ok(())
}

/// Runs each kind of case-list query `repeat` times and prints p50 and p99 in milliseconds.
fn bench_case_list(store: &dyn Store, repeat: usize) -> anyhow::Result<()> {
    use sendscope_store::CaseQuery;
    let h = store.headline()?;
    let Some(area) = h.areas.iter().max_by_key(|a| a.cases) else {
        bail!("the database holds no area; build one first with `sendscope demo`");
    };
    let area_id = sendscope_domain::ids::AreaId::parse(&area.area_id)?;
    let base = CaseQuery {
        area: Some(area_id),
        limit: 25,
        ..Default::default()
    };
    let first = store.list_cases(&base)?;
    let sample = first
        .rows
        .get(first.rows.len() / 2)
        .cloned()
        .context("the area has no cases")?;
    // A cursor deep into the list: walk 40 pages once.
    let mut deep = base.clone();
    for _ in 0..40 {
        match store.list_cases(&deep)?.next {
            Some(n) => deep.after = Some(n),
            None => break,
        }
    }
    let kinds: Vec<(&str, CaseQuery)> = vec![
        ("first page, no filter", base.clone()),
        ("page 41 by cursor", deep),
        (
            "name search",
            CaseQuery {
                name: Some(sample.family_name.clone()),
                ..base.clone()
            },
        ),
        (
            "stage = plan in place",
            CaseQuery {
                stage: Some(sendscope_domain::Stage::PlanInPlace),
                ..base.clone()
            },
        ),
        (
            "stage + primary need",
            CaseQuery {
                stage: Some(sendscope_domain::Stage::PlanInPlace),
                need: sample.primary_need,
                ..base.clone()
            },
        ),
        (
            "caseworker",
            CaseQuery {
                caseworker: sample.caseworker,
                ..base.clone()
            },
        ),
        (
            "setting",
            CaseQuery {
                setting: sample.setting,
                ..base.clone()
            },
        ),
        (
            "UPN",
            CaseQuery {
                upn: sample.upn.clone(),
                ..base.clone()
            },
        ),
    ];
    outln!(
        "case list, area {} ({} cases, {} events in the database), {repeat} runs each:",
        area.name,
        area.cases,
        h.events
    );
    for (label, q) in kinds {
        let mut ms: Vec<f64> = Vec::with_capacity(repeat);
        let mut rows = 0;
        for _ in 0..repeat {
            let t = Clock::now();
            rows = store.list_cases(&q)?.rows.len();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        let pct = |p: f64| ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1];
        outln!(
            "  {label:<24} {rows:>3} rows  p50 {:>7.3} ms  p99 {:>7.3} ms",
            pct(0.50),
            pct(0.99)
        );
    }
    Ok(())
}

/// p50 and p99 of timings in milliseconds (nearest rank).
fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1];
    (pct(0.50), pct(0.99))
}

/// Builds work queues as the page does and prints how long they take.
fn bench_queue(store: &dyn Store, repeat: usize, sample: usize) -> anyhow::Result<()> {
    use sendscope_domain::access::{Principal, Role};
    use sendscope_domain::projection::StreamState;
    let area = largest_area(store)?;
    let options = sendscope_app::filter_options::FilterOptions::default();
    let all = options.get(store, area, None)?;
    if all.caseworkers.is_empty() {
        bail!("the area has no caseworkers");
    }
    let step = (all.caseworkers.len() / sample).max(1);
    outln!(
        "work queues, area {area}, {} caseworkers, {repeat} runs each (the page's own code: case list, records, clocks, HTML):",
        all.caseworkers.len()
    );
    let mut team_of_one = None;
    for (id, _) in all.caseworkers.iter().step_by(step).take(sample) {
        let staff = sendscope_domain::ids::StaffId::parse(id)?;
        let team = match store
            .projection(sendscope_domain::StreamRef::staff(staff))?
            .map(|p| p.state)
        {
            Some(StreamState::Staff(s)) => s.added.and_then(|a| a.team),
            _ => None,
        };
        team_of_one = team_of_one.or(team);
        let who = Principal {
            role: Role::Caseworker,
            area,
            staff: Some(staff),
            team,
            setting: None,
            person: None,
            case: None,
        };
        let (cases, ms, lines) = time_queue(store, &who, repeat)?;
        let (p50, p99) = percentiles(ms);
        outln!(
            "  caseworker  {cases:>5} cases  {lines:>4} deadlines listed  p50 {p50:>7.2} ms  p99 {p99:>7.2} ms"
        );
    }
    let manager = Principal {
        role: Role::TeamManager,
        area,
        staff: None,
        team: team_of_one,
        setting: None,
        person: None,
        case: None,
    };
    let (cases, ms, lines) = time_queue(store, &manager, repeat)?;
    let (p50, p99) = percentiles(ms);
    outln!(
        "  team manager {cases:>4} cases  {lines:>4} deadlines listed  p50 {p50:>7.2} ms  p99 {p99:>7.2} ms"
    );
    Ok(())
}

/// (cases in scope, timings in ms, deadlines listed) for one user's queue.
fn time_queue(
    store: &dyn Store,
    who: &sendscope_domain::access::Principal,
    repeat: usize,
) -> anyhow::Result<(usize, Vec<f64>, usize)> {
    let mut q = sendscope_app::queue::scope(who).context("a role with a queue")?;
    q.limit = 500;
    let mut cases = 0;
    loop {
        let page = store.list_cases(&q)?;
        cases += page.rows.len();
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    let mut ms = Vec::with_capacity(repeat);
    let mut lines = 0;
    for _ in 0..repeat {
        let t = Clock::now();
        let scope = sendscope_app::queue::scope(who).context("a role with a queue")?;
        lines = sendscope_app::queue::items(store, scope, who, 14)?.len();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((cases, ms, lines))
}

/// Calls `f` with every case record in an area.
fn for_each_case(
    store: &dyn Store,
    area: AreaId,
    f: &mut dyn FnMut(sendscope_domain::ids::CaseId, &sendscope_domain::projection::CaseState),
) -> anyhow::Result<()> {
    Ok(sendscope_store::for_each_case(store, area, f)?)
}

/// A GIAS-layout file of `rows` establishments, written as GIAS publishes (Windows-1252).
fn gias_sample(rows: u32) -> Vec<u8> {
    let kinds = [
        (
            "Community school",
            "Local authority maintained schools",
            "Primary",
            4,
            11,
        ),
        ("Academy converter", "Academies", "Secondary", 11, 18),
        (
            "Academy special converter",
            "Special schools",
            "Not applicable",
            2,
            19,
        ),
        (
            "Other independent special school",
            "Independent schools",
            "Not applicable",
            5,
            19,
        ),
        (
            "Pupil referral unit",
            "Local authority maintained schools",
            "Not applicable",
            5,
            16,
        ),
        ("Further education", "Colleges", "16 plus", 16, 99),
    ];
    let mut out = format!("{}\r\n", sendscope_import::gias::SAMPLE_HEADER).into_bytes();
    for i in 0..rows {
        let (kind, group, phase, low, high) = kinds[(i % 6) as usize];
        let high = high.min(25);
        let line = format!(
            "{},{},Area {},{},St Caf\u{e9} {} School,{kind},{group},Open,01-09-{},,{phase},{low},{high},{},{},Trust {},{},{} High Street,Town,DE{} {}AB,{},{},,,,,,\r\n",
            100_000 + i,
            800 + i % 150,
            i % 150,
            2000 + i % 7000,
            i,
            2000 + i % 25,
            200 + i % 1500,
            150 + i % 1400,
            i % 900,
            10_000_000 + i,
            i % 300,
            1 + i % 99,
            i % 10,
            400_000 + i % 90_000,
            300_000 + i % 90_000,
        );
        // Windows-1252: é is one byte, 0xE9.
        out.extend(
            line.chars()
                .map(|c| if c == '\u{e9}' { 0xE9 } else { c as u8 }),
        );
    }
    out
}

/// Times a GIAS import of a generated file.
fn bench_import(store: &dyn Store, rows: u32) -> anyhow::Result<()> {
    let area = match largest_area(store) {
        Ok(a) => a,
        Err(_) => {
            let id = AreaId::new_random();
            append_area_event(
                store,
                id,
                sendscope_domain::EventBody::AreaCreated(sendscope_domain::event::AreaCreated {
                    la_code: sendscope_domain::codes::LaCode::parse("999")?,
                    name: "Benchmark area".into(),
                }),
                "system:bench",
                sendscope_domain::calendar::england_today(),
            )?;
            id
        }
    };
    let dir = tempfile_dir()?;
    let path = dir.join("edubasealldata-bench.csv");
    let t = Clock::now();
    std::fs::write(&path, gias_sample(rows))?;
    let generated = t.elapsed().as_secs_f64();
    let t = Clock::now();
    let first = import_gias(store, area, &path, true)?;
    let first_s = t.elapsed().as_secs_f64();
    let t = Clock::now();
    let again = import_gias(store, area, &path, true)?;
    let again_s = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    outln!("GIAS import, {rows} rows (file generated in {generated:.2} s, not counted):");
    outln!("  first import (every row added):  {first_s:.2} s  — {first}");
    outln!("  second import (nothing changed): {again_s:.2} s  — {again}");
    Ok(())
}

/// A fresh directory under the system's temporary directory.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("sendscope-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// An area's settings by their current URN, as the imports match rows to them.
fn settings_by_urn(
    store: &dyn Store,
    area: AreaId,
) -> anyhow::Result<
    std::collections::HashMap<
        sendscope_domain::codes::Urn,
        (
            sendscope_domain::StreamRef,
            sendscope_domain::projection::SettingState,
        ),
    >,
> {
    let mut known = std::collections::HashMap::new();
    for p in store.area_projections(area, sendscope_domain::StreamKind::Setting)? {
        if let sendscope_domain::projection::StreamState::Setting(s) = p.state
            && let Some(urn) = s.details.as_ref().and_then(|d| d.urn)
        {
            known.insert(urn, (p.stream, s));
        }
    }
    Ok(known)
}

/// Imports a GIAS file into an area's settings; returns the summary line.
fn import_gias(
    store: &dyn Store,
    area: AreaId,
    file: &std::path::Path,
    strict: bool,
) -> anyhow::Result<String> {
    use sendscope_domain::event::{DatedOnly, EventBody};
    let started = Clock::now();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = sendscope_import::gias::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    report_rejections(file, &parsed.rejected, parsed.rows, strict)?;
    let known = settings_by_urn(store, area)?;
    let today = sendscope_domain::calendar::england_today();
    let actor = sendscope_domain::Actor::parse("system:import-gias")?;
    let (mut added, mut changed, mut unchanged, mut closed_not_added) = (0u64, 0u64, 0u64, 0u64);
    let mut events = Vec::new();
    let event = |stream, body, on| sendscope_domain::NewEvent {
        stream,
        area,
        body,
        actor: actor.clone(),
        effective_date: on,
        reason: Some("GIAS import".into()),
        recorded_at: None,
    };
    for (i, e) in parsed.establishments.iter().enumerate() {
        if i > 0 && i % 10_000 == 0 {
            eprintln!(
                "{}: {i} of {} establishments checked",
                file.display(),
                parsed.establishments.len()
            );
        }
        let urn = e
            .details
            .urn
            .context("establishments are read with their URN")?;
        match known.get(&urn) {
            None if !e.open => closed_not_added += 1,
            None => {
                let stream = sendscope_domain::StreamRef::setting(
                    sendscope_domain::ids::SettingId::new_random(),
                );
                events.push(event(
                    stream,
                    EventBody::SettingRegistered(e.details.clone()),
                    e.opened_on.unwrap_or(today),
                ));
                added += 1;
            }
            Some((stream, setting)) => {
                let (details, was_closed) = (&setting.details, setting.closed_on.is_some());
                let mut any = false;
                if details.as_ref() != Some(&e.details) && !was_closed {
                    events.push(event(
                        *stream,
                        EventBody::SettingDetailsChanged(e.details.clone()),
                        today,
                    ));
                    any = true;
                }
                if !e.open && !was_closed {
                    let on = e.closed_on.unwrap_or(today);
                    events.push(event(
                        *stream,
                        EventBody::SettingClosed(DatedOnly { on }),
                        on,
                    ));
                    any = true;
                }
                if any {
                    changed += 1;
                } else {
                    unchanged += 1;
                }
            }
        }
    }
    // One transaction: the good rows are imported together or not at all.
    if !events.is_empty() {
        store.append(&events)?;
    }
    Ok(format!(
        "{}: {} rows read in {:.2} s: added {added}, changed {changed}, unchanged {unchanged}, rejected {}; skipped {} (not schools, colleges or early years) and {closed_not_added} closed establishments not already known",
        file.display(),
        parsed.rows,
        started.elapsed().as_secs_f64(),
        parsed.rejected.len(),
        parsed.skipped,
    ))
}

/// Applies a GIAS links file to an area's settings; returns the summary line.
fn import_gias_links(
    store: &dyn Store,
    area: AreaId,
    file: &std::path::Path,
    strict: bool,
) -> anyhow::Result<String> {
    use sendscope_domain::event::{EventBody, SettingIdentifierChanged};
    use sendscope_domain::projection::StreamState;
    let started = Clock::now();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = sendscope_import::links::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let mut rejected = parsed.rejected.clone();
    // Settings by their current URN, and every URN each has had.
    let mut current: std::collections::HashMap<
        sendscope_domain::codes::Urn,
        (
            sendscope_domain::StreamRef,
            Option<sendscope_domain::codes::Ukprn>,
        ),
    > = std::collections::HashMap::new();
    let mut ever: std::collections::HashMap<
        sendscope_domain::codes::Urn,
        sendscope_domain::StreamRef,
    > = std::collections::HashMap::new();
    for p in store.area_projections(area, sendscope_domain::StreamKind::Setting)? {
        if let StreamState::Setting(s) = &p.state {
            if let Some(d) = &s.details
                && let Some(urn) = d.urn
            {
                current.insert(urn, (p.stream, d.ukprn));
            }
            for i in &s.identifiers {
                if let Some(u) = i.urn {
                    ever.insert(u, p.stream);
                }
            }
        }
    }
    let today = sendscope_domain::calendar::england_today();
    let (mut changed, mut unchanged, mut elsewhere) = (0u64, 0u64, 0u64);
    let mut events = Vec::new();
    // Oldest first, so a chain of conversions is followed to its end.
    let mut successions = parsed.successions.clone();
    successions.sort_by_key(|s| (s.on, s.row));
    for s in &successions {
        let old = current.get(&s.old).copied();
        let new = current.get(&s.new).copied();
        match (old, new) {
            (Some((a, _)), Some((b, _))) if a != b => rejected.push(sendscope_import::Rejection {
                row: s.row,
                column: "LinkURN".into(),
                value: s.new.to_string(),
                reason: format!(
                    "URN {} and URN {} are separate settings here: the later one was registered before this link was known; merge them (stream.merged_into) or correct the registration",
                    s.old, s.new
                ),
            }),
            (Some((stream, ukprn)), None) => {
                let on = s.on.unwrap_or(today);
                events.push(sendscope_domain::NewEvent {
                    stream,
                    area,
                    body: EventBody::SettingIdentifierChanged(SettingIdentifierChanged {
                        urn: Some(s.new),
                        ukprn,
                        on,
                        cause: format!("GIAS link: URN {} followed by URN {} (e.g. academy conversion)", s.old, s.new),
                    }),
                    actor: sendscope_domain::Actor::parse("system:import-gias-links")?,
                    effective_date: on,
                    reason: Some("GIAS links import".into()),
                    recorded_at: None,
                });
                current.remove(&s.old);
                current.insert(s.new, (stream, ukprn));
                changed += 1;
            }
            (None, Some(_)) if ever.contains_key(&s.old) => unchanged += 1,
            (Some(_), Some(_)) => unchanged += 1,
            _ => elsewhere += 1,
        }
    }
    report_rejections(file, &rejected, parsed.rows, strict)?;
    if !events.is_empty() {
        store.append(&events)?;
    }
    Ok(format!(
        "{}: {} rows read in {:.2} s: changed {changed}, unchanged {unchanged}, rejected {}; skipped {} (other kinds of link, or listed twice) and {elsewhere} for settings not in this area",
        file.display(),
        parsed.rows,
        started.elapsed().as_secs_f64(),
        rejected.len(),
        parsed.skipped
    ))
}

/// Records Ofsted inspections on an area's settings; returns the summary line.
fn import_ofsted(
    store: &dyn Store,
    area: AreaId,
    file: &std::path::Path,
    mapping: &sendscope_import::ofsted::Mapping,
    strict: bool,
) -> anyhow::Result<String> {
    use sendscope_domain::event::EventBody;
    let started = Clock::now();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = sendscope_import::ofsted::parse(&bytes, mapping)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    report_rejections(file, &parsed.rejected, parsed.rows, strict)?;
    let known = settings_by_urn(store, area)?;
    let actor = sendscope_domain::Actor::parse("system:import-ofsted")?;
    let (mut added, mut changed, mut unchanged, mut elsewhere) = (0u64, 0u64, 0u64, 0u64);
    let mut events = Vec::new();
    for i in &parsed.inspections {
        let Some((stream, setting)) = known.get(&i.urn) else {
            elsewhere += 1;
            continue;
        };
        match setting
            .inspections
            .iter()
            .find(|x| x.inspection_start == i.inspection.inspection_start)
        {
            Some(x) if *x == i.inspection => {
                unchanged += 1;
                continue;
            }
            Some(_) => changed += 1,
            None => added += 1,
        }
        events.push(sendscope_domain::NewEvent {
            stream: *stream,
            area,
            body: EventBody::SettingInspected(i.inspection.clone()),
            actor: actor.clone(),
            effective_date: i
                .inspection
                .published
                .unwrap_or(i.inspection.inspection_start),
            reason: Some("Ofsted import".into()),
            recorded_at: None,
        });
    }
    if !events.is_empty() {
        store.append(&events)?;
    }
    Ok(format!(
        "{}: {} rows read in {:.2} s: inspections added {added}, changed {changed}, unchanged {unchanged}, rejected {}; skipped {} (no judgements) and {elsewhere} for schools not registered in this area",
        file.display(),
        parsed.rows,
        started.elapsed().as_secs_f64(),
        parsed.rejected.len(),
        parsed.skipped
    ))
}

/// Prints every rejected row; under `--strict`, any makes the import fail whole.
fn report_rejections(
    file: &std::path::Path,
    rejected: &[sendscope_import::Rejection],
    rows: u64,
    strict: bool,
) -> anyhow::Result<()> {
    for r in rejected {
        eprintln!("{}: {r}", file.display());
    }
    if strict && !rejected.is_empty() {
        bail!(
            "{}: {} of {rows} rows are bad (listed above); nothing was imported (--strict)",
            file.display(),
            rejected.len()
        );
    }
    Ok(())
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

/// The cases a programme is defined over.
fn select_cases(
    store: &dyn Store,
    area: AreaId,
    select: &str,
) -> anyhow::Result<Vec<sendscope_domain::ids::CaseId>> {
    use sendscope_domain::event::AssessDecision;
    if let Some(path) = select.strip_prefix("file:") {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
        return text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
            .map(|(i, l)| {
                sendscope_domain::ids::CaseId::parse(l).map_err(|_| {
                    anyhow::anyhow!("{path} line {}: {l:?} is not a case reference", i + 1)
                })
            })
            .collect();
    }
    let today = sendscope_domain::calendar::england_today();
    let transfer_on = match select.strip_prefix("phase-transfer:") {
        Some(d) => Some(sendscope_domain::calendar::parse_date(d)?),
        None if matches!(select, "awaiting-final-plan" | "review-overdue") => None,
        None => bail!(
            "--select {select:?} is not understood: use awaiting-final-plan, review-overdue, phase-transfer:YYYY-MM-DD or file:PATH"
        ),
    };
    let mut out = Vec::new();
    let mut failed = None;
    for_each_case(store, area, &mut |case, c| {
        let keep = match (select, transfer_on) {
            (_, Some(d)) => c.phase_transfers.iter().any(|t| t.transfer_on == d),
            ("awaiting-final-plan", _) => c.requests.last().is_some_and(|r| {
                r.withdrawn_on.is_none()
                    && r.final_issued_on.is_none()
                    && r.plan_not_issued_on.is_none()
                    && r.decision != Some(AssessDecision::DoNotAssess)
            }),
            _ => match sendscope_domain::clocks::case_deadlines(c, today) {
                Ok(all) => all.iter().any(|d| {
                    d.key == "annual_review"
                        && matches!(d.status, sendscope_domain::clocks::Status::Overdue { .. })
                }),
                Err(e) => {
                    failed.get_or_insert(e.to_string());
                    false
                }
            },
        };
        if keep {
            out.push(case);
        }
    })?;
    if let Some(e) = failed {
        bail!("{e}");
    }
    Ok(out)
}

/// Every letter issued and not yet sent, in every area: (case, letter).
fn outbox(
    store: &dyn Store,
) -> anyhow::Result<
    Vec<(
        sendscope_domain::ids::CaseId,
        sendscope_domain::projection::LetterState,
    )>,
> {
    let mut out = Vec::new();
    for a in store.headline()?.areas {
        for_each_case(store, AreaId::parse(&a.area_id)?, &mut |case, c| {
            for l in c.letters.iter().filter(|l| l.sent_on.is_none()) {
                out.push((case, l.clone()));
            }
        })?;
    }
    Ok(out)
}

/// Emails the waiting letters that have an address; each one sent is recorded at once.
fn send_outbox(
    store: &dyn Store,
    waiting: &[(
        sendscope_domain::ids::CaseId,
        sendscope_domain::projection::LetterState,
    )],
    host: &str,
    port: u16,
    from: &str,
) -> anyhow::Result<()> {
    use lettre::{Message, SmtpTransport, Transport};
    use sendscope_domain::event::{EventBody, LetterSent};
    let from: lettre::message::Mailbox = from.parse().map_err(|e| {
        anyhow::anyhow!(
            "--from {from:?} is not an email address ({e}): write it as \"Name <name@example.org>\""
        )
    })?;
    let mailer = SmtpTransport::builder_dangerous(host).port(port).build();
    let (mut sent, mut failed, mut post) = (0, 0, 0);
    for (case, l) in waiting {
        let Some(to) = &l.email else {
            post += 1;
            continue;
        };
        let stream = sendscope_domain::StreamRef::case(*case);
        let Some((area, issued)) =
            store
                .stream_events(stream)?
                .iter()
                .find_map(|e| match e.body().ok()? {
                    Some(EventBody::LetterIssued(x)) if x.letter == l.letter => Some((e.area, x)),
                    _ => None,
                })
        else {
            eprintln!(
                "case {case} letter {}: its text was not found; skipped",
                l.letter
            );
            failed += 1;
            continue;
        };
        let mut text = format!("Dear {}\n\n", issued.to);
        for s in &issued.sections {
            text.push_str(&format!("{}\n\n", s.heading));
            for p in &s.paragraphs {
                text.push_str(&format!("{p}\n\n"));
            }
        }
        text.push_str("Yours sincerely,\nSEND team\n");
        let message = to
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| e.to_string())
            .and_then(|to| {
                Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(issued.subject.clone())
                    .body(text)
                    .map_err(|e| e.to_string())
            });
        let result = message.and_then(|m| mailer.send(&m).map(|_| ()).map_err(|e| e.to_string()));
        match result {
            Ok(()) => {
                store.append(&[sendscope_domain::NewEvent {
                    stream,
                    area,
                    body: EventBody::LetterSent(LetterSent {
                        letter: l.letter,
                        on: sendscope_domain::calendar::england_today(),
                        via: format!("email via {host}"),
                    }),
                    actor: sendscope_domain::Actor::parse("system:outbox")?,
                    effective_date: sendscope_domain::calendar::england_today(),
                    reason: None,
                    recorded_at: None,
                }])?;
                sent += 1;
            }
            Err(e) => {
                eprintln!("case {case} letter {} to {to}: not sent: {e}", l.letter);
                failed += 1;
            }
        }
    }
    eprintln!("{sent} letters emailed, {failed} not sent, {post} waiting to be posted.");
    if failed > 0 {
        bail!("{failed} letters could not be emailed; they stay in the outbox (see above)");
    }
    Ok(())
}

/// The area with the most cases.
fn largest_area(store: &dyn Store) -> anyhow::Result<AreaId> {
    let h = store.headline()?;
    let Some(a) = h.areas.iter().max_by_key(|a| a.cases) else {
        bail!("the database holds no area; build one first with `sendscope demo`");
    };
    Ok(AreaId::parse(&a.area_id)?)
}

/// DfE's 20-week timeliness for an area's plans issued in `year`, from every case record.
fn twenty_weeks(
    store: &dyn Store,
    area: AreaId,
    year: i32,
) -> anyhow::Result<sendscope_domain::measures::TwentyWeeks> {
    let mut t = sendscope_domain::measures::TwentyWeeks::new(year);
    for_each_case(store, area, &mut |_, c| t.add(c))?;
    Ok(t)
}

/// An area by LA code or identifier.
fn find_area(store: &dyn Store, text: &str) -> anyhow::Result<AreaId> {
    let h = store.headline()?;
    let found = h
        .areas
        .iter()
        .find(|a| a.la_code == text.trim() || a.area_id == text.trim());
    match found {
        Some(a) => Ok(AreaId::parse(&a.area_id)?),
        None => bail!("no local area {text:?} in this database; give its LA code or identifier"),
    }
}

/// Creates an account: its events and its password hash, in one transaction.
fn add_account(
    store: &dyn Store,
    area: AreaId,
    username: &Username,
    role: Role,
    links: AccountLinks,
    password: &str,
    actor: &str,
) -> anyhow::Result<()> {
    check_links(role, &links)?;
    let account = AccountId::new_random();
    // A version-4 UUID's bytes are 122 random bits from the operating system: a fine salt.
    let hash = hash_password(password, uuid::Uuid::new_v4().into_bytes())?;
    let today = sendscope_domain::calendar::england_today();
    let actor = Actor::parse(actor)?;
    let event = |body| NewEvent {
        stream: StreamRef::account(account),
        area,
        body,
        actor: actor.clone(),
        effective_date: today,
        reason: None,
        recorded_at: None,
    };
    let created = EventBody::AccountCreated(AccountCreated {
        username: username.clone(),
        role,
        links,
    });
    let events = [
        created,
        EventBody::AccountPasswordSet(DatedOnly { on: today }),
    ]
    .into_iter()
    .map(|b| PreparedEvent::new(event(b)))
    .collect::<Result<Vec<_>, _>>()?;
    let credentials = NewCredentials {
        username: username.clone(),
        account,
        area,
        password_hash: hash,
    };
    store.create_account(&events, &credentials)?;
    Ok(())
}

/// The demo's accounts, one per role, each with password `demo` (demo databases only),
/// linked to records in the first area that give each role something to see.
fn add_demo_accounts(store: &dyn Store) -> anyhow::Result<Vec<String>> {
    use sendscope_store::CaseQuery;
    let h = store.headline()?;
    let area = h.areas.first().context("the demo has no area")?;
    let area_id = AreaId::parse(&area.area_id)?;
    let today = sendscope_domain::calendar::england_today();
    let (mut worker, mut setting, mut parent, mut young) = (None, None, None, None);
    let mut q = CaseQuery {
        area: Some(area_id),
        stage: Some(sendscope_domain::Stage::PlanInPlace),
        limit: 200,
        ..Default::default()
    };
    while worker.is_none() || setting.is_none() || parent.is_none() || young.is_none() {
        let page = store.list_cases(&q)?;
        for row in &page.rows {
            if worker.is_none() {
                worker = row.caseworker.zip(row.team);
            }
            if setting.is_none() {
                setting = row.setting;
            }
            if parent.is_none() || young.is_none() {
                let Some(p) = store.projection(StreamRef::case(row.case))? else {
                    continue;
                };
                let Some(c) = p.case() else { continue };
                if parent.is_none() && c.court_restriction.is_none() {
                    parent = c
                        .related
                        .iter()
                        .find(|r| r.parental_responsibility)
                        .map(|r| r.person);
                }
                if young.is_none()
                    && c.child
                        .as_ref()
                        .is_some_and(|ch| over_compulsory_school_age(ch.birth_date, today))
                {
                    young = Some(row.case);
                }
            }
        }
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    let (staff, team) = worker.context("the demo has no caseworker with cases")?;
    let accounts = [
        (
            "caseworker",
            Role::Caseworker,
            AccountLinks {
                staff: Some(staff),
                team: Some(team),
                ..Default::default()
            },
        ),
        (
            "manager",
            Role::TeamManager,
            AccountLinks {
                team: Some(team),
                ..Default::default()
            },
        ),
        ("commissioner", Role::Commissioner, AccountLinks::default()),
        ("health", Role::HealthProfessional, AccountLinks::default()),
        (
            "school",
            Role::School,
            AccountLinks {
                setting,
                ..Default::default()
            },
        ),
        (
            "parent",
            Role::ParentCarer,
            AccountLinks {
                person: parent,
                ..Default::default()
            },
        ),
        (
            "young-person",
            Role::YoungPerson,
            AccountLinks {
                case: young,
                ..Default::default()
            },
        ),
        ("board", Role::BoardMember, AccountLinks::default()),
        ("admin", Role::Admin, AccountLinks::default()),
    ];
    let mut made = Vec::new();
    for (name, role, links) in accounts {
        add_account(
            store,
            area_id,
            &Username::parse(name)?,
            role,
            links,
            "demo",
            "system:demo",
        )?;
        made.push(name.to_string());
    }
    Ok(made)
}

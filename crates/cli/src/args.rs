//! The command line's arguments, as clap reads them: every command, its options and
//! their help text.

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

pub(crate) use crate::args_admin::*;

#[derive(Parser, Debug)]
#[command(
    name = "sendscope",
    version,
    about = "SEND casework, statutory clocks and honest performance for a local area"
)]
pub(crate) struct Cli {
    /// Where the data lives: sqlite://PATH (default) or postgres://USER@HOST:PORT/DATABASE.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "sqlite://sendscope.db"
    )]
    pub(crate) database_url: String,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
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
        /// The address people reach the service at, e.g. https://send.derby.gov.uk
        /// (single sign-on's return address is made from it).
        #[arg(long)]
        public_url: Option<String>,
        /// A file holding the client secret the identity provider issued for single
        /// sign-on (or set SENDSCOPE_OIDC_CLIENT_SECRET).
        #[arg(long)]
        oidc_client_secret_file: Option<std::path::PathBuf>,
        /// Sign a checkpoint of the history with this key (`sendscope audit keygen`) at
        /// start and then every --checkpoint-minutes; shown on the public figures pages.
        #[arg(long)]
        checkpoint_key: Option<std::path::PathBuf>,
        #[arg(long, default_value_t = 60)]
        checkpoint_minutes: u64,
        /// Write each checkpoint here too, as checkpoint-SEQ.json.
        #[arg(long)]
        checkpoint_dir: Option<std::path::PathBuf>,
        /// Keep the KPI engine's columns in this file, to start from it instead of
        /// reading every record (default: beside an SQLite file, as FILE.kpi).
        #[arg(long)]
        kpi_snapshot: Option<std::path::PathBuf>,
        /// Read every record at start and keep no KPI snapshot.
        #[arg(long, conflicts_with = "kpi_snapshot")]
        no_kpi_snapshot: bool,
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
    /// Set up local areas (an English local authority's, by its LA code).
    Area {
        #[command(subcommand)]
        what: AreaCommand,
    },
    /// Set up the council's teams.
    Team {
        #[command(subcommand)]
        what: TeamCommand,
    },
    /// Register the organisations that work with the area's children (the NHS integrated
    /// care board and trusts, other providers; schools come from GIAS).
    Organisation {
        #[command(subcommand)]
        what: OrganisationCommand,
    },
    /// Set up the council's staff.
    Staff {
        #[command(subcommand)]
        what: StaffCommand,
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
    /// The DfE's SEN2 return: made from the records, or checked before submission.
    Sen2 {
        #[command(subcommand)]
        what: Sen2Command,
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
    /// Everything held about a child (UK GDPR subject access): every event on their
    /// record, the letters, and every logged view, as a page to read (HTML) and as JSON,
    /// written to a folder. Making it is logged as a view.
    SubjectAccess {
        /// The child's record: its reference or the child's UPN.
        #[arg(long)]
        case: String,
        #[arg(long)]
        area: Option<String>,
        /// Who asked, and how (e.g. "the child's mother, by email on 3 March").
        #[arg(long)]
        requested_by: String,
        /// The member of staff making it (their username), for the access log.
        #[arg(long, default_value = "admin-cli")]
        by: String,
        /// The folder to write subject-access-REF.html and .json into.
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// How long children's records are kept, and the schedule carried out.
    Retention {
        #[command(subcommand)]
        what: RetentionCommand,
    },
    /// Waiting lists for health assessments and therapies: the weekly figures (number
    /// waiting, weeks waited at the median and 92nd percentile, over 18, 52 and 104 weeks,
    /// clocks stopped in the week) by pathway and priority, or adopt the pathways.
    Waits {
        #[command(subcommand)]
        what: Option<WaitsCommand>,
        /// The week's last day (default today).
        #[arg(long)]
        week: Option<chrono::NaiveDate>,
        #[arg(long)]
        area: Option<String>,
        #[arg(long, value_enum, default_value_t = TableFormat::Json)]
        format: TableFormat,
    },
    /// Children out of full-time education: the area's policy for part-time timetables.
    Education {
        #[command(subcommand)]
        what: EducationCommand,
    },
    /// The council's complaints policy: how many working days it has to respond.
    Complaints {
        #[command(subcommand)]
        what: ComplaintsCommand,
    },
    /// A person's request to erase their data: recorded, decided, carried out.
    Erasure {
        #[command(subcommand)]
        what: ErasureCommand,
    },
    /// Back up the whole store while it is in use: SQLite's database and access log (two
    /// files, FILE and FILE-access-log), or PostgreSQL's by pg_dump (custom format). The
    /// backup is then checked: its chain verified, its access log there.
    Backup {
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// Restore a backup into the new store --database-url names (a SQLite file not yet
    /// there, or an empty PostgreSQL database), then verify its chain, any checkpoints
    /// given, and its access log.
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
        #[arg(long)]
        checkpoint: Vec<std::path::PathBuf>,
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Measure how fast the store answers, on the database given.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum ComplianceCommand {
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
pub(crate) enum ComplianceFormat {
    Html,
    Csv,
    Json,
}

#[derive(Subcommand, Debug)]
pub(crate) enum EducationCommand {
    /// The longest a part-time timetable may run before its review, from a day (six
    /// weeks until one is adopted): a timetable agreed or reviewed with a later review
    /// date is refused.
    PartTimePolicy {
        #[arg(long)]
        from: chrono::NaiveDate,
        #[arg(long)]
        max_weeks: u32,
        #[arg(long)]
        area: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum WaitsCommand {
    /// Adopt the area's pathways, standards and prioritisation criteria from a day: the
    /// JSON file given (an `area.waiting_lists_adopted` payload without `from`), or
    /// sendscope's standard ones (18 weeks; autism assessment 13; urgent, then under
    /// five, then the rest).
    Adopt {
        #[arg(long)]
        from: chrono::NaiveDate,
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        #[arg(long)]
        area: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum ImportCommand {
    /// The trust's waiting-list extract: a CSV with the columns referral_id, pathway,
    /// received_on, source, urgency, nhs_number, given_names, family_name, birth_date,
    /// clock_stop, clock_stopped_on, support_offered_on, support (one row per referral,
    /// with its latest clock stop and support). Bad rows are reported and the rest
    /// imported; NHS numbers are matched to children here; running it again changes
    /// nothing.
    Waits {
        file: std::path::PathBuf,
        #[arg(long)]
        area: Option<String>,
    },
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
pub(crate) enum ProgrammeCommand {
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
pub(crate) enum QaCommand {
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
pub(crate) enum OutboxCommand {
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
pub(crate) enum ReportCommand {
    /// The board report: the measures of the last four calendar years with their
    /// numerators and denominators, exception cases, quality grades and trajectories
    /// (small counts shown as c).
    Board {
        #[arg(long)]
        area: Option<String>,
        #[arg(long, value_enum, default_value_t = BoardFormat::Html)]
        format: BoardFormat,
    },
    /// The stocktake pack for a period: progress on each priority with evidence, measures
    /// against trajectories, change requests, risks and their movement, board decisions
    /// and published minutes.
    Stocktake {
        /// The first day of the period, YYYY-MM-DD.
        #[arg(long, value_parser = parse_date)]
        from: NaiveDate,
        /// The last day of the period, YYYY-MM-DD.
        #[arg(long, value_parser = parse_date)]
        to: NaiveDate,
        #[arg(long)]
        area: Option<String>,
        #[arg(long, value_enum, default_value_t = StocktakeFormat::Html)]
        format: StocktakeFormat,
        /// Write it to this file (needed for a PDF); the page goes to standard output
        /// without it.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
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
pub(crate) enum StocktakeFormat {
    Html,
    Pdf,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BoardFormat {
    Html,
    Csv,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReportFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub(crate) enum TrajectoryCommand {
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
pub(crate) enum Sen2Command {
    /// Writes the area's return for a census day (the third Thursday of January), checked
    /// first: a return with errors is not written unless --allow-errors.
    Export {
        /// Census day, YYYY-MM-DD: it chooses the year's layout.
        #[arg(long, value_parser = parse_date)]
        census: NaiveDate,
        /// The area's LA code (needed when the database holds more than one).
        #[arg(long)]
        area: Option<String>,
        /// Where to write the XML (default: standard output).
        #[arg(long)]
        output: Option<std::path::PathBuf>,
        /// A designated medical officer in post: Y or N (default: as the area recorded
        /// for census day with `sendscope area officers`).
        #[arg(long, requires_all = ["dco", "dsco"])]
        dmo: Option<String>,
        /// A designated clinical officer in post: Y or N.
        #[arg(long, requires_all = ["dmo", "dsco"])]
        dco: Option<String>,
        /// A designated social care officer in post: Y or N (from the 2025 return).
        #[arg(long, requires_all = ["dmo", "dco"])]
        dsco: Option<String>,
        /// Write the return even though it has errors.
        #[arg(long)]
        allow_errors: bool,
    },
    /// Brings a council's own SEN2 return into the area (an empty one, or adding to
    /// one): children, requests, assessments, named plans, placements, needs, reviews
    /// and ceased plans, recorded later with their real dates. Every bad item is
    /// reported while the good ones import; the same return twice adds nothing.
    Import {
        file: std::path::PathBuf,
        /// The area's LA code (needed when the database holds more than one).
        #[arg(long)]
        area: Option<String>,
        /// The children's addresses, home languages, parents and carers, which SEN2 does
        /// not carry: a CSV in the layout of docs/sen2-import.md.
        #[arg(long)]
        contacts: Option<std::path::PathBuf>,
        /// The member of staff (by name) the records of children not yet known are
        /// allocated to, such as the team manager who will share them out.
        #[arg(long)]
        caseworker: Option<String>,
        /// Refuse the whole file if any item is bad.
        #[arg(long)]
        strict: bool,
    },
    /// Checks any SEN2 return against the validation rules: every error and query, with
    /// the person, the rule and what to put right.
    Validate { file: std::path::PathBuf },
    /// The figures the DfE will publish from a return (JSON): requests, plans within 20
    /// weeks with and without exceptions, plans in place by age, need and setting.
    Figures { file: std::path::PathBuf },
}

#[derive(Subcommand, Debug)]
pub(crate) enum FiguresCommand {
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
pub(crate) enum MeasureArg {
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

pub(crate) fn parse_month(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a month: write it as YYYY-MM, like 2027-03"))
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeriodArg {
    Calendar,
    Academic,
    Financial,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CohortArg {
    /// Children with a plan and no current placement, into the vacancies.
    Awaiting,
    /// Every child with a plan, into every place (for planning).
    All,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TableFormat {
    Json,
    Csv,
}

#[derive(Subcommand, Debug)]
pub(crate) enum PlacementCommand {
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
pub(crate) enum BenchCommand {
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
    /// N clients recording valid steps at once (a new child's request, then the decision
    /// to assess, again and again) for S seconds: latency p50, p99 and max, steps a
    /// second, and that every acknowledged event is in the store. Builds a demo first
    /// when the database is empty.
    Writers {
        #[arg(long, default_value_t = 50)]
        clients: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
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
    /// The SEN2 return made and checked for every area (the largest first), and a
    /// return of N people (the areas' returns together) brought into an empty SQLite
    /// database and brought in again. Builds a demo first when the database is empty.
    Sen2 {
        #[arg(long, default_value_t = 20_000)]
        people: usize,
        /// Census day, YYYY-MM-DD.
        #[arg(long, value_parser = parse_date, default_value = "2026-01-15")]
        census: NaiveDate,
    },
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
pub(crate) struct DemoArgs {
    /// EHC plans in place at the end of the as-of day's year (Derby had 3,735 in January
    /// 2025); on the as-of day itself a little different, by the year still to come.
    #[arg(long, default_value_t = 3_735)]
    pub(crate) plans: u32,
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// The last day of the history, YYYY-MM-DD (default: today in England). Any day of a
    /// year gives the same history before that year.
    #[arg(long, value_parser = parse_date)]
    pub(crate) as_of: Option<NaiveDate>,
    /// Events written per transaction.
    #[arg(long, default_value_t = 400_000, hide = true)]
    pub(crate) batch_events: usize,
}

#[derive(Subcommand, Debug)]
pub(crate) enum AuditCommand {
    /// Recompute the hash chain and name the first event that does not match; with
    /// --checkpoint, also prove the history up to each earlier checkpoint was neither
    /// rewritten nor cut short.
    Verify {
        /// A checkpoint made earlier (`sendscope audit checkpoint`); may be repeated.
        #[arg(long)]
        checkpoint: Vec<std::path::PathBuf>,
        /// The area's published public key (hex): checkpoints must be signed by it.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// The access log is lost (a restore without it, a file removed): start a new one,
    /// its first entry saying so and why. Until then the service does not start.
    AccessLogLost {
        #[arg(long)]
        reason: String,
    },
    /// Makes a signing key for checkpoints, kept outside the database (a file readable by
    /// its owner only); prints its public key to publish.
    Keygen {
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// Signs the chain's head now with the key: a checkpoint to keep and hand out (run it
    /// on a schedule, e.g. hourly from cron or a systemd timer).
    Checkpoint {
        #[arg(long)]
        key: std::path::PathBuf,
        /// Write it here too (default: standard output only).
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum ExportCommand {
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
pub(crate) enum Format {
    Csv,
    Jsonl,
}

pub(crate) fn parse_date(s: &str) -> Result<NaiveDate, String> {
    sendscope_domain::calendar::parse_date(s).map_err(|e| e.to_string())
}

//! The set-up commands' arguments: areas, teams, organisations, staff, accounts and
//! API tokens.

use crate::args::parse_date;
use chrono::NaiveDate;
use clap::Subcommand;

/// What an account is for, by name (the links its role needs).
#[derive(clap::Args, Debug, Default)]
pub(crate) struct LinkArgs {
    /// The member of staff the account is for, by name (e.g. "Zara Ali").
    #[arg(long)]
    pub staff: Option<String>,
    /// The team, by name (a caseworker's is their own team unless given).
    #[arg(long)]
    pub team: Option<String>,
    /// A school's account: the setting's URN.
    #[arg(long)]
    pub setting: Option<String>,
    /// A parent carer's account: their name as recorded on the child's record.
    #[arg(long)]
    pub person: Option<String>,
    /// The child's record, by its reference or the child's UPN: for a young person's
    /// own account, or to find a parent carer on.
    #[arg(long, alias = "child")]
    pub case: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum UserCommand {
    /// Create an account. The password is read from standard input (one line).
    Add {
        #[arg(long)]
        username: String,
        /// caseworker, team_manager, commissioner, health_professional, school, parent_carer,
        /// young_person, board_member or admin.
        #[arg(long)]
        role: String,
        /// The local area: its LA code (e.g. 831) or identifier; needed when there is
        /// more than one.
        #[arg(long)]
        area: Option<String>,
        #[command(flatten)]
        links: LinkArgs,
    },
    /// A mover: give an account a new role and links (the same as `user add` takes); its
    /// sessions and tokens act with the new role from their next request.
    Role {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        #[command(flatten)]
        links: LinkArgs,
    },
    /// Remove an account's two-factor sign-in (a lost phone): they set it up again at
    /// their next sign-in if the area requires it; their sessions end.
    ResetTwoFactor {
        #[arg(long)]
        username: String,
    },
    /// The sign-in log, newest first: sign-ins, failures, second factors, sign-outs and
    /// API token uses.
    SignIns {
        /// Only this account's entries.
        #[arg(long)]
        username: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Every account of the area: username, role, and whether it is disabled.
    List {
        /// The local area: its LA code; needed when there is more than one.
        #[arg(long)]
        area: Option<String>,
    },
    /// Disable an account: it can no longer sign in or use its API tokens.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Set a new password for an account, read from standard input (one line); its
    /// sessions end.
    ResetPassword {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum AreaCommand {
    /// Add a local area: an English local authority's LA code (e.g. 831 for Derby); its
    /// council is registered with it.
    Add {
        #[arg(long)]
        la_code: String,
        /// The area's name, if not the authority's own.
        #[arg(long)]
        name: Option<String>,
    },
    /// Every local area set up here: LA code, name, identifier.
    List,
    /// Single sign-on with the area's identity provider (OpenID Connect), from a day:
    /// which provider, which claim names a person's sendscope account, and which of the
    /// provider's groups give which role. `serve` is given the client secret.
    SingleSignOn {
        #[arg(long)]
        area: Option<String>,
        /// What the sign-in page calls the account, e.g. "your Derby City Council account".
        #[arg(long)]
        label: String,
        /// The provider's issuer URL (https://...).
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        client_id: String,
        /// email (the part before the @ is the username) or preferred_username.
        #[arg(long, default_value = "email")]
        username_claim: String,
        /// The organisation's email domains (repeat for more than one).
        #[arg(long = "email-domain")]
        email_domains: Vec<String>,
        /// GROUP=ROLE: members of the provider's group have the role (repeat; the first
        /// that matches wins). None: each account keeps its own role.
        #[arg(long = "group-role")]
        group_roles: Vec<String>,
        /// Scopes to ask for besides openid, email and profile (repeat), e.g. groups.
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// From this day, YYYY-MM-DD (default today).
        #[arg(long, value_parser = parse_date)]
        from: Option<NaiveDate>,
    },
    /// How the area's people sign in, from a day: whether staff must use two factors
    /// (a code from an authenticator app), and how many minutes a session may sit idle.
    SignInPolicy {
        #[arg(long)]
        area: Option<String>,
        /// yes or no.
        #[arg(long)]
        two_factor_for_staff: String,
        /// 5 to 480.
        #[arg(long, default_value_t = 30)]
        idle_minutes: u32,
        /// From this day, YYYY-MM-DD (default today).
        #[arg(long, value_parser = parse_date)]
        from: Option<NaiveDate>,
    },
    /// Whether the area has a designated medical, clinical and social care officer in
    /// post (Y or N each), from a day: the SEN2 return's header says so.
    Officers {
        #[arg(long)]
        area: Option<String>,
        #[arg(long)]
        dmo: String,
        #[arg(long)]
        dco: String,
        #[arg(long)]
        dsco: String,
        /// From this day, YYYY-MM-DD (default today).
        #[arg(long, value_parser = parse_date)]
        from: Option<NaiveDate>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum TeamCommand {
    /// Add a team to the area's council, e.g. --name "SEND Team North".
    Add {
        /// The local area: its LA code (e.g. 831); needed when there is more than one.
        #[arg(long)]
        area: Option<String>,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum OrganisationCommand {
    /// Register one, e.g. --kind integrated_care_board --name "NHS Derby and Derbyshire ICB".
    Add {
        #[arg(long)]
        area: Option<String>,
        /// integrated_care_board, health_service or other.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
    },
    /// The area's organisations (not schools), by name.
    List {
        #[arg(long)]
        area: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum StaffCommand {
    /// Add a member of the council's staff to a team, e.g. --team "SEND Team North"
    /// --name "Zara Ali".
    Add {
        /// The local area: its LA code (e.g. 831); needed when there is more than one.
        #[arg(long)]
        area: Option<String>,
        /// The team's name.
        #[arg(long)]
        team: String,
        #[arg(long)]
        name: String,
        /// caseworker, team_manager, commissioner, health_professional, senco,
        /// educational_psychologist or administrator.
        #[arg(long, default_value = "caseworker")]
        job: String,
    },
    /// Move a member of staff to another team, e.g. --name "Zara Ali" --team "SEND Team
    /// South". Their children stay with them until a manager moves them.
    Move {
        #[arg(long)]
        area: Option<String>,
        #[arg(long)]
        name: String,
        #[arg(long)]
        team: String,
    },
    /// Record that a member of staff has left, today: no longer offered for allocation.
    Leave {
        #[arg(long)]
        area: Option<String>,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum TokenCommand {
    /// Issue a token that acts as the account NAME; prints the token once.
    Create {
        #[arg(long)]
        user: String,
        /// Which system will use the token.
        #[arg(long, default_value = "API client")]
        label: String,
        /// How many days it works for (1 to 730).
        #[arg(long, default_value_t = 365)]
        expires_in_days: u32,
    },
    /// Every token: identifier, account, label, issued, revoked.
    List,
    /// Withdraw a token by the identifier `token list` shows.
    Revoke { id: String },
}

#[derive(Subcommand, Debug)]
pub(crate) enum RetentionCommand {
    /// How long the area keeps a child's record, from a day: YEARS after the child's date
    /// of birth (date-of-birth) or after the record closed (closed). Until one is adopted,
    /// date of birth + 31 years.
    Adopt {
        #[arg(long)]
        area: Option<String>,
        /// date-of-birth or closed.
        #[arg(long)]
        trigger: String,
        #[arg(long)]
        years: u32,
        /// From this day, YYYY-MM-DD (default today).
        #[arg(long, value_parser = parse_date)]
        from: Option<NaiveDate>,
    },
    /// Erase the personal data of every record past the schedule (lawful-erasure events:
    /// the chain still verifies); --dry-run lists them and changes nothing.
    Run {
        #[arg(long)]
        area: Option<String>,
        /// As on this day (default today).
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum ComplaintsCommand {
    /// Adopt the council's complaints policy from a day: a complaint received is answered
    /// within WORKING_DAYS working days (weekends and bank holidays not counted). Until
    /// one is adopted, 20 working days.
    Policy {
        #[arg(long)]
        area: Option<String>,
        #[arg(long)]
        working_days: u32,
        /// From this day, YYYY-MM-DD (default today).
        #[arg(long, value_parser = parse_date)]
        from: Option<NaiveDate>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum ErasureCommand {
    /// Record a request to erase a child's data, as received.
    Request {
        #[arg(long)]
        area: Option<String>,
        /// The child's record: its reference or the child's UPN.
        #[arg(long)]
        case: String,
        #[arg(long, value_parser = parse_date)]
        received: NaiveDate,
        /// Who asked, and how (e.g. "the young person, by email").
        #[arg(long)]
        requested_by: String,
    },
    /// Decide the open request, with reasons: --erase yes carries it out at once (every
    /// event's personal data erased, the decision and its reasons kept); --erase no keeps
    /// the record and the reasons why.
    Decide {
        #[arg(long)]
        area: Option<String>,
        #[arg(long)]
        case: String,
        /// yes or no.
        #[arg(long)]
        erase: String,
        #[arg(long)]
        reasons: String,
        /// The day it was decided (default today).
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
}

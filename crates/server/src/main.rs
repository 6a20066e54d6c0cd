//! `qinglian-server`: serves the built app and the bureau's sync API, and
//! bootstraps the first administrator. See `--help`.

use clap::{Args, Parser, Subcommand};

mod cli;
use qinglian_server::{admin, serve, Config};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Qinglian's server: serves the installable app from a build directory and,
/// for a bureau that runs it, syncs progress across devices, publishes content
/// and shows leaders their units' reports. Its data lives in one directory.
///
/// Without a subcommand it serves (the same as `serve`).
#[derive(Parser, Debug)]
#[command(
    name = "qinglian-server",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the app and the API (the default).
    Serve(ServeArgs),
    /// Administration on the data directory, while the server runs or not.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address and port to listen on. Port 0 picks a free port (tests use this);
    /// the chosen address is printed as "listening on http://…". Session
    /// cookies are marked Secure unless this is a loopback address.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,

    /// Directory for the server's data: the database `qinglian.db` (accounts,
    /// synced events, published content). Created when missing.
    #[arg(long, default_value = "./data")]
    data: PathBuf,

    /// A PostgreSQL database instead of SQLite in --data, e.g.
    /// postgres://qinglian:secret@db.internal:5432/qinglian: several servers
    /// on one database act as one service (see docs/DEPLOY.md).
    #[arg(
        long = "database-url",
        env = "QINGLIAN_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database_url: Option<String>,

    /// Directory of the built app to serve (what `cargo xtask dist` writes to
    /// dist/). Its content/pack.<lang>.json files are the content served until an
    /// administrator publishes another.
    #[arg(long = "static", default_value = "dist")]
    static_dir: PathBuf,

    /// A reverse proxy (address or block, e.g. 127.0.0.1 or 10.0.0.0/8) whose
    /// X-Forwarded-For header names the client, for the per-address sign-in
    /// limits. Repeat for several. Without it, X-Forwarded-For is ignored.
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    trusted_proxies: Vec<qinglian_server::auth::Cidr>,

    /// The address people open the app at, e.g. https://qinglian.bureau.example
    /// (behind a reverse proxy that terminates HTTPS). With https the session
    /// cookie becomes `__Host-qinglian_session` with Secure, and HSTS is sent.
    /// Either way, a POST, PUT, PATCH or DELETE whose Origin is another site
    /// is refused.
    #[arg(long = "public-url", value_name = "URL")]
    public_url: Option<qinglian_server::PublicUrl>,
}

/// The data directory, for every admin command.
#[derive(Args, Debug)]
struct DataArg {
    /// The data directory the server uses (see `serve --data`).
    #[arg(long, default_value = "./data")]
    data: PathBuf,

    /// A PostgreSQL database instead of SQLite in --data, e.g.
    /// postgres://qinglian:secret@db.internal:5432/qinglian: several servers
    /// on one database act as one service (see docs/DEPLOY.md).
    #[arg(
        long = "database-url",
        env = "QINGLIAN_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
}

impl DataArg {
    /// The database these arguments name.
    fn database(&self) -> Result<admin::Database, String> {
        admin::Database::chosen(&self.data, self.database_url.as_deref())
    }
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create an administrator account (the first one, or another). The
    /// password is read from the environment variable QINGLIAN_ADMIN_PASSWORD
    /// when set (at least 10 characters); otherwise a strong one is generated
    /// and printed once.
    CreateAdmin {
        #[command(flatten)]
        data: DataArg,
        /// The sign-in name: 3 to 64 letters, digits, '.', '_', '-' or '@'.
        #[arg(long)]
        login: String,
        /// The name shown in the app and in reports.
        #[arg(long)]
        name: String,
    },
    /// Units (departments): add, list.
    Unit {
        #[command(subcommand)]
        command: UnitCommand,
    },
    /// Invite codes: create, list, revoke.
    Invite {
        #[command(subcommand)]
        command: InviteCommand,
    },
    /// Accounts: list, disable, enable, reset a password.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Create accounts from a CSV file (name,login,unit path,role; a header
    /// row is optional). Prints each account's one-time password once; bad
    /// rows create nothing and are listed with their error.
    Import {
        #[command(flatten)]
        data: DataArg,
        /// The CSV file (UTF-8).
        file: PathBuf,
        /// Check every row and print the result; create nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Publish content, both language editions together: a `content/` folder
    /// (compiled and checked as the build does), the folder that
    /// `cargo xtask content --export` writes (pack.zh-Hans.json and
    /// pack.en.json), or a JSON file as uploaded to the API. A running
    /// server serves it within 5 s.
    Publish {
        #[command(flatten)]
        data: DataArg,
        file: PathBuf,
    },
    /// Write a consistent copy of the database to a new file, also while the
    /// server runs (SQLite VACUUM INTO).
    Backup {
        #[command(flatten)]
        data: DataArg,
        /// The copy to write; must not exist yet.
        file: PathBuf,
    },
    /// Replace the database with a backup. Refused while a server uses the
    /// data directory; the file must be a whole Qinglian database. The
    /// database as it was is kept as qinglian.db.before-restore-<time>.
    Restore {
        #[command(flatten)]
        data: DataArg,
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum UnitCommand {
    /// Add a unit, at the top or under a parent.
    Add {
        #[command(flatten)]
        data: DataArg,
        /// The unit's name (no '/').
        #[arg(long)]
        name: String,
        /// The parent: its id, or its path like "Bureau/Legal Aid Centre".
        #[arg(long)]
        parent: Option<String>,
    },
    /// List every unit: id, path, members, archived.
    List {
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Subcommand, Debug)]
enum InviteCommand {
    /// Create an invite code for a unit and a role; prints the code and the
    /// join link path.
    Create {
        #[command(flatten)]
        data: DataArg,
        /// The unit: its id, or its path like "Bureau/Legal Aid Centre".
        #[arg(long)]
        unit: String,
        /// learner or leader.
        #[arg(long, default_value = "learner")]
        role: String,
        /// How many accounts may join with it (1 to 10000).
        #[arg(long, default_value_t = 1)]
        max_uses: u32,
        /// Days until it expires (1 to 365).
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
    /// List every invite with its status and uses left.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Revoke an invite: its code joins nobody any more.
    Revoke {
        #[command(flatten)]
        data: DataArg,
        code: String,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// List accounts: id, login, name, role, unit, state, last sync.
    List {
        #[command(flatten)]
        data: DataArg,
        /// Part of the login or the name.
        #[arg(long)]
        search: Option<String>,
        /// Only this unit (id or path).
        #[arg(long)]
        unit: Option<String>,
        /// Only this role: learner, leader or admin.
        #[arg(long)]
        role: Option<String>,
        /// Only disabled accounts.
        #[arg(long)]
        disabled: bool,
    },
    /// Disable an account; its sessions end at once.
    Disable {
        #[command(flatten)]
        data: DataArg,
        login: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[command(flatten)]
        data: DataArg,
        login: String,
    },
    /// Give an account a one-time password (printed once) to be replaced at
    /// the next sign-in; its sessions end.
    ResetPassword {
        #[command(flatten)]
        data: DataArg,
        login: String,
    },
}

/// The environment variable that supplies the bootstrap password.
const PASSWORD_VAR: &str = "QINGLIAN_ADMIN_PASSWORD";
/// The environment variable of the crash test's fault injection.
const FAULT_VAR: &str = "QINGLIAN_FAULT_ABORT_AFTER_COMMIT";

/// Argon2 takes 19 MiB per password check. With glibc's adaptive mmap
/// threshold, blocks that large come from the heap after the first one is
/// freed, and freed ones stay resident: 300 parallel sign-ins then held
/// 300 MB although only one check per CPU runs at a time. A fixed threshold
/// of 1 MiB maps every large block afresh and returns it on free (measured:
/// 50 MB instead).
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() {
    return_large_blocks_to_the_system();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
        .block_on(run_cli());
}

async fn run_cli() {
    tracing_subscriber::fmt()
        // Colour codes only on a terminal, not in log files.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "qinglian_server=info,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Admin {
            command: AdminCommand::CreateAdmin { data, login, name },
        }) => create_admin(data, login, name).await,
        Some(Command::Admin { command }) => cli::run(command).await,
        Some(Command::Serve(args)) => run(args).await,
        None => run(cli.serve).await,
    };
    if let Err(err) = result {
        eprintln!("qinglian-server: {err}");
        std::process::exit(1);
    }
}

async fn run(args: ServeArgs) -> Result<(), String> {
    let mut config = Config::new(args.addr, args.data, args.static_dir);
    config.database_url = args.database_url;
    config.trusted_proxies = args.trusted_proxies;
    config.public_url = args.public_url;
    let fault = std::env::var(FAULT_VAR).is_ok_and(|v| v == "1");
    if cfg!(any(debug_assertions, feature = "fault-injection")) {
        config.fault_abort_after_commit = fault;
    } else if fault {
        eprintln!("warning: {FAULT_VAR} is ignored: this is not a test build");
    }
    serve(config).await.map_err(|err| err.to_string())
}

async fn create_admin(data: DataArg, login: String, name: String) -> Result<(), String> {
    let database = data.database()?;
    let (password, generated) = match std::env::var(PASSWORD_VAR) {
        Ok(password) => (password, false),
        Err(_) => (admin::generate_password(), true),
    };
    let user = admin::create_admin(&database, &login, &name, &password).await?;
    println!(
        "created administrator {} ({}) in {}",
        user.login,
        user.display_name,
        database.describe()
    );
    if generated {
        println!("password (shown only now; write it down): {password}");
    }
    Ok(())
}

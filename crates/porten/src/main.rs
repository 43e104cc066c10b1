//! `porten`: one binary for the whole platform.

mod config;
mod demo;
mod import;
mod load;
mod mail_intake;
mod rng;
mod staffing;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use porten_app::App;
use porten_app::jobs::JobRunner;
use porten_domain::{Role, Scope, UnitCode};

use crate::config::Config;

/// Porten – en väg in: the city's portal, contact center and errand registry.
#[derive(Parser, Debug)]
#[command(
    name = "porten",
    version,
    about = "Porten – en väg in: the city's portal, contact center and errand registry."
)]
struct Cli {
    /// Configuration file (TOML). Default: ./porten.toml when it exists.
    #[arg(long, global = true, env = "PORTEN_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long, global = true, env = "PORTEN_LOG_FORMAT", default_value = "text")]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the portal, the staff pages, the JSON API and the operations endpoints.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(DbArgs),
    /// Create a local user account. The password is read from PORTEN_PASSWORD.
    UserAdd(UserAddArgs),
    /// Create an API key for an external system and print it (shown once).
    ApikeyCreate(ApiKeyArgs),
    /// Revoke an API key by its id (printed by apikey-create); takes effect on every node at once.
    ApikeyRevoke(ApiKeyRevokeArgs),
    /// Import data from other systems (see `porten import acd --help`).
    Import(ImportArgs),
    /// Write a consistent copy of the SQLite database to a new file while Porten keeps running
    /// (on PostgreSQL use pg_dump).
    Backup(BackupArgs),
    /// Print the OpenAPI document of the JSON API.
    Openapi,
    /// Dimension a contact-center queue with Erlang C/A (see `porten staffing --help`).
    Staffing(staffing::StaffingArgs),
    /// List the background jobs with their state, attempts and last error; `porten jobs retry --id N`
    /// queues a dead job again.
    Jobs(JobsArgs),
    /// Fill a database that holds a city (start it once with `serve --demo`) with generated errands
    /// for scale benchmarks: three years of them, most closed, a few per cent active. Run it while no
    /// server writes to the database; see BENCHMARKS.md.
    LoadErrands(LoadErrandsArgs),
    /// Take one e-mail message from stdin (an MTA pipe) into the registry: print the registry number
    /// of the errand it opened or joined. Exits 75 (try again) when the database is unreachable, 65
    /// when the message is refused.
    MailIntake(mail_intake::MailIntakeArgs),
}

#[derive(clap::Args, Debug)]
struct LoadErrandsArgs {
    #[command(flatten)]
    db: DbArgs,
    /// How many errands to add.
    #[arg(long, default_value_t = 1_000_000)]
    count: usize,
    /// The generator's seed: the same seed gives the same errands.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

#[derive(clap::Args, Debug)]
struct JobsArgs {
    #[command(flatten)]
    db: DbArgs,
    /// How many of the latest jobs to list.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    #[command(subcommand)]
    action: Option<JobsAction>,
}

#[derive(Subcommand, Debug)]
enum JobsAction {
    /// Queue a dead job again, with its attempts reset.
    Retry {
        /// The job's id (from `porten jobs`).
        #[arg(long)]
        id: i64,
    },
}

#[derive(clap::Args, Debug)]
pub(crate) struct DbArgs {
    /// Database URL: sqlite://path/to/file.db or postgres://user@host/db.
    /// Default: sqlite://porten-data/porten.db
    #[arg(long, global = true, env = "PORTEN_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on (port 0 picks a free port). Default: 127.0.0.1:8080
    #[arg(long, env = "PORTEN_LISTEN", value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Create a fictional demo city (once) with users, services, errands and an API key.
    #[arg(long)]
    demo: bool,
    /// Seconds a node holds a background job without renewing its lease before another node
    /// takes the job over. Default: 60
    #[arg(long, env = "PORTEN_JOB_LEASE_SECONDS", value_name = "S")]
    job_lease_seconds: Option<u64>,
    /// A folder of e-service definitions (one TOML file per service), checked at start.
    /// Default with --demo: the demo city's.
    #[arg(long, env = "PORTEN_ESERVICES_DIR", value_name = "DIR")]
    eservices_dir: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct UserAddArgs {
    #[command(flatten)]
    db: DbArgs,
    #[arg(long)]
    username: String,
    #[arg(long)]
    display_name: String,
    /// citizen, agent, case_officer, unit_admin or system_admin
    #[arg(long)]
    role: String,
    /// Unit code for case officers, unit admins and agents.
    #[arg(long)]
    unit: Option<String>,
}

#[derive(clap::Args, Debug)]
struct ApiKeyArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Name of the system the key is for.
    #[arg(long)]
    name: String,
    /// Scopes: errands:read, errands:write, catalogue:read (repeatable).
    #[arg(long = "scope", required = true)]
    scopes: Vec<String>,
}

#[derive(clap::Args, Debug)]
struct ImportArgs {
    #[command(subcommand)]
    what: ImportWhat,
}

#[derive(Subcommand, Debug)]
enum ImportWhat {
    /// ACD interval statistics as CSV (interval_start,offered,answered,abandoned,aht_seconds), used by the
    /// planning page instead of registered errands for that channel. Times without an offset are Stockholm time.
    Acd(AcdImportArgs),
}

#[derive(clap::Args, Debug)]
struct AcdImportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The channel the statistics describe: phone, visit, email or web.
    #[arg(long, default_value = "phone")]
    channel: String,
    /// Interval length in minutes (15, 30 or 60); default: the shortest step in the file.
    #[arg(long)]
    interval_minutes: Option<u32>,
    /// The CSV file.
    file: PathBuf,
}

#[derive(clap::Args, Debug)]
struct BackupArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The file to create; it must not exist.
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
}

#[derive(clap::Args, Debug)]
struct ApiKeyRevokeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The key's id.
    #[arg(long)]
    id: i64,
}

fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PORTEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colours only for a person at a terminal, never into a log file.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> std::process::ExitCode {
    match run_cli() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run_cli() -> Result<()> {
    let cli = Cli::parse();
    if let Command::Staffing(args) = cli.command {
        return staffing::run(args);
    }
    init_tracing(&cli.log_format);
    if let Command::MailIntake(args) = cli.command {
        // Its own exit statuses, as an MTA reads them.
        std::process::exit(i32::from(mail_intake::main(args, cli.config.as_deref())));
    }
    let file = Config::load(cli.config.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(cli.command, file))
}

pub(crate) async fn open_app(db: &DbArgs, file: &Config) -> Result<App> {
    let url = file.database_url(db.database_url.as_deref());
    let store = porten_store::open(&url).await.with_context(|| format!("opening database {}", redact_url(&url)))?;
    store.migrate().await.context("migrating the database")?;
    Ok(App::new(store))
}

/// Hides a password in a database URL before it is printed.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

async fn run(command: Command, file: Config) -> Result<()> {
    match command {
        Command::Serve(args) => serve(args, file).await,
        Command::Migrate(db) => {
            open_app(&db, &file).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::UserAdd(args) => {
            let app = open_app(&args.db, &file).await?;
            let cli = cli_actor();
            let role = Role::parse(&args.role).context("unknown role")?;
            let unit = args.unit.as_deref().map(UnitCode::parse).transpose().map_err(|e| anyhow::anyhow!("{e}"))?;
            let password =
                std::env::var("PORTEN_PASSWORD").context("set PORTEN_PASSWORD to the new user's password")?;
            let id = app.create_user(&cli, &args.username, &args.display_name, role, unit, &password).await?;
            println!("created user {} (id {id})", args.username);
            Ok(())
        }
        Command::ApikeyCreate(args) => {
            let app = open_app(&args.db, &file).await?;
            let scopes = args
                .scopes
                .iter()
                .map(|s| Scope::parse(s).with_context(|| format!("unknown scope {s}")))
                .collect::<Result<Vec<_>>>()?;
            let issued = app.create_api_key(&cli_actor(), &args.name, &scopes, None).await?;
            eprintln!("created API key id {} for {}; store the key now, it is not shown again", issued.id, args.name);
            println!("{}", issued.secret);
            Ok(())
        }
        Command::ApikeyRevoke(args) => {
            let app = open_app(&args.db, &file).await?;
            match app.revoke_api_key(&cli_actor(), args.id).await {
                Err(porten_app::AppError::NotFound) => bail!("no active API key has id {}", args.id),
                other => other?,
            }
            println!("revoked API key {}", args.id);
            Ok(())
        }
        Command::Import(ImportArgs { what: ImportWhat::Acd(args) }) => {
            let app = open_app(&args.db, &file).await?;
            let n = import::acd(&app, &args.channel, &args.file, args.interval_minutes).await?;
            println!("imported {n} intervals");
            Ok(())
        }
        Command::Backup(args) => {
            let app = open_app(&args.db, &file).await?;
            app.backup(&cli_actor(), &args.to).await.with_context(|| format!("backing up to {}", args.to.display()))?;
            println!("backup written to {}", args.to.display());
            Ok(())
        }
        Command::LoadErrands(args) => {
            let app = open_app(&args.db, &file).await?;
            let n = load::errands(&app, args.count, args.seed).await?;
            println!("loaded {n} errands");
            Ok(())
        }
        Command::Openapi => {
            println!("{}", porten_web::openapi_json());
            Ok(())
        }
        Command::Jobs(args) => {
            let app = open_app(&args.db, &file).await?;
            match args.action {
                Some(JobsAction::Retry { id }) => match app.retry_job(&cli_actor(), id).await {
                    Err(porten_app::AppError::NotFound) => bail!("no dead job has id {id}"),
                    other => {
                        other?;
                        println!("job {id} queued again");
                    }
                },
                None => print!("{}", jobs_table(&app.jobs(&cli_actor(), args.limit).await?)),
            }
            Ok(())
        }
        Command::Staffing(_) | Command::MailIntake(_) => bail!("handled before the runtime starts"),
    }
}

/// Who a command-line command acts as: whoever may run `porten` on the
/// server administers the installation. Audit entries name the command.
fn cli_actor() -> porten_domain::Actor {
    porten_domain::Actor::System { name: "porten command line".into() }
}

/// `porten jobs` output: one line per job, tab-separated, with a header.
fn jobs_table(jobs: &[porten_store::Job]) -> String {
    let mut out = String::from("id\tkind\tstate\tattempts\trun_at\tlease_owner\tlast_error\n");
    for j in jobs {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}/{}\t{}\t{}\t{}\n",
            j.id,
            j.kind,
            j.state.as_str(),
            j.attempts,
            j.max_attempts,
            j.run_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            j.lease_owner.as_deref().unwrap_or("-"),
            j.last_error.as_deref().unwrap_or("-").replace(['\t', '\n'], " "),
        ));
    }
    out
}

async fn serve(args: ServeArgs, file: Config) -> Result<()> {
    let definitions = match args.eservices_dir.as_deref().or(file.eservices_dir.as_deref()) {
        Some(dir) => porten_app::eservices::load_definitions(dir),
        None if args.demo => demo::eservices(),
        None => Ok(Vec::new()),
    };
    let definitions = definitions.map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the e-service definitions have errors:\n{}", lines.join("\n"))
    })?;
    tracing::info!(count = definitions.len(), "e-service definitions loaded");
    let smtp = file.smtp()?;
    if smtp.is_none() {
        tracing::warn!("no SMTP relay configured (PORTEN_SMTP_URL): mail waits in the outbox");
    }
    let mut web = file.web_config();
    let listen = args.listen.or(file.listen).unwrap_or_else(|| "127.0.0.1:8080".parse().expect("valid address"));
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    // Links in mail lead to the public address, or else to where this node listens.
    let public_url = web.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let site = match file.site()? {
        Some(site) => {
            if file.city_name_sv.is_none() {
                web.city_name_sv = site.name_sv.clone();
                web.city_name_en = site.name_en.clone();
            }
            site
        }
        None if args.demo => demo::site()?,
        None => Default::default(),
    };
    let database_url = file.database_url(args.db.database_url.as_deref());
    let mut app = open_app(&args.db, &file)
        .await?
        .with_eservices(definitions)
        .with_public_url(&public_url)
        .with_receipt_limits(file.receipt_limits())
        .with_portal(site, file.search_dir(&database_url));
    if let Some(words) = file.word_list()? {
        tracing::info!(words = words.len(), "search statistics keep the words of the word list");
        app = app.with_word_list(words);
    }
    if let Some(settings) = file.eid(&public_url)? {
        tracing::info!(issuer = %settings.issuer, "citizens sign in with e-ID through OpenID Connect");
        app = app.with_eid(porten_app::eid::Eid::new(settings)?);
    }
    if let Some(oidc) = file.staff_oidc(&public_url)? {
        tracing::info!("staff sign in through the city's identity provider (OpenID Connect)");
        app = app.with_staff_oidc(oidc);
    }
    if args.demo {
        web.demo_eid = true;
        let city = demo::seed(&app).await.context("creating the demo city")?;
        web.city_name_sv = city.name_sv;
        web.city_name_en = city.name_en;
    }
    let keep_days = file.contact_agent_retention_days.unwrap_or(porten_app::contacts::DEFAULT_AGENT_RETENTION_DAYS);
    let lease = args.job_lease_seconds.or(file.job_lease_seconds).unwrap_or(porten_app::jobs::DEFAULT_LEASE_SECONDS);
    let runner = JobRunner::new(app.clone(), std::time::Duration::from_secs(lease.max(1)), keep_days).with_mail(smtp);
    runner.schedule_recurring().await.context("scheduling the recurring jobs")?;
    tokio::spawn(runner.run());
    tokio::spawn(app.clone().follow_changes());
    let state = porten_web::AppState::new(app, web, porten_web::install_metrics());
    let router = porten_web::router(state);
    println!("porten listening on http://{addr}");
    tracing::info!(%addr, "serving");
    let limits = file.serve_limits();
    porten_web::serve(listener, router, limits, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            super::redact_url("postgres://porten:hemligt@db:5432/porten"),
            "postgres://porten:***@db:5432/porten"
        );
        assert_eq!(super::redact_url("sqlite://porten-data/porten.db"), "sqlite://porten-data/porten.db");
    }
}

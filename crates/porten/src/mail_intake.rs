//! `porten mail-intake`: takes one e-mail message on stdin, the way an MTA
//! pipe delivers it (Postfix `mailbox_command`, a `|porten mail-intake`
//! alias), and prints the registry number of the errand it opened or joined.
//!
//! Exit status, as MTAs read it (`sysexits.h`):
//! - 0: taken in (or dropped on purpose: Porten's own mail, a machine's
//!   mail about no errand; the reason goes to stderr);
//! - 65 (`EX_DATAERR`): the message is refused (not a mail, too large, no
//!   sender); the MTA bounces it;
//! - 75 (`EX_TEMPFAIL`): Porten could not take it now (the database is
//!   unreachable); the MTA keeps it and tries again, instead of bouncing to
//!   a sender who may be forged.

use std::io::Read;
use std::path::Path;

use porten_app::App;
use porten_app::intake::{Intake, IntakeError, MAX_MAIL_BYTES};

use crate::config::Config;

/// The message is refused.
pub const EX_DATAERR: u8 = 65;
/// Try again later.
pub const EX_TEMPFAIL: u8 = 75;

/// The demo city's addresses: the contact center's, and building permits'.
pub const DEMO_ROUTES: [(&str, &str); 2] =
    [("kontaktcenter@example.org", "general-question"), ("bygglov@example.org", "building-permit")];

#[derive(clap::Args, Debug)]
pub struct MailIntakeArgs {
    #[command(flatten)]
    pub db: crate::DbArgs,
    /// Route mail as the demo city does (kontaktcenter@example.org to the
    /// contact center, bygglov@example.org to Stadsbyggnadskontoret) when no
    /// routes are configured.
    #[arg(long)]
    pub demo: bool,
    /// Poll the mailbox of `mail_imap_url` (IMAP over TLS, IDLE where
    /// offered) instead of reading stdin, until stopped; taken mail is
    /// moved to `mail_imap_folder`. With several nodes, one poller runs at
    /// a time under a job lease.
    #[arg(long)]
    pub imap: bool,
}

/// Runs the command; its exit status.
pub fn main(args: MailIntakeArgs, config: Option<&Path>) -> u8 {
    if args.imap {
        return match poll_imap(&args, config) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("mail-intake --imap: {e:#}");
                1
            }
        };
    }
    let mut raw = Vec::new();
    if let Err(e) = std::io::stdin().take(MAX_MAIL_BYTES as u64 + 1).read_to_end(&mut raw) {
        eprintln!("mail-intake: could not read the message: {e}");
        return EX_TEMPFAIL;
    }
    // A broken configuration is the administrator's to mend: the MTA keeps
    // the mail meanwhile.
    let file = match Config::load(config) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("mail-intake: could not take the message now, try again later: {e:#}");
            return EX_TEMPFAIL;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mail-intake: {e}");
            return EX_TEMPFAIL;
        }
    };
    match runtime.block_on(take(&args, &file, &raw)) {
        Ok(line) => {
            println!("{line}");
            0
        }
        Err(IntakeError::Refused(why)) => {
            eprintln!("mail-intake: the message is refused: {why}");
            EX_DATAERR
        }
        Err(IntakeError::Unavailable(why)) => {
            eprintln!("mail-intake: could not take the message now, try again later: {why}");
            EX_TEMPFAIL
        }
    }
}

async fn take(args: &MailIntakeArgs, file: &Config, raw: &[u8]) -> Result<String, IntakeError> {
    // A message that is no mail is refused before the database is asked.
    porten_app::intake::read(raw)?;
    let demo: &[(&str, &str)] = if args.demo { &DEMO_ROUTES } else { &[] };
    let settings = file.intake(demo).map_err(|e| IntakeError::Unavailable(format!("{e:#}")))?;
    let app = open(args, file).await.map_err(|e| IntakeError::Unavailable(format!("{e:#}")))?;
    Ok(match app.receive_mail(raw, &settings).await? {
        Intake::Opened { errand, .. } | Intake::Joined(errand) | Intake::Noted(errand) | Intake::Repeated(errand) => {
            errand.registry_number.to_string()
        }
        Intake::Dropped(why) => {
            eprintln!("mail-intake: dropped: {why}");
            "dropped".into()
        }
    })
}

/// How long the database may take to answer before the MTA is told to try again.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

async fn open(args: &MailIntakeArgs, file: &Config) -> anyhow::Result<App> {
    let public_url = file.web_config().public_url.unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let app = tokio::time::timeout(CONNECT_TIMEOUT, crate::open_app(&args.db, file))
        .await
        .map_err(|_| anyhow::anyhow!("the database did not answer within {} s", CONNECT_TIMEOUT.as_secs()))??;
    Ok(app.with_public_url(&public_url))
}

/// `--imap`: runs the poller job until stopped (Ctrl-C, SIGTERM).
fn poll_imap(args: &MailIntakeArgs, config: Option<&Path>) -> anyhow::Result<()> {
    let file = Config::load(config)?;
    let imap =
        file.imap()?.ok_or_else(|| anyhow::anyhow!("set mail_imap_url (PORTEN_MAIL_IMAP_URL) to poll a mailbox"))?;
    let demo: &[(&str, &str)] = if args.demo { &DEMO_ROUTES } else { &[] };
    let intake = file.intake(demo)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let app = open(args, &file).await?;
        let lease = std::time::Duration::from_secs(
            file.job_lease_seconds.unwrap_or(porten_app::jobs::DEFAULT_LEASE_SECONDS).max(1),
        );
        let runner = porten_app::jobs::JobRunner::only(app, lease, porten_app::imap::IMAP_JOB, move |cx| {
            porten_app::imap::poll_job(imap.clone(), intake.clone(), cx)
        })
        .await?;
        tracing::info!(node = runner.node(), "polling the mailbox under the job lease");
        tokio::select! {
            () = runner.run() => {},
            _ = tokio::signal::ctrl_c() => {},
        }
        Ok(())
    })
}

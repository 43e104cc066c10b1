//! The IMAP poller of e-mail intake (`porten mail-intake --imap`, issue 20):
//! it takes each mail in the mailbox's INBOX as the MTA pipe would
//! ([`App::receive_mail`]) and moves it to a folder once the database has
//! committed it. IMAP over TLS (`async-imap` on `tokio-rustls`), with IDLE
//! where the server offers it.
//!
//! It runs as the job [`IMAP_JOB`] under a job lease, so with several nodes
//! one poller runs at a time and another takes over when its node stops. A
//! mail whose move failed after it was taken is fetched again and taken
//! once (the intake's dedupe key), then moved.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::{TlsConnector, rustls};

use crate::App;
use crate::intake::{IntakeError, IntakeSettings};
use crate::jobs::{Finished, JobContext};

/// The job kind of the poller; one runs at a time under its lease.
pub const IMAP_JOB: &str = "mail.imap";

/// A logged-in IMAP session over TLS.
pub type Imap = Session<TlsStream<TcpStream>>;

/// Where and how to reach the mailbox (`docs/CONFIGURATION.md`).
#[derive(Clone, Debug)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    /// A PEM file of the roots to trust instead of the public ones (a
    /// server with the city's own certificate authority).
    pub ca_file: Option<PathBuf>,
    /// Where taken mail goes.
    pub folder: String,
    /// Where refused mail goes (not a mail, no sender).
    pub refused_folder: String,
    /// How long one claim of the job polls before it is claimed again.
    pub session: StdDuration,
    /// How long to wait between polls when the server offers no IDLE.
    pub poll: StdDuration,
}

impl ImapSettings {
    /// Reads `imaps://host[:port]`; checked at start.
    pub fn new(url: &str, user: &str, password: &str) -> Result<Self, String> {
        let bad = || format!("PORTEN_MAIL_IMAP_URL: expected imaps://host[:port], got {url:?}");
        let rest = url.strip_prefix("imaps://").ok_or_else(bad)?.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (host, port.parse().map_err(|_| bad())?),
            None => (rest, 993),
        };
        if host.is_empty() || host.contains(['@', '/']) {
            return Err(bad());
        }
        Ok(Self {
            host: host.trim_matches(['[', ']']).to_owned(),
            port,
            user: user.to_owned(),
            password: password.to_owned(),
            ca_file: None,
            folder: "Porten/Intagen".into(),
            refused_folder: "Porten/Avvisade".into(),
            session: StdDuration::from_secs(600),
            poll: StdDuration::from_secs(60),
        })
    }
}

fn tls(ca: Option<&PathBuf>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| format!("{}: {e}", path.display()))? {
                roots.add(cert.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

/// Connects over TLS and logs in.
pub async fn connect(s: &ImapSettings) -> Result<Imap, String> {
    let tcp = tokio::time::timeout(StdDuration::from_secs(30), TcpStream::connect((s.host.as_str(), s.port)))
        .await
        .map_err(|_| "IMAP: the connection timed out".to_owned())?
        .map_err(|e| format!("IMAP: {e}"))?;
    let name = ServerName::try_from(s.host.clone()).map_err(|e| format!("IMAP: {e}"))?;
    let stream =
        TlsConnector::from(tls(s.ca_file.as_ref())?).connect(name, tcp).await.map_err(|e| format!("IMAP TLS: {e}"))?;
    let mut client = Client::new(stream);
    client.read_response().await.map_err(|e| format!("IMAP: {e}"))?.ok_or("IMAP: no greeting")?;
    client.login(&s.user, &s.password).await.map_err(|(e, _)| format!("IMAP login: {e}"))
}

/// Moves a message out of INBOX (MOVE, else COPY, flag and expunge).
async fn move_out(session: &mut Imap, uid: u32, folder: &str, has_move: bool) -> Result<(), String> {
    let e = |e: async_imap::error::Error| format!("IMAP: {e}");
    if has_move {
        return session.uid_mv(uid.to_string(), folder).await.map_err(e);
    }
    session.uid_copy(uid.to_string(), folder).await.map_err(e)?;
    session.run_command_and_check_ok(format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)")).await.map_err(e)?;
    session.run_command_and_check_ok(format!("UID EXPUNGE {uid}")).await.map_err(e)
}

/// What one poll did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Polled {
    pub taken: usize,
    pub refused: usize,
}

/// Takes every mail now in INBOX and moves it out. A mail Porten cannot
/// take now (the database) stays in INBOX, and the poll ends with the error.
async fn poll_once(
    app: &App,
    session: &mut Imap,
    imap: &ImapSettings,
    intake: &IntakeSettings,
) -> Result<Polled, String> {
    let e = |e: async_imap::error::Error| format!("IMAP: {e}");
    let has_move = session.capabilities().await.map_err(e)?.has_str("MOVE");
    session.select("INBOX").await.map_err(e)?;
    let mut uids: Vec<u32> = session.uid_search("ALL").await.map_err(e)?.into_iter().collect();
    uids.sort_unstable();
    let mut polled = Polled::default();
    for uid in uids {
        let fetched: Vec<_> =
            session.uid_fetch(uid.to_string(), "(UID BODY.PEEK[])").await.map_err(e)?.try_collect().await.map_err(e)?;
        let Some(raw) = fetched.iter().find(|f| f.uid == Some(uid)).and_then(|f| f.body()).map(<[u8]>::to_vec) else {
            continue;
        };
        let folder = match app.receive_mail(&raw, intake).await {
            Ok(_) => {
                polled.taken += 1;
                &imap.folder
            }
            Err(IntakeError::Refused(why)) => {
                tracing::warn!(uid, %why, "IMAP: a message was refused; moved aside");
                polled.refused += 1;
                &imap.refused_folder
            }
            Err(IntakeError::Unavailable(why)) => return Err(format!("could not take mail now: {why}")),
        };
        move_out(session, uid, folder, has_move).await?;
    }
    Ok(polled)
}

/// Connects, makes the folders, and polls: at once, then whenever the
/// server says mail arrived (IDLE) or at the poll interval, for one session.
pub async fn poll(app: &App, imap: &ImapSettings, intake: &IntakeSettings) -> Result<Polled, String> {
    let mut session = connect(imap).await?;
    for folder in [&imap.folder, &imap.refused_folder] {
        // Made once; "already exists" is no error here.
        let _ = session.create(folder).await;
    }
    let has_idle = session.capabilities().await.map_err(|e| format!("IMAP: {e}"))?.has_str("IDLE");
    let until = tokio::time::Instant::now() + imap.session;
    let mut total = Polled::default();
    loop {
        let polled = poll_once(app, &mut session, imap, intake).await?;
        total.taken += polled.taken;
        total.refused += polled.refused;
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            break;
        }
        if has_idle {
            let mut idle = session.idle();
            idle.init().await.map_err(|e| format!("IMAP IDLE: {e}"))?;
            let (wait, _stop) = idle.wait_with_timeout(left.min(StdDuration::from_secs(25 * 60)));
            let woke = wait.await.map_err(|e| format!("IMAP IDLE: {e}"))?;
            session = idle.done().await.map_err(|e| format!("IMAP IDLE: {e}"))?;
            if matches!(woke, IdleResponse::Timeout) && tokio::time::Instant::now() >= until {
                break;
            }
        } else {
            tokio::time::sleep(left.min(imap.poll)).await;
        }
    }
    let _ = session.logout().await;
    Ok(total)
}

/// The [`IMAP_JOB`] handler: one session of polling, then claimed again.
pub async fn poll_job(imap: ImapSettings, intake: IntakeSettings, cx: JobContext) -> Result<Finished, String> {
    let polled = poll(&cx.app, &imap, &intake).await?;
    if polled.taken + polled.refused > 0 {
        tracing::info!(taken = polled.taken, refused = polled.refused, "IMAP session ended");
    }
    Ok(Finished::Again(cx.app.now()))
}

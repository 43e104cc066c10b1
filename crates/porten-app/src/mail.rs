//! Delivering the mail outbox over SMTP (`lettre`): the `mail.send` job
//! hands one queued mail to the SMTP server and marks it sent. When the
//! server is down the job is retried with backoff, so nothing is lost; the
//! mail stays in the outbox until it goes out. Delivery is at least once: a
//! node that dies between the server's acceptance and marking the mail sent
//! sends it again.

use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use porten_domain::{Actor, Command};
use porten_store::{Mail, WaitingMail};

/// The job kind that delivers the mail outbox.
pub use porten_store::MAIL_JOB;

use crate::jobs::{Finished, JobContext};
use crate::{App, AppError, Result, require_admin};

/// Where mail goes and whom it is from.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    /// The relay's host and port, from `smtp://host:port`. The connection is
    /// plain SMTP without authentication: a relay on the local network (or
    /// the same host) that forwards the city's mail.
    pub host: String,
    pub port: u16,
    /// The sender, e.g. `Lindhamns stad <noreply@lindhamn.se>`.
    pub from: Mailbox,
}

impl SmtpSettings {
    /// Checks the settings at start, so a typo is found before mail is.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let bad = || format!("PORTEN_SMTP_URL: expected smtp://host:port, got {url:?}");
        let rest = url.strip_prefix("smtp://").ok_or_else(bad)?.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (host, port.parse().map_err(|_| bad())?),
            None => (rest, 25),
        };
        if host.is_empty() || host.contains(['@', '/']) {
            return Err(bad());
        }
        let from = from.parse().map_err(|e| format!("PORTEN_MAIL_FROM: {e}"))?;
        Ok(Self { host: host.trim_matches(['[', ']']).to_owned(), port, from })
    }
}

/// What Porten writes in its loop header ([`porten_domain::mail::LOOP_HEADER`]).
const LOOP_VALUE: &str = "porten";

fn message(from: &Mailbox, mail: &Mail) -> Result<Message, String> {
    let to: Mailbox = mail.recipient.parse().map_err(|e| format!("the recipient is not an address: {e}"))?;
    let raw =
        |name: &'static str, value: &str| HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned());
    let t = &mail.thread;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(t.message_id.as_ref().map(|id| format!("<{id}>")))
        // Porten's own mail is dropped when it comes back, and asks other
        // systems not to answer it automatically (two systems must never loop).
        .raw_header(raw(porten_domain::mail::LOOP_HEADER, LOOP_VALUE))
        .raw_header(raw("X-Auto-Response-Suppress", "All"));
    if let Some(answers) = &t.in_reply_to {
        builder = builder.in_reply_to(format!("<{answers}>")).references(format!("<{answers}>"));
    }
    if let Some(auto) = &t.auto_submitted {
        builder = builder.raw_header(raw("Auto-Submitted", auto));
    }
    builder.header(ContentType::TEXT_PLAIN).body(mail.body.clone()).map_err(|e| e.to_string())
}

/// The `mail.send` job: sends the outbox mail named in its payload.
pub async fn send_job(settings: Option<SmtpSettings>, cx: JobContext) -> Result<Finished, String> {
    let id = serde_json::from_str::<serde_json::Value>(&cx.job.payload)
        .ok()
        .and_then(|v| v["mail"].as_i64())
        .ok_or("the payload names no mail")?;
    let Some(mail) = cx.app.store.mail(id).await.map_err(|e| e.to_string())? else {
        return Err(format!("mail {id} is not in the outbox"));
    };
    if !mail.waiting() {
        return Ok(Finished::Done);
    }
    let settings = settings.ok_or("no SMTP server is configured (PORTEN_SMTP_URL); the mail waits in the outbox")?;
    let transport =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str()).port(settings.port).build();
    match transport.send(message(&settings.from, &mail)?).await {
        Ok(_) => {}
        // A 5xx answer: trying again will not help. The mail is marked
        // refused, and the errand it was about says so.
        Err(e) if e.is_permanent() => {
            let answer = e.to_string();
            tracing::warn!(mail = id, error = %answer, "the relay refused a mail for good");
            cx.app.store.refuse_mail(id, &answer, cx.app.now()).await.map_err(|e| e.to_string())?;
            if let Some(errand) = mail.thread.errand_id {
                cx.app.note_refused_mail(errand, &mail.recipient, &answer).await.map_err(|e| e.to_string())?;
            }
            return Ok(Finished::Done);
        }
        Err(e) => return Err(format!("SMTP: {e}")),
    }
    cx.app.store.mark_mail_sent(id, cx.app.now()).await.map_err(|e| e.to_string())?;
    tracing::info!(mail = id, "mail sent");
    Ok(Finished::Done)
}

impl App {
    /// The mail waiting to go out, oldest first, for system admins. The
    /// recipients are personal data: the read is audited.
    pub async fn outbox(&self, actor: &Actor, limit: u32) -> Result<Vec<WaitingMail>> {
        require_admin(actor)?;
        let waiting = self.store.waiting_mail(limit).await?;
        self.audit(actor, "outbox.read", None, None).await?;
        Ok(waiting)
    }

    /// How many mails wait, and the age of the oldest in seconds.
    pub async fn mail_backlog(&self, actor: &Actor) -> Result<(u64, f64)> {
        require_admin(actor)?;
        let (n, oldest) = self.store.mail_backlog().await?;
        let age = oldest.map_or(0.0, |at| (self.now() - at).num_milliseconds().max(0) as f64 / 1000.0);
        Ok((n, age))
    }

    /// Tries a waiting mail again at once (audited).
    pub async fn retry_mail(&self, actor: &Actor, id: i64) -> Result<()> {
        require_admin(actor)?;
        if !self.store.retry_mail(id, self.now()).await? {
            return Err(AppError::NotFound);
        }
        self.audit(actor, "mail.retry", None, Some(&format!("mail {id}"))).await
    }

    /// Gives a waiting mail up: it is never sent (audited).
    pub async fn give_up_mail(&self, actor: &Actor, id: i64) -> Result<()> {
        require_admin(actor)?;
        if !self.store.give_up_mail(id, self.now()).await? {
            return Err(AppError::NotFound);
        }
        self.audit(actor, "mail.give_up", None, Some(&format!("mail {id}"))).await
    }

    /// Notes on an errand (by its row id) that a mail about it was refused.
    async fn note_refused_mail(&self, errand_id: i64, recipient: &str, answer: &str) -> Result<()> {
        let Some(errand) = self.store.errands_by_ids(&[errand_id]).await?.pop() else { return Ok(()) };
        let body = format!("E-post till {recipient} kunde inte levereras; mottagarens server svarade: {answer}");
        let note = Command::AddNote { body: body.chars().take(2000).collect() };
        self.act_on_errand(&Actor::System { name: "E-post".into() }, errand.public_id, None, note).await?;
        Ok(())
    }
}

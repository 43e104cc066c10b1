//! E-mail intake (*e-post in*, issue 20): one RFC 5322 message, as an MTA
//! pipes it to `porten mail-intake` or the IMAP poller fetches it, becomes a
//! new errand in the queue its address routes to, or a message on the
//! errand it answers, by the rules of [`porten_domain::mail`]. Parsing is
//! `mail-parser`'s: multipart, HTML-only mail as text, encoded headers, and
//! attachments, which are told by their content like uploads.

use mail_parser::{MessageParser, MimeHeaders};
use porten_domain::errand::{Direction, RawErrand, RawParty};
use porten_domain::mail::{self, InboundFile, InboundMail, NotJoined, Thread};
use porten_domain::{Actor, Command, Errand, NewErrand, PublicId};
use porten_store::{
    AUTO_REPLIED, FileRef, InboundRecord, IntakeWrite, MailThread, NewMail, OwnedRegistration, REGISTRY_NUMBER,
    StoreError, TRACKING_TOKEN,
};
use sha2::{Digest, Sha256};

use crate::eservices::files::check_file;
use crate::{App, AppError};

/// The largest mail taken in; a larger one is refused.
pub const MAX_MAIL_BYTES: usize = 40 * 1024 * 1024;
/// Attachments taken from one mail; more are noted on the errand, not kept.
pub const MAX_FILES: usize = 10;
/// The e-service field an attachment of a mail is filed under.
pub const MAIL_FIELD: &str = "e-post";

/// How mail is taken in (`docs/CONFIGURATION.md`).
#[derive(Clone, Debug)]
pub struct IntakeSettings {
    /// Address (lower case) → service code: the address a mail was sent to
    /// picks the service, and so the unit whose queue it lands in.
    pub routes: Vec<(String, String)>,
    /// The service of mail to any other address (the contact center's).
    pub default_service: String,
    /// The `authserv-id` of the receiving server whose
    /// `Authentication-Results` are trusted; with one, a mail joins an
    /// existing errand only if DMARC (or SPF and DKIM) passed for its sender.
    pub trusted_authserv_id: Option<String>,
    /// Auto-replies one address gets in a day at most.
    pub auto_replies_per_day: u32,
    /// Porten's own addresses (its sender): mail from them is dropped.
    pub own_addresses: Vec<String>,
}

impl Default for IntakeSettings {
    fn default() -> Self {
        Self {
            routes: Vec::new(),
            default_service: "general-question".into(),
            trusted_authserv_id: None,
            auto_replies_per_day: 10,
            own_addresses: Vec::new(),
        }
    }
}

/// What became of a mail.
#[derive(Clone, Debug)]
pub enum Intake {
    /// It opened this errand; `linked_to` names the errand it named but did
    /// not join, and why.
    Opened { errand: Errand, replied: bool, linked_to: Option<NotJoined> },
    /// It was added to this errand as a message.
    Joined(Errand),
    /// A machine's mail (a bounce, an auto-reply) about this errand, noted on it.
    Noted(Errand),
    /// It had been taken in before, into this errand.
    Repeated(Errand),
    /// Dropped, and why: Porten's own mail, or a machine's about no errand.
    Dropped(String),
}

/// Why a mail was not taken in.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The mail itself is refused; taking it again would not help.
    #[error("refused: {0}")]
    Refused(String),
    /// Porten could not take it now (the database is unreachable): try again.
    #[error("try again later: {0}")]
    Unavailable(String),
}

impl From<AppError> for IntakeError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(v) => Self::Refused(format!("{v:?}")),
            other => Self::Unavailable(other.to_string()),
        }
    }
}

/// Reads a message: its headers, its text (HTML-only mail as text), its
/// attachments; `None` when it is not a mail at all.
pub fn parse(raw: &[u8]) -> Option<InboundMail> {
    let message = MessageParser::default().parse(raw)?;
    let headers: Vec<(String, String)> = message
        .headers_raw()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect();
    fn raw_header<'h>(headers: &'h [(String, String)], name: &'h str) -> impl Iterator<Item = &'h str> {
        headers.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }
    let from = message.from().and_then(|a| a.first());
    let address = |a: &str| a.trim().trim_matches(['<', '>']).to_ascii_lowercase();
    let from_address = from.and_then(|a| a.address()).map(address).filter(|a| a.contains('@'));
    let mut recipients: Vec<String> =
        raw_header(&headers, "delivered-to").chain(raw_header(&headers, "x-original-to")).map(address).collect();
    for list in [message.to(), message.cc()].into_iter().flatten() {
        recipients.extend(list.iter().filter_map(|a| a.address()).map(address));
    }
    let ids = |v: &mail_parser::HeaderValue| -> Vec<String> {
        match v {
            mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
            mail_parser::HeaderValue::TextList(l) => l.iter().rev().map(|t| t.to_string()).collect(),
            _ => Vec::new(),
        }
    };
    let mut answers = ids(message.in_reply_to());
    answers.extend(ids(message.references()));
    answers.dedup();
    let content_type = message
        .root_part()
        .content_type()
        .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()))
        .unwrap_or_default();
    let attachments = message
        .attachments()
        .filter(|p| !p.is_message())
        .map(|p| InboundFile {
            name: p.attachment_name().unwrap_or("bilaga").chars().filter(|c| !c.is_control()).take(200).collect(),
            content: p.contents().to_vec(),
        })
        .collect();
    Some(InboundMail {
        message_id: message.message_id().map(str::to_owned).filter(|m| !m.is_empty()),
        answers,
        from_name: from.and_then(|a| a.name()).unwrap_or_default().trim().to_owned(),
        automatic: mail::automatic(&headers, &content_type, from_address.as_deref()),
        from: from_address,
        recipients,
        subject: message.subject().unwrap_or_default().trim().to_owned(),
        text: text(&message),
        own: raw_header(&headers, &mail::LOOP_HEADER.to_ascii_lowercase()).next().is_some(),
        authentication_results: raw_header(&headers, "authentication-results").map(str::to_owned).collect(),
        attachments,
    })
}

/// The mail's text: its plain-text body, or for HTML-only mail (Outlook)
/// the HTML above the quoted earlier mail, as text.
fn text(message: &mail_parser::Message) -> String {
    let text = match message.text_part(0) {
        Some(part) if part.is_text_html() => {
            let html = part.text_contents().unwrap_or_default();
            mail_parser::decoders::html::html_to_text(&mail::html_before_quote(html))
        }
        _ => message.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
    };
    text.replace("\r\n", "\n").replace('\u{a0}', " ")
}

/// Reads a message as intake takes it: at most [`MAX_MAIL_BYTES`], a mail,
/// with a sender address; the mail and its sender, or why it is refused.
pub fn read(raw: &[u8]) -> std::result::Result<(InboundMail, String), IntakeError> {
    if raw.len() > MAX_MAIL_BYTES {
        return Err(IntakeError::Refused(format!("the mail is larger than {} MB", MAX_MAIL_BYTES >> 20)));
    }
    let mail = parse(raw).filter(|m| !m.subject.is_empty() || !m.text.is_empty() || m.from.is_some());
    let mail = mail.ok_or_else(|| IntakeError::Refused("not an e-mail message".into()))?;
    match mail.from.clone() {
        Some(from) => Ok((mail, from)),
        None => Err(IntakeError::Refused("the mail has no sender address (From)".into())),
    }
}

/// What makes a mail this mail, whatever server delivered it and to which
/// of the city's addresses: its id, sender, subject, text and files. A
/// reused `Message-ID` on another text is another mail.
fn dedupe_key(mail: &InboundMail) -> String {
    let mut h = Sha256::new();
    for part in [
        mail.message_id.as_deref().unwrap_or_default(),
        mail.from.as_deref().unwrap_or_default(),
        &mail.subject,
        &mail.text,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for file in &mail.attachments {
        h.update(Sha256::digest(&file.content));
    }
    format!("{:x}", h.finalize())
}

/// The actor intake writes as.
fn mail_actor() -> Actor {
    Actor::System { name: "E-post".into() }
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(2)) {
        Some((at, _)) => format!("{} …", &text[..at]),
        None => text.to_owned(),
    }
}

impl App {
    /// Takes in one mail (the raw message) by `settings`.
    pub async fn receive_mail(
        &self,
        raw: &[u8],
        settings: &IntakeSettings,
    ) -> std::result::Result<Intake, IntakeError> {
        let (mail, from) = read(raw)?;
        if mail.own || settings.own_addresses.iter().any(|a| a.eq_ignore_ascii_case(&from)) {
            tracing::info!(event = "mail.dropped", reason = "own", "dropped Porten's own mail");
            return Ok(Intake::Dropped("Porten's own mail".into()));
        }
        let key = dedupe_key(&mail);
        let record = InboundRecord {
            message_id: mail.message_id.clone().unwrap_or_else(|| format!("porten-synthetic-{}", &key[..32])),
            dedupe_key: key,
            at: self.now(),
        };
        // The errand the mail names: by the thread's headers, else by the subject.
        let by_headers = self.store.errand_of_messages(&mail.answers).await.map_err(AppError::from)?;
        let named = match by_headers {
            Some(id) => self.store.get_errand(id).await.map_err(AppError::from)?,
            None => match mail::subject_number(&mail.subject) {
                Some(number) => self.store.errand_by_number(&number).await.map_err(AppError::from)?,
                None => None,
            },
        };
        if let Some(why) = &mail.automatic {
            // A machine's mail never opens, moves or answers anything. One
            // in a thread Porten started (its Message-IDs are unguessable)
            // is noted on the errand; any other is dropped.
            let Some(errand) = named.filter(|_| by_headers.is_some()) else {
                tracing::info!(event = "mail.dropped", reason = %why, "dropped automatic mail about no errand");
                return Ok(Intake::Dropped(format!("automatic mail ({why}) about no errand")));
            };
            let note = format!(
                "Automatiskt e-postmeddelande ({why}) från {from}: {}\n\n{}",
                mail.subject,
                clip(mail::new_text(&mail.text), 2000)
            );
            let write = IntakeWrite::Join {
                errand: errand.public_id,
                command: Command::AddNote { body: clip(&note, 4000) },
                files: Vec::new(),
                notes: Vec::new(),
            };
            return self.take(record, write).await.map(|(e, repeated, _)| match repeated {
                true => Intake::Repeated(e),
                false => Intake::Noted(e),
            });
        }
        let authenticated = match &settings.trusted_authserv_id {
            None => true,
            Some(id) => {
                mail::domain_of(&from).is_some_and(|d| mail::authenticated(&mail.authentication_results, id, &d))
            }
        };
        let thread = mail::decide(named.as_ref(), &from, authenticated);
        let (files, refused) = self.keep_files(&mail.attachments).await?;
        match (thread, named) {
            (Thread::Join, Some(errand)) => {
                let body = clip(mail::new_text(&mail.text), porten_domain::errand::MAX_TEXT);
                let body = if body.trim().is_empty() { "(tomt meddelande)".to_owned() } else { body };
                let write = IntakeWrite::Join {
                    errand: errand.public_id,
                    command: Command::AddMessage { direction: Direction::In, body },
                    files,
                    notes: refused,
                };
                let (e, repeated, _) = self.take(record, write).await?;
                if !repeated {
                    tracing::info!(registry_number = %e.registry_number, "mail joined an errand");
                }
                Ok(if repeated { Intake::Repeated(e) } else { Intake::Joined(e) })
            }
            (thread, named) => {
                let linked_to = match thread {
                    Thread::OpenLinked(why) => Some(why),
                    _ => None,
                };
                let mut notes = Vec::new();
                if let (Some(why), Some(other)) = (linked_to, &named) {
                    notes.push(why.note(&other.registry_number));
                }
                notes.extend(refused);
                // No auto-reply where the sender may not be who they say.
                let answer = matches!(linked_to, None | Some(NotJoined::Closed));
                let write = self
                    .open_by_mail(&mail, &from, &record, settings, files, named.map(|e| e.public_id), notes, answer)
                    .await?;
                let (errand, repeated, replied) = self.take(record, write).await?;
                if !repeated {
                    tracing::info!(registry_number = %errand.registry_number, channel = "email", "errand registered");
                }
                Ok(if repeated { Intake::Repeated(errand) } else { Intake::Opened { errand, replied, linked_to } })
            }
        }
    }

    async fn take(
        &self,
        record: InboundRecord,
        write: IntakeWrite,
    ) -> std::result::Result<(Errand, bool, bool), IntakeError> {
        let mut tries = 0;
        loop {
            match self.store.take_mail(record.clone(), write.clone(), &mail_actor()).await {
                Ok(t) => return Ok((t.errand.masked(), t.repeated, t.replied)),
                // The same mail taken at once elsewhere: the next try finds it.
                Err(StoreError::Conflict { .. }) if tries == 0 => tries += 1,
                Err(e) => return Err(AppError::from(e).into()),
            }
        }
    }

    /// Stores the attachments that pass the upload checks; notes for the others.
    async fn keep_files(
        &self,
        attachments: &[InboundFile],
    ) -> std::result::Result<(Vec<FileRef>, Vec<String>), IntakeError> {
        let (mut kept, mut notes) = (Vec::new(), Vec::new());
        for (i, file) in attachments.iter().enumerate() {
            if i >= MAX_FILES {
                notes.push(format!(
                    "Bilagan \"{}\" togs inte emot: högst {MAX_FILES} bilagor per e-postmeddelande.",
                    file.name
                ));
                continue;
            }
            match check_file(&file.content) {
                Ok(media_type) => {
                    let stored = FileRef {
                        field: MAIL_FIELD.into(),
                        name: file.name.clone(),
                        sha256: format!("{:x}", Sha256::digest(&file.content)),
                        media_type: media_type.into(),
                        size: file.content.len() as u64,
                    };
                    self.store
                        .put_attachment(&stored, file.content.clone(), self.now())
                        .await
                        .map_err(AppError::from)?;
                    kept.push(stored);
                }
                Err(problem) => notes.push(format!(
                    "Bilagan \"{}\" togs inte emot: {}. E-postmeddelandet är registrerat utan den.",
                    file.name,
                    match problem {
                        crate::eservices::files::FileProblem::TooLarge => "den är större än 10 MB",
                        crate::eservices::files::FileProblem::Kind => "bara PDF, PNG, JPEG, GIF och WebP tas emot",
                        crate::eservices::files::FileProblem::Empty => "den är tom",
                    }
                )),
            }
        }
        Ok((kept, notes))
    }

    #[allow(clippy::too_many_arguments)]
    async fn open_by_mail(
        &self,
        mail: &InboundMail,
        from: &str,
        record: &InboundRecord,
        settings: &IntakeSettings,
        files: Vec<FileRef>,
        related: Option<PublicId>,
        notes: Vec<String>,
        answer: bool,
    ) -> std::result::Result<IntakeWrite, IntakeError> {
        let routed = mail
            .recipients
            .iter()
            .find_map(|to| settings.routes.iter().find(|(address, _)| address.eq_ignore_ascii_case(to)))
            .map(|(_, service)| service.as_str());
        let mut service = None;
        for code in routed.into_iter().chain([settings.default_service.as_str()]) {
            if let Some(s) = self.cached_service(code).await? {
                service = Some(s);
                break;
            }
        }
        let service = service.ok_or_else(|| {
            IntakeError::Unavailable(format!("the mail service {:?} is not in the catalogue", settings.default_service))
        })?;
        let subject = if mail.subject.is_empty() { "(utan ämne)".to_owned() } else { clip(&mail.subject, 200) };
        let text = if mail.text.trim().is_empty() {
            "(tomt meddelande)".to_owned()
        } else {
            clip(mail.text.trim(), porten_domain::errand::MAX_TEXT)
        };
        let raw = RawErrand {
            service_code: service.code.clone(),
            title: subject.clone(),
            description: text,
            channel: "email".into(),
            parties: vec![RawParty {
                role: Some("applicant".into()),
                name: if mail.from_name.is_empty() { from.to_owned() } else { clip(&mail.from_name, 100) },
                email: Some(from.to_owned()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut new = NewErrand::parse(raw).map_err(|v| IntakeError::Refused(format!("{v:?}")))?;
        new.confidential |= service.confidential;
        let tracking_token = crate::auth::new_token();
        let reply = (answer && self.mail_citizens).then(|| NewMail {
            recipient: from.to_owned(),
            subject: format!("[{REGISTRY_NUMBER}] Vi har tagit emot ditt meddelande / We have received your message"),
            body: format!(
                "Hej!\n\nTack för ditt meddelande \"{subject}\". Vi har registrerat det som ärende {REGISTRY_NUMBER}. Här kan du följa ärendet:\n{link}\n\nVill du lägga till något? Svara på det här brevet.\n\n\
                 ---\n\nThank you for your message. We have registered it as errand {REGISTRY_NUMBER}. \
                 Follow it here:\n{link}\n\nTo add something, reply to this mail.\n",
                link = self.link(&format!("/track/{TRACKING_TOKEN}")),
            ),
            thread: MailThread {
                errand_id: None,
                message_id: Some(self.new_message_id()),
                in_reply_to: Some(record.message_id.clone()),
                auto_submitted: Some(AUTO_REPLIED.into()),
            },
        });
        Ok(IntakeWrite::Open {
            registration: Box::new(OwnedRegistration {
                public_id: PublicId::from_random_bytes(crate::random_bytes()),
                errand: new,
                unit: service.unit.clone(),
                actor: mail_actor(),
                at: self.now(),
            }),
            tracking_token,
            files,
            related,
            notes,
            reply,
            auto_replies_per_day: settings.auto_replies_per_day,
            capped_note: format!(
                "Inget automatiskt svar skickades: avsändaren har redan fått {} automatiska svar det senaste \
                 dygnet. Svara för hand om det behövs.",
                settings.auto_replies_per_day
            ),
        })
    }

    /// A new, unguessable `Message-ID` (without angle brackets) on the
    /// host citizens reach Porten at.
    pub(crate) fn new_message_id(&self) -> String {
        let host =
            self.public_url.split("://").nth(1).unwrap_or("localhost").split(['/', ':']).next().unwrap_or("localhost");
        let random: String = crate::random_bytes::<16>().iter().map(|b| format!("{b:02x}")).collect();
        format!("{random}@{host}")
    }
}

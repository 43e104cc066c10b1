//! E-mail intake (*e-post in*), the pure rules: what a mail is, whether a
//! machine sent it, which errand it may join, and what of its text is new.
//!
//! The rules, in the order intake applies them:
//! - Porten's own mail (its loop header, [`LOOP_HEADER`]) is dropped.
//! - Automatic mail ([`Automatic`], RFC 3834: `Auto-Submitted`,
//!   `Precedence: bulk/junk/list`, list mail, an empty return path, a
//!   delivery report, a mailer daemon) never opens an errand, never changes
//!   an errand's state or owner, and never gets an auto-reply.
//! - A mail joins an errand only by evidence ([`Evidence`]): its
//!   `In-Reply-To`/`References` name a message of the errand's thread, or its
//!   subject holds the registry number in brackets (`[KC 2026/00080]`). And
//!   only when its sender is one of the errand's parties and, where the
//!   receiving server is trusted, authenticated ([`authenticated`]).
//!   Otherwise it opens a new errand linked to the one it named ([`decide`]).

use crate::errand::{ContactChannel, Errand};
use crate::lifecycle::Lifecycle;
use crate::registry::RegistryNumber;

/// The header Porten puts on every mail it sends; a mail that comes back
/// with it is Porten's own and is dropped, so two systems cannot loop.
pub const LOOP_HEADER: &str = "X-Porten-Loop";

/// A mail as intake reads it: parsed, decoded, with header names in lower case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboundMail {
    /// `Message-ID` without its angle brackets, if it has one.
    pub message_id: Option<String>,
    /// The ids it answers: `In-Reply-To`, then `References`, newest first.
    pub answers: Vec<String>,
    /// The sender's address in lower case, and display name.
    pub from: Option<String>,
    pub from_name: String,
    /// Where it was delivered: `Delivered-To`, `X-Original-To`, `To`, `Cc`
    /// addresses in lower case, in that order.
    pub recipients: Vec<String>,
    pub subject: String,
    /// The text, HTML-only mail turned into text.
    pub text: String,
    /// Why a machine sent it, if one did.
    pub automatic: Option<Automatic>,
    /// It carries Porten's loop header.
    pub own: bool,
    /// Each `Authentication-Results` header's value.
    pub authentication_results: Vec<String>,
    pub attachments: Vec<InboundFile>,
}

/// An attachment as the mail named it; its kind is told from its content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboundFile {
    pub name: String,
    pub content: Vec<u8>,
}

/// Why a mail counts as sent by a machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Automatic {
    /// `Auto-Submitted` other than `no` (an auto-reply, an out-of-office).
    AutoSubmitted(String),
    /// `Precedence: bulk`, `junk` or `list`.
    Precedence(String),
    /// A mailing list's mail (`List-Id`, `List-Unsubscribe`).
    List,
    /// An empty return path (`Return-Path: <>`): a bounce or a notification.
    EmptyReturnPath,
    /// A delivery or read report (`multipart/report`).
    Report,
    /// From a mailer daemon or postmaster.
    Daemon,
    /// `X-Autoreply`, `X-Autorespond` (older auto-responders).
    AutoResponder,
}

impl std::fmt::Display for Automatic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AutoSubmitted(v) => write!(f, "Auto-Submitted: {v}"),
            Self::Precedence(v) => write!(f, "Precedence: {v}"),
            Self::List => f.write_str("mailing list"),
            Self::EmptyReturnPath => f.write_str("empty return path"),
            Self::Report => f.write_str("delivery report"),
            Self::Daemon => f.write_str("mailer daemon"),
            Self::AutoResponder => f.write_str("auto-responder"),
        }
    }
}

/// Whether a machine sent a mail, from its headers (names in lower case),
/// its content type and its sender. `X-Auto-Response-Suppress` asks not to
/// be answered automatically; it does not make a mail automatic.
pub fn automatic(headers: &[(String, String)], content_type: &str, from: Option<&str>) -> Option<Automatic> {
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim().to_ascii_lowercase());
    if let Some(v) = header("auto-submitted")
        && !v.is_empty()
        && v.split(';').next().is_some_and(|k| k.trim() != "no")
    {
        return Some(Automatic::AutoSubmitted(v));
    }
    if let Some(v) = header("precedence").filter(|v| matches!(v.as_str(), "bulk" | "junk" | "list")) {
        return Some(Automatic::Precedence(v));
    }
    if header("list-id").is_some() || header("list-unsubscribe").is_some() {
        return Some(Automatic::List);
    }
    if header("return-path")
        .is_some_and(|v| v.trim_matches(|c: char| c == '<' || c == '>' || c.is_whitespace()).is_empty())
    {
        return Some(Automatic::EmptyReturnPath);
    }
    if content_type.trim().to_ascii_lowercase().starts_with("multipart/report") {
        return Some(Automatic::Report);
    }
    if header("x-autoreply").is_some() || header("x-autorespond").is_some() {
        return Some(Automatic::AutoResponder);
    }
    let local = from.and_then(|f| f.split('@').next()).unwrap_or_default().to_ascii_lowercase();
    if matches!(local.as_str(), "mailer-daemon" | "postmaster") {
        return Some(Automatic::Daemon);
    }
    None
}

/// The registry number a subject names in brackets, as Porten writes it in
/// the subjects of its mail (`Re: [KC 2026/00080] Ditt ärende`).
pub fn subject_number(subject: &str) -> Option<RegistryNumber> {
    subject
        .split('[')
        .skip(1)
        .filter_map(|rest| rest.split_once(']'))
        .find_map(|(inside, _)| RegistryNumber::parse(inside).ok())
}

/// Whether the receiving server (`authserv_id`, Porten's own boundary)
/// recorded in `Authentication-Results` that a mail from `domain` passed
/// DMARC, or both SPF and DKIM aligned with it. Results of any other server
/// are ignored: a sender can write such a header too.
pub fn authenticated(results: &[String], authserv_id: &str, domain: &str) -> bool {
    let domain = domain.to_ascii_lowercase();
    let of_domain = |value: &str| {
        let value = value.trim().trim_matches('"').to_ascii_lowercase();
        let value = value.rsplit('@').next().unwrap_or_default();
        value == domain
    };
    results.iter().any(|header| {
        let header = strip_comments(header);
        let mut parts = header.split(';');
        let id = parts.next().unwrap_or_default().split_whitespace().next().unwrap_or_default();
        if !id.eq_ignore_ascii_case(authserv_id) {
            return false;
        }
        let (mut dmarc, mut spf, mut dkim) = (false, false, false);
        for result in parts {
            let mut words = result.split_whitespace();
            let Some((method, verdict)) = words.next().and_then(|w| w.split_once('=')) else { continue };
            if !verdict.eq_ignore_ascii_case("pass") {
                continue;
            }
            let properties: Vec<(&str, &str)> = words.filter_map(|w| w.split_once('=')).collect();
            let about = |keys: &[&str]| {
                properties.iter().any(|(k, v)| keys.iter().any(|x| k.eq_ignore_ascii_case(x)) && of_domain(v))
            };
            match method.to_ascii_lowercase().as_str() {
                "dmarc" => dmarc |= about(&["header.from"]),
                "spf" => spf |= about(&["smtp.mailfrom", "smtp.helo"]),
                "dkim" => dkim |= about(&["header.d", "header.i"]),
                _ => {}
            }
        }
        dmarc || (spf && dkim)
    })
}

fn strip_comments(s: &str) -> String {
    let mut depth = 0usize;
    s.chars()
        .filter(|c| match c {
            '(' => {
                depth += 1;
                false
            }
            ')' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect()
}

/// What of a reply's text is new: the text above the quoted earlier mail, as
/// Gmail ("Den … skrev:", "On … wrote:"), Apple Mail (lines quoted with `>`)
/// and Outlook ("-----Original Message-----", "Från: … Skickat: …") quote it.
/// A mail that is nothing but a quote keeps its whole text.
pub fn new_text(text: &str) -> &str {
    let mut cut = text.len();
    let mut offset = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let l = line.trim();
        let lower = l.to_lowercase();
        let next = lines.get(i + 1).map(|n| n.trim().to_lowercase()).unwrap_or_default();
        let header_block =
            |first: &str, second: &[&str]| lower.starts_with(first) && second.iter().any(|s| next.starts_with(s));
        // "Den mån 7 dec. 2026 kl 10:02 skrev Namn <a@b>:", "On …, Name <a@b> wrote:",
        // Apple Mail's "7 dec. 2026 kl. 10:02 skrev Namn <a@b>:".
        let attribution = lower.ends_with(':')
            && (lower.contains("skrev") || lower.contains("wrote"))
            && (lower.starts_with("on ")
                || lower.starts_with("den ")
                || lower.starts_with(|c: char| c.is_ascii_digit())
                || lower.contains('@'));
        // Gmail may wrap a long attribution: "On Mon, … <x@y>\nwrote:".
        let wrapped = (next == "wrote:" || next == "skrev:") && (lower.starts_with("on ") || lower.starts_with("den "));
        if lower.starts_with("-----original message-----")
            || lower.starts_with("-----ursprungligt meddelande-----")
            || header_block("from:", &["sent:", "date:"])
            || header_block("från:", &["skickat:", "datum:"])
            || lower == "________________________________"
            || attribution
            || wrapped
            || (l.starts_with('>') && lines[i..].iter().all(|r| r.trim().is_empty() || r.trim_start().starts_with('>')))
        {
            cut = offset;
            break;
        }
        offset += line.len();
    }
    let fresh = text[..cut].trim_end();
    if fresh.trim().is_empty() { text.trim() } else { fresh }
}

/// What of an HTML-only reply is new: the HTML before the quoted earlier
/// mail, as Outlook (`appendonsend`, `divRplyFwdMsg`, a rule), Gmail
/// (`gmail_quote`) and Apple Mail (`<blockquote type="cite">`) mark it.
/// Block ends become line breaks, so the text keeps its lines.
pub fn html_before_quote(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let markers = ["id=\"appendonsend\"", "id=\"divrplyfwdmsg\"", "class=\"gmail_quote", "<blockquote", "<hr"];
    let cut = markers
        .iter()
        .filter_map(|m| lower.find(m))
        .map(|at| lower[..at].rfind('<').filter(|_| !lower[at..].starts_with('<')).unwrap_or(at))
        .min()
        .unwrap_or(html.len());
    let mut out = String::with_capacity(cut + 64);
    let mut rest = &html[..cut];
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = rest[at..].chars().take(5).collect::<String>().to_ascii_lowercase();
        if tag.starts_with("</div") || tag.starts_with("</p") || tag.starts_with("</li") || tag.starts_with("</tr") {
            out.push_str("<br>");
        }
        out.push('<');
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out
}

/// How a mail found the errand it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// `In-Reply-To`/`References` name a mail of the errand's thread.
    Headers,
    /// The subject holds its registry number.
    Subject,
}

/// Why a mail that named an errand did not join it, told to the agent on
/// the errand it opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotJoined {
    /// The sender is none of the errand's parties.
    OtherSender,
    /// The receiving server did not show the sender's domain authenticated.
    Unauthenticated,
    /// The errand is closed: the mail opens a follow-up.
    Closed,
}

impl NotJoined {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OtherSender => "other_sender",
            Self::Unauthenticated => "unauthenticated",
            Self::Closed => "closed",
        }
    }

    /// The note on the new errand, in Swedish (the staff's language of record).
    pub fn note(self, number: &RegistryNumber) -> String {
        match self {
            Self::OtherSender => format!(
                "E-postmeddelandet hänvisade till {number}, men avsändaren är inte part i det ärendet. \
                 Det registrerades därför som ett nytt ärende, kopplat till {number}."
            ),
            Self::Unauthenticated => format!(
                "E-postmeddelandet hänvisade till {number}, men mottagande server kunde inte bekräfta \
                 avsändarens domän (DMARC, eller SPF och DKIM). Det registrerades därför som ett nytt ärende, \
                 kopplat till {number}."
            ),
            Self::Closed => format!(
                "E-postmeddelandet gällde {number}, som är avslutat. Det registrerades som ett nytt ärende, \
                 kopplat till {number}."
            ),
        }
    }
}

/// Where a mail goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Thread {
    /// Joins the errand it named.
    Join,
    /// Opens a new errand linked to the one it named, and says why.
    OpenLinked(NotJoined),
    /// Opens a new errand.
    Open,
}

/// Whether `sender` (an address) is one of the errand's parties by e-mail.
pub fn is_party(errand: &Errand, sender: &str) -> bool {
    let sender = sender.trim().to_ascii_lowercase();
    errand
        .parties
        .iter()
        .flat_map(|p| &p.contacts)
        .any(|c| matches!(c, ContactChannel::Email(e) if e.trim().to_ascii_lowercase() == sender))
        || errand.form.get("email").is_some_and(|e| e.trim().to_ascii_lowercase() == sender)
}

/// Decides where a mail goes, given the errand its evidence named (if any),
/// its sender, and whether the sender's domain was authenticated (`true`
/// when no receiving server is trusted). The evidence alone never joins a
/// mail to an errand: the sender must be a party.
pub fn decide(named: Option<&Errand>, sender: &str, authenticated: bool) -> Thread {
    let Some(errand) = named else { return Thread::Open };
    if !is_party(errand, sender) {
        Thread::OpenLinked(NotJoined::OtherSender)
    } else if !authenticated {
        Thread::OpenLinked(NotJoined::Unauthenticated)
    } else if errand.lifecycle == Lifecycle::Closed {
        Thread::OpenLinked(NotJoined::Closed)
    } else {
        Thread::Join
    }
}

/// The domain of an address, in lower case.
pub fn domain_of(address: &str) -> Option<String> {
    address.rsplit_once('@').map(|(_, d)| d.trim().trim_end_matches('>').to_ascii_lowercase()).filter(|d| !d.is_empty())
}

#[cfg(test)]
#[path = "mail_tests.rs"]
mod tests;

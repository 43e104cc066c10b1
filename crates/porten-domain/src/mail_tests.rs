//! Unit tests of `mail.rs`: automatic mail, threading evidence, sender
//! authentication and the new text of a reply.
use super::*;
use crate::errand::{Channel, Party, PartyRole, Priority};
use crate::{PublicId, UnitCode};
use chrono::{TimeZone, Utc};

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

fn errand_of(email: &str, lifecycle: Lifecycle) -> Errand {
    let t = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    Errand {
        id: 1,
        public_id: PublicId::from_random_bytes([7; 16]),
        registry_number: RegistryNumber::parse("KC 2026/00080").unwrap(),
        service_code: "general-question".into(),
        title: "Fråga".into(),
        description: "Hej".into(),
        channel: Channel::Email,
        priority: Priority::Normal,
        lifecycle,
        unit: UnitCode::parse("KC").unwrap(),
        assignee: None,
        parties: vec![Party {
            role: PartyRole::Applicant,
            name: "Anna".into(),
            personal_number: None,
            organisation_number: None,
            contacts: vec![ContactChannel::Email(email.into())],
        }],
        confidential: false,
        labels: vec![],
        form: Default::default(),
        version: 1,
        created_at: t,
        updated_at: t,
        resolved_at: None,
        location: None,
    }
}

#[test]
fn machines_are_told_by_their_headers_not_by_what_they_ask() {
    let none = |hs: &[(&str, &str)]| automatic(&h(hs), "text/plain", Some("anna@example.se"));
    assert_eq!(none(&[("auto-submitted", "auto-replied")]), Some(Automatic::AutoSubmitted("auto-replied".into())));
    assert_eq!(none(&[("auto-submitted", "No")]), None, "Auto-Submitted: no is a person");
    assert_eq!(none(&[("precedence", "bulk")]), Some(Automatic::Precedence("bulk".into())));
    assert_eq!(none(&[("precedence", "first-class")]), None);
    assert_eq!(none(&[("list-id", "<news.example.se>")]), Some(Automatic::List));
    assert_eq!(none(&[("return-path", "<>")]), Some(Automatic::EmptyReturnPath));
    assert_eq!(none(&[("return-path", "<anna@example.se>")]), None);
    assert_eq!(none(&[("x-autoreply", "yes")]), Some(Automatic::AutoResponder));
    // Outlook puts this on ordinary mail; it asks not to be auto-answered.
    assert_eq!(none(&[("x-auto-response-suppress", "All")]), None);
    assert_eq!(automatic(&[], "multipart/report; report-type=delivery-status", None), Some(Automatic::Report));
    assert_eq!(automatic(&[], "text/plain", Some("MAILER-DAEMON@mx.example.se")), Some(Automatic::Daemon));
}

#[test]
fn the_subject_names_an_errand_only_in_brackets() {
    let kc80 = RegistryNumber::parse("KC 2026/00080").unwrap();
    assert_eq!(subject_number("Re: [KC 2026/00080] Din fråga"), Some(kc80.clone()));
    assert_eq!(subject_number("SV: SV: [ärende] [KC 2026/00080]"), Some(kc80));
    assert_eq!(subject_number("Angående KC 2026/00080"), None);
    assert_eq!(subject_number("[KC 2026/abc]"), None);
}

#[test]
fn only_the_trusted_servers_results_count() {
    let pass = vec![
        "mx.lindhamn.se; dmarc=pass (p=reject) header.from=example.se; spf=pass smtp.mailfrom=anna@example.se"
            .to_string(),
    ];
    assert!(authenticated(&pass, "mx.lindhamn.se", "example.se"));
    assert!(!authenticated(&pass, "mx.lindhamn.se", "other.se"), "another domain");
    assert!(!authenticated(&pass, "mx.forger.example", "example.se"), "another server's results");
    let both = vec!["mx.lindhamn.se 1; spf=pass smtp.mailfrom=example.se; dkim=pass header.d=example.se".to_string()];
    assert!(authenticated(&both, "mx.lindhamn.se", "example.se"));
    let spf_only = vec!["mx.lindhamn.se; spf=pass smtp.mailfrom=example.se; dkim=fail header.d=example.se".to_string()];
    assert!(!authenticated(&spf_only, "mx.lindhamn.se", "example.se"));
    let failed = vec!["mx.lindhamn.se; dmarc=fail header.from=example.se".to_string()];
    assert!(!authenticated(&failed, "mx.lindhamn.se", "example.se"));
}

#[test]
fn a_reply_keeps_what_is_new_above_the_quote() {
    let gmail = "Tack, det löste sig!\n\nDen mån 7 dec. 2026 kl 10:02 skrev Lindhamns stad <kontakt@lindhamn.se>:\n> Hej Anna\n> Svar\n";
    assert_eq!(new_text(gmail), "Tack, det löste sig!");
    let wrapped = "Tack!\n\nOn Mon, Dec 7, 2026 at 10:02 AM Lindhamns stad <kontakt@lindhamn.se>\nwrote:\n> Hej\n";
    assert_eq!(new_text(wrapped), "Tack!");
    let outlook = "Hej,\nhär kommer bilden.\n\nFrån: Lindhamns stad <kontakt@lindhamn.se>\nSkickat: den 7 december 2026 10:02\nTill: Anna\nÄmne: [KC 2026/00080]\n\nHej Anna";
    assert_eq!(new_text(outlook), "Hej,\nhär kommer bilden.");
    let apple = "Ja, gärna.\n\n> 7 dec. 2026 kl. 10:02 skrev Lindhamns stad:\n> \n> Hej\n";
    assert_eq!(new_text(apple), "Ja, gärna.");
    let inline = "> Vilken adress?\nSjögatan 14\n> Och när?\nI går\n";
    assert_eq!(new_text(inline), inline.trim_end(), "answers between quotes are kept");
    assert_eq!(new_text("> bara citat\n"), "> bara citat", "a mail of only quotes keeps its text");
}

#[test]
fn evidence_alone_never_joins_a_mail_to_an_errand() {
    let open = errand_of("Anna@Example.se", Lifecycle::InProgress);
    assert_eq!(decide(Some(&open), "anna@example.se", true), Thread::Join);
    assert_eq!(decide(Some(&open), "mallory@example.se", true), Thread::OpenLinked(NotJoined::OtherSender));
    assert_eq!(decide(Some(&open), "anna@example.se", false), Thread::OpenLinked(NotJoined::Unauthenticated));
    let closed = errand_of("anna@example.se", Lifecycle::Closed);
    assert_eq!(decide(Some(&closed), "anna@example.se", true), Thread::OpenLinked(NotJoined::Closed));
    let resolved = errand_of("anna@example.se", Lifecycle::Resolved);
    assert_eq!(decide(Some(&resolved), "anna@example.se", true), Thread::Join, "a resolved errand hears the reply");
    assert_eq!(decide(None, "anna@example.se", true), Thread::Open);
}

#[test]
fn an_html_reply_keeps_what_is_new_above_the_quote() {
    let outlook = "<div>Hej igen,<br>nytt k\u{f6}rkort.</div><div id=\"appendonsend\"></div><hr><div id=\"divRplyFwdMsg\"><b>Fr\u{e5}n:</b> x</div>";
    assert_eq!(html_before_quote(outlook), "<div>Hej igen,<br>nytt k\u{f6}rkort.<br></div>");
    let gmail = "<div dir=\"ltr\">Tack!</div><br><div class=\"gmail_quote\">Den m\u{e5}n skrev:<blockquote>Hej</blockquote></div>";
    assert_eq!(html_before_quote(gmail), "<div dir=\"ltr\">Tack!<br></div><br>");
    assert_eq!(html_before_quote("<p>Bara text</p>"), "<p>Bara text<br></p>");
}

#[test]
fn the_new_text_and_html_are_parts_of_their_input_whatever_it_is() {
    for text in [
        "",
        "   ",
        "> a\n> b",
        "<b<br>r></div>",
        "x<br</div>>",
        "<</div><hr>",
        "Hej\n\nOn Mon wrote:",
        "wrote:\nwrote:",
        "<div id=\"appendonsend\">",
        "ä<P>ö</P>å<blockquote>",
        "Från: x\nSkickat: y",
    ] {
        let fresh = new_text(text);
        assert!(text.contains(fresh), "{text:?}");
        assert_eq!(fresh.trim().is_empty(), text.trim().is_empty(), "{text:?}");
        let html = html_before_quote(text);
        assert!(text.replace("<br>", "").starts_with(&html.replace("<br>", "")), "{text:?} → {html:?}");
    }
}

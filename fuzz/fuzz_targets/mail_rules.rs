//! E-mail intake's pure rules (issue 20) on arbitrary text: the new text of
//! a reply (`new_text`, `html_before_quote`), the registry number in a
//! subject (`subject_number`), the receiving server's authentication
//! results (`authenticated`) and automatic mail (`automatic`).
//!
//! Checks that:
//! - the new text of a reply is a part of the mail's text, never empty when
//!   the text has something in it;
//! - the HTML before the quote is the input's beginning with line breaks
//!   added at block ends, never longer than that allows;
//! - a registry number found in a subject (in brackets) reads back from its
//!   own printing as itself;
//! - none of the rules panics on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porten_domain::RegistryNumber;
use porten_domain::mail::{authenticated, automatic, html_before_quote, new_text, subject_number};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let fresh = new_text(&text);
    assert!(text.contains(fresh), "the new text is part of the text");
    assert_eq!(fresh.trim().is_empty(), text.trim().is_empty(), "nothing lost when there is something");

    let html = html_before_quote(&text);
    assert!(
        text.replace("<br>", "").starts_with(&html.replace("<br>", "")),
        "the beginning of the input, with line breaks added"
    );
    assert!(html.len() <= text.len() + 4 * text.matches("</").count(), "only line breaks are added");

    if let Some(number) = subject_number(&text) {
        // Leading zeros are allowed (`[KC 2013/000810]`): the number is
        // the one its own printing reads back as.
        assert_eq!(RegistryNumber::parse(&number.to_string()), Ok(number.clone()), "{number} reads back as itself");
        assert!(text.contains('[') && text.contains(']'), "only in brackets");
    }

    let mut lines = text.lines();
    let server = lines.next().unwrap_or_default();
    let results: Vec<String> = lines.clone().map(str::to_owned).collect();
    let _ = authenticated(&results, server, "example.se");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let _ = automatic(&headers, server, Some(server));
});

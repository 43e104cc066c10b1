//! Open311 GeoReport v2 (issue 21): the rules of the standard that do not
//! depend on storage or HTTP. Input is lenient (a status in any case, a
//! date with or without its offset); output is strict (ISO 8601 with the
//! offset, statuses in lower case). See `../shared/standards/`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::eservice::Answers;
use crate::location::{Location, RawLocation};
use crate::{Lifecycle, time};

/// The longest description a request may carry, in characters (the spec's).
pub const MAX_DESCRIPTION: usize = 4000;
/// The most requests one `GET /requests` answers, and its default span.
pub const MAX_REQUESTS: usize = 1000;
pub const DEFAULT_DAYS: i64 = 90;

/// The format a path asks for with its suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    /// Splits `services.json` into `("services", Json)`; `None` without a
    /// known suffix.
    pub fn split(file: &str) -> Option<(&str, Format)> {
        if let Some(stem) = file.strip_suffix(".xml") {
            Some((stem, Format::Xml))
        } else {
            file.strip_suffix(".json").map(|stem| (stem, Format::Json))
        }
    }
}

/// The GeoReport status of a state: `open` while work remains.
pub fn status(state: Lifecycle) -> &'static str {
    if state.is_active() { "open" } else { "closed" }
}

/// mySociety's extended status of a state, for `extensions=true` and the
/// service request updates.
pub fn extended_status(state: Lifecycle) -> &'static str {
    match state {
        Lifecycle::New => "open",
        Lifecycle::Open => "action_scheduled",
        Lifecycle::InProgress => "in_progress",
        Lifecycle::WaitingForCitizen => "investigating",
        Lifecycle::Resolved => "fixed",
        Lifecycle::Closed => "closed",
    }
}

/// Reads a `status` filter (`open`, `closed`, or both, comma-separated, in
/// any case): `Some(true)` for open only, `Some(false)` for closed only,
/// `None` for both. An unknown word is an error naming it.
pub fn parse_status_filter(raw: &str) -> Result<Option<bool>, String> {
    let (mut open, mut closed) = (false, false);
    for word in raw.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        match word.to_ascii_lowercase().as_str() {
            "open" => open = true,
            "closed" => closed = true,
            _ => return Err(format!("status must be open or closed, not {word}")),
        }
    }
    Ok(match (open, closed) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    })
}

/// Reads a date filter: ISO 8601 with its offset keeps its time of day; a
/// time without an offset, or a date alone (its midnight), is read in
/// Stockholm's time.
pub fn parse_datetime(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))?;
    time::from_stockholm_local(local)
}

/// A time as the spec writes it: ISO 8601 in Stockholm's offset, to the
/// second (`2026-01-01T08:00:00+01:00`).
pub fn datetime(t: DateTime<Utc>) -> String {
    time::to_stockholm(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// A service request as POSTed (`application/x-www-form-urlencoded`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawRequest {
    pub service_code: String,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: Option<String>,
    pub address_id: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    /// `attribute[CODE]=v`, and `attribute[CODE][]=a&attribute[CODE][]=b`.
    pub attributes: Answers,
}

impl RawRequest {
    /// Reads the pairs of a form body; unknown names (`device_id`,
    /// `account_id`, `media_url`, `api_key`, `jurisdiction_id`) are left
    /// to the caller.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut r = RawRequest::default();
        for (name, value) in pairs {
            let value = value.clone();
            let slot = match name.as_str() {
                "service_code" => {
                    r.service_code = value;
                    continue;
                }
                "lat" => &mut r.lat,
                "long" => &mut r.long,
                "address_string" => &mut r.address_string,
                "address_id" => &mut r.address_id,
                "email" => &mut r.email,
                "first_name" => &mut r.first_name,
                "last_name" => &mut r.last_name,
                "phone" => &mut r.phone,
                "description" => &mut r.description,
                other => {
                    if let Some(code) = other
                        .strip_prefix("attribute[")
                        .and_then(|rest| rest.strip_suffix("][]").or_else(|| rest.strip_suffix(']')))
                    {
                        r.attributes.entry(code.to_owned()).or_default().push(value);
                    }
                    continue;
                }
            };
            *slot = Some(value);
        }
        r
    }

    /// Checks what the spec requires of every request: a service, one
    /// location, and a description within its limit. Errors are the spec's
    /// descriptions, each one sentence.
    pub fn check(&self) -> Result<(Location, Option<String>), Vec<String>> {
        let mut errors = Vec::new();
        if self.service_code.trim().is_empty() {
            errors.push("service_code is required".to_owned());
        }
        let raw = RawLocation {
            address: self.address_string.clone(),
            lat: self.lat.clone(),
            long: self.long.clone(),
            place_ref: self.address_id.clone(),
        };
        let mut v = crate::Violations::new();
        let location = Location::parse(&raw, "", &mut v);
        for f in &v.0 {
            let name = match f.field.as_str() {
                "address" => "address_string",
                "place_ref" => "address_id",
                other => other,
            };
            errors.push(format!("{name}: {}", f.message));
        }
        if location.is_none() && v.is_empty() {
            errors.push("a location is required: lat and long, address_string or address_id".to_owned());
        }
        let description = self.description.as_deref().map(str::trim).filter(|d| !d.is_empty());
        if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION) {
            errors.push(format!("description must be at most {MAX_DESCRIPTION} characters"));
        }
        match location {
            Some(l) if errors.is_empty() => Ok((l, description.map(str::to_owned))),
            _ => Err(errors),
        }
    }

    /// The reporter's name, when given.
    pub fn reporter_name(&self) -> Option<String> {
        let name = [&self.first_name, &self.last_name]
            .iter()
            .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
            .collect::<Vec<_>>()
            .join(" ");
        (!name.is_empty()).then_some(name)
    }
}

/// A text as the public list shows it: personnummer, e-mail addresses and
/// phone numbers (seven digits or more) replaced by a word in brackets.
pub fn public_text(text: &str) -> String {
    let mut masked = String::with_capacity(text.len());
    let mut at = 0;
    for range in crate::personnummer::find_personal_numbers(text) {
        masked.push_str(&text[at..range.start]);
        masked.push_str("[personnummer]");
        at = range.end;
    }
    masked.push_str(&text[at..]);
    // Words split at any white space; a run of words that is all digits and
    // separators ("070 174 06 10") is one phone number.
    let words: Vec<&str> = masked.split_inclusive(char::is_whitespace).collect();
    let numeric = |w: &str| {
        let w = w.trim_end();
        !w.is_empty() && w.chars().all(|c| c.is_ascii_digit() || "+-–()/.,:;".contains(c))
    };
    let digits = |w: &str| w.chars().filter(char::is_ascii_digit).count();
    let mut out = String::with_capacity(masked.len());
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let core = word.trim_end();
        if core.contains('@') && core.contains('.') {
            out.push_str("[e-post]");
            out.push_str(&word[core.len()..]);
            i += 1;
            continue;
        }
        let run = words[i..].iter().take_while(|w| numeric(w)).count();
        if run > 0 && words[i..i + run].iter().map(|w| digits(w)).sum::<usize>() >= 7 {
            let last = words[i + run - 1];
            out.push_str("[telefon]");
            out.push_str(&last[last.trim_end().len()..]);
            i += run;
            continue;
        }
        out.push_str(word);
        i += 1;
    }
    out
}

/// Answers keyed by attribute code, as the e-service's form answers.
pub fn answers(attributes: &BTreeMap<String, Vec<String>>) -> Answers {
    attributes.iter().map(|(k, v)| (k.clone(), v.iter().map(|a| a.trim().to_owned()).collect())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_form_body_is_read_with_attributes_single_and_multiple() {
        let r = RawRequest::from_pairs(&pairs(&[
            ("service_code", "pothole"),
            ("lat", "62.39"),
            ("long", "17.30"),
            ("attribute[fault]", "hole"),
            ("attribute[where][]", "road"),
            ("attribute[where][]", "path"),
            ("api_key", "secret"),
            ("first_name", "Tolvan"),
            ("last_name", " Tolvansson "),
        ]));
        assert_eq!(r.service_code, "pothole");
        assert_eq!(r.attributes["fault"], ["hole"]);
        assert_eq!(r.attributes["where"], ["road", "path"]);
        assert_eq!(r.reporter_name().as_deref(), Some("Tolvan Tolvansson"));
        let (location, description) = r.check().unwrap();
        assert_eq!(location.text(), "62.39000, 17.30000");
        assert_eq!(description, None);
    }

    #[test]
    fn a_request_needs_a_service_and_one_location() {
        let none = RawRequest::from_pairs(&pairs(&[("description", "Hål")]));
        let errors = none.check().unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("service_code") && errors[1].contains("location"));
        let half = RawRequest::from_pairs(&pairs(&[("service_code", "pothole"), ("lat", "62.39")]));
        assert!(half.check().unwrap_err()[0].starts_with("long:"));
        let by_id = RawRequest::from_pairs(&pairs(&[("service_code", "pothole"), ("address_id", "stolpe 4417")]));
        assert_eq!(by_id.check().unwrap().0.place_ref.as_deref(), Some("stolpe 4417"));
        let long = RawRequest { description: Some("x".repeat(MAX_DESCRIPTION + 1)), ..by_id };
        assert!(long.check().unwrap_err()[0].contains("4000"));
    }

    #[test]
    fn statuses_are_read_in_any_case_and_written_in_lower_case() {
        assert_eq!(parse_status_filter("OPEN"), Ok(Some(true)));
        assert_eq!(parse_status_filter("closed"), Ok(Some(false)));
        assert_eq!(parse_status_filter("open,Closed"), Ok(None));
        assert_eq!(parse_status_filter(""), Ok(None));
        assert!(parse_status_filter("fixed").unwrap_err().contains("fixed"));
        assert_eq!(status(Lifecycle::WaitingForCitizen), "open");
        assert_eq!(status(Lifecycle::Resolved), "closed");
        assert_eq!(extended_status(Lifecycle::Resolved), "fixed");
    }

    #[test]
    fn dates_keep_their_time_of_day_and_are_written_with_their_offset() {
        let t = parse_datetime("2026-01-15T08:30:00+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-01-15T07:30:00+00:00");
        assert_eq!(datetime(t), "2026-01-15T08:30:00+01:00");
        assert_eq!(parse_datetime("2026-01-15T08:30:00Z").map(datetime).unwrap(), "2026-01-15T09:30:00+01:00");
        assert_eq!(parse_datetime("2026-07-01").map(datetime).unwrap(), "2026-07-01T00:00:00+02:00", "summer time");
        assert_eq!(parse_datetime("2026-07-01T12:00").map(datetime).unwrap(), "2026-07-01T12:00:00+02:00");
        assert_eq!(parse_datetime("i går"), None);
    }

    #[test]
    fn the_public_text_has_no_personnummer_address_or_phone_number() {
        let text = "Ring 070-1740610 eller skriv till tolvan@example.com, pnr 19121212-1212. Hål 40 cm, 2026.";
        assert_eq!(public_text(text), "Ring [telefon] eller skriv till [e-post] pnr [personnummer]. Hål 40 cm, 2026.");
        assert_eq!(public_text("Mvh\nAnna\nRing:\n0701740610"), "Mvh\nAnna\nRing:\n[telefon]", "after a line break");
        assert_eq!(public_text("tel 070 174 06 10 tack"), "tel [telefon] tack", "with spaces");
        assert_eq!(public_text("tel 070–1740610."), "tel [telefon]", "with an en dash");
        assert_eq!(public_text("Hål 40 cm, 2 st"), "Hål 40 cm, 2 st", "measures stay");
    }

    #[test]
    fn the_format_is_the_suffix() {
        assert_eq!(Format::split("services.json"), Some(("services", Format::Json)));
        assert_eq!(Format::split("requests.xml"), Some(("requests", Format::Xml)));
        assert_eq!(Format::split("requests"), None);
    }
}

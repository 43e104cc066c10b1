//! Swedish personal identity numbers (*personnummer*, *samordningsnummer*)
//! and company registration numbers (*organisationsnummer*).
//!
//! A personal identity number is personal data of the most sensitive kind in
//! Swedish administration. The type therefore has no `Display` and no
//! `Serialize`: its `Debug` output is masked, and the only way to get the
//! digits is [`PersonalIdentityNumber::expose`], which the storage layer calls
//! when it writes the party row. It must never reach a URL, a log line, a
//! metric label or an error message.

use chrono::NaiveDate;

/// A validated personnummer or samordningsnummer, normalised to 12 digits
/// (`YYYYMMDDNNNC`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PersonalIdentityNumber([u8; 12]);

/// Why a personal identity number was rejected. The messages never contain
/// the digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPersonalNumber {
    #[error("must be 12 digits written as YYYYMMDD-NNNC")]
    Format,
    #[error("the date part is not a real date")]
    Date,
    #[error("the check digit does not match")]
    Checksum,
}

impl PersonalIdentityNumber {
    /// Parses `YYYYMMDD-NNNC`, `YYYYMMDDNNNC` or `YYYYMMDD+NNNC`.
    /// Samordningsnummer (day + 60) are accepted.
    pub fn parse(input: &str) -> Result<Self, InvalidPersonalNumber> {
        let digits: Vec<u8> = input.trim().bytes().filter(|b| *b != b'-' && *b != b'+' && *b != b' ').collect();
        if digits.len() != 12 || !digits.iter().all(u8::is_ascii_digit) {
            return Err(InvalidPersonalNumber::Format);
        }
        let n = |range: std::ops::Range<usize>| -> u32 {
            digits[range].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
        };
        let (year, month, mut day) = (n(0..4) as i32, n(4..6), n(6..8));
        if day > 60 {
            day -= 60; // samordningsnummer
        }
        if NaiveDate::from_ymd_opt(year, month, day).is_none() {
            return Err(InvalidPersonalNumber::Date);
        }
        if !luhn_valid(&digits[2..]) {
            return Err(InvalidPersonalNumber::Checksum);
        }
        let mut out = [0u8; 12];
        out.copy_from_slice(&digits);
        Ok(Self(out))
    }

    /// The 12 digits, for storage only.
    pub fn expose(&self) -> &str {
        std::str::from_utf8(&self.0).expect("digits are ASCII")
    }

    /// `YYYYMMDD-****`, safe to show to the person's own case officer.
    pub fn masked(&self) -> String {
        format!("{}-****", &self.expose()[..8])
    }

    /// True for a samordningsnummer (coordination number).
    pub fn is_coordination_number(&self) -> bool {
        self.0[6] >= b'6'
    }
}

/// Where `text` holds a valid personnummer or samordningsnummer: 12 or 10
/// digits, with or without `-`, `+` or a space before the last four, not part of a longer
/// run of digits, with a real date and the right check digit (so order
/// numbers and phone numbers rarely match). Byte ranges, in order.
pub fn find_personal_numbers(text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !digit(i) || (i > 0 && digit(i - 1)) {
            i += 1;
            continue;
        }
        // The shapes, longest first: 12 digits, 8+4, 10 digits, 6+4.
        let matched = [(12, None), (8, Some(4)), (10, None), (6, Some(4))].into_iter().find_map(|(head, tail)| {
            let end = match tail {
                None => i + head,
                Some(tail) => i + head + 1 + tail,
            };
            let shaped = match tail {
                None => (i..end).all(digit),
                Some(_) => {
                    (i..i + head).all(digit)
                        && matches!(bytes.get(i + head), Some(b'-' | b'+' | b' '))
                        && (i + head + 1..end).all(digit)
                }
            };
            (shaped && !digit(end) && valid_number(&text[i..end])).then_some(i..end)
        });
        match matched {
            Some(range) => {
                i = range.end;
                found.push(range);
            }
            None => i += 1,
        }
    }
    found
}

/// Whether a candidate (see [`find_personal_numbers`]) is valid; a 10-digit
/// one is tried in the 1900s and the 2000s.
fn valid_number(candidate: &str) -> bool {
    let digits: String = candidate.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 12 {
        return PersonalIdentityNumber::parse(&digits).is_ok();
    }
    ["19", "20"].iter().any(|century| PersonalIdentityNumber::parse(&format!("{century}{digits}")).is_ok())
}

/// `text` with the last four digits of every personal identity number in it
/// replaced by `****`, the way screens show a party's number.
pub fn mask_personal_numbers(text: &str) -> std::borrow::Cow<'_, str> {
    let found = find_personal_numbers(text);
    if found.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for range in found {
        out.push_str(&text[at..range.end - 4]);
        out.push_str("****");
        at = range.end;
    }
    out.push_str(&text[at..]);
    std::borrow::Cow::Owned(out)
}

impl std::fmt::Debug for PersonalIdentityNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonalIdentityNumber(<redacted>)")
    }
}

/// A validated *organisationsnummer*, normalised to `NNNNNN-NNNN`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct OrganisationNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOrganisationNumber {
    #[error("must be 10 digits written as NNNNNN-NNNN")]
    Format,
    /// The third digit is below 2: this is a personnummer (a sole trader's
    /// number), which must be given as a personal identity number instead.
    #[error("this is a personal identity number; give it as such")]
    PersonalNumber,
    #[error("the check digit does not match")]
    Checksum,
}

impl OrganisationNumber {
    pub fn parse(input: &str) -> Result<Self, InvalidOrganisationNumber> {
        let digits: Vec<u8> = input.trim().bytes().filter(|b| *b != b'-').collect();
        if digits.len() != 10 || !digits.iter().all(u8::is_ascii_digit) {
            return Err(InvalidOrganisationNumber::Format);
        }
        if digits[2] < b'2' {
            return Err(InvalidOrganisationNumber::PersonalNumber);
        }
        if !luhn_valid(&digits) {
            return Err(InvalidOrganisationNumber::Checksum);
        }
        let s = std::str::from_utf8(&digits).expect("digits are ASCII");
        Ok(Self(format!("{}-{}", &s[..6], &s[6..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Luhn (mod 10) over ASCII digits, the last of which is the check digit.
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Computes the Luhn check digit for nine ASCII digits. Used to build
/// clearly synthetic numbers for demo data and tests.
pub fn luhn_check_digit(nine: &[u8]) -> u8 {
    let sum: u32 = nine
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    b'0' + ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    #[test]
    fn personal_numbers_are_found_in_free_text_and_masked() {
        use super::{find_personal_numbers, mask_personal_numbers};
        let text =
            "Jag heter Tolvan, 19121212-1212, och min son har 121212+1212. Ring 0701234567 eller ordernr 123456789012.";
        let found: Vec<&str> = find_personal_numbers(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, ["19121212-1212", "121212+1212"], "phone and order numbers are not numbers of persons");
        assert_eq!(
            mask_personal_numbers(text),
            "Jag heter Tolvan, 19121212-****, och min son har 121212+****. Ring 0701234567 eller ordernr 123456789012."
        );
        assert_eq!(find_personal_numbers("samordningsnummer 197010632391 i en rad").len(), 1, "day + 60");
        assert!(find_personal_numbers("19121212-1213 har fel kontrollsiffra").is_empty());
        assert!(find_personal_numbers("1191212121212 är för långt").is_empty(), "part of a longer run of digits");
        assert_eq!(mask_personal_numbers("inget här"), "inget här");
        assert_eq!(mask_personal_numbers("född 19121212 1212, ring 070 1234"), "född 19121212 ****, ring 070 1234");
        assert_eq!(mask_personal_numbers("nr 121212 1212"), "nr 121212 ****", "a space before the last four");
    }

    use super::*;

    // 19121212-1212 is Skatteverket's well-known test number ("Tolvan Tolvansson").
    #[test]
    fn accepts_valid_numbers_in_several_spellings() {
        for s in ["19121212-1212", "191212121212", "19121212+1212", " 19121212-1212 "] {
            let p = PersonalIdentityNumber::parse(s).expect(s);
            assert_eq!(p.expose(), "191212121212");
            assert_eq!(p.masked(), "19121212-****");
            assert!(!p.is_coordination_number());
        }
    }

    #[test]
    fn accepts_coordination_numbers() {
        // Day 12 + 60 = 72; check digit recomputed for the changed digits.
        let nine = b"121272121";
        let c = luhn_check_digit(nine) as char;
        let s = format!("19121272-121{c}");
        let p = PersonalIdentityNumber::parse(&s).unwrap();
        assert!(p.is_coordination_number());
    }

    #[test]
    fn rejects_bad_numbers_without_echoing_them() {
        assert_eq!(PersonalIdentityNumber::parse("19121212-1213"), Err(InvalidPersonalNumber::Checksum));
        assert_eq!(PersonalIdentityNumber::parse("19121332-1212"), Err(InvalidPersonalNumber::Date));
        assert_eq!(PersonalIdentityNumber::parse("1212121212"), Err(InvalidPersonalNumber::Format));
        assert_eq!(PersonalIdentityNumber::parse("19121212-12a2"), Err(InvalidPersonalNumber::Format));
        // 29 February exists only in leap years.
        let nine = b"010229000";
        let c = luhn_check_digit(nine) as char;
        assert_eq!(PersonalIdentityNumber::parse(&format!("20010229-000{c}")), Err(InvalidPersonalNumber::Date));
        let err = PersonalIdentityNumber::parse("19121212-1213").unwrap_err().to_string();
        assert!(!err.contains("1212"), "error message must not contain digits: {err}");
    }

    #[test]
    fn debug_output_is_redacted() {
        let p = PersonalIdentityNumber::parse("19121212-1212").unwrap();
        assert!(!format!("{p:?}").contains("1212"));
    }

    #[test]
    fn organisation_numbers() {
        let nine = b"556677889";
        let c = luhn_check_digit(nine) as char;
        let s = format!("556677-889{c}");
        assert_eq!(OrganisationNumber::parse(&s).unwrap().as_str(), s);
        assert_eq!(OrganisationNumber::parse("5566778899").is_ok(), c == '9');
        assert!(OrganisationNumber::parse("55667").is_err());
        assert_eq!(OrganisationNumber::parse("121212-1212"), Err(InvalidOrganisationNumber::PersonalNumber));
    }
}

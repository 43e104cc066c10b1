//! Personal identity numbers (personnummer, samordningsnummer), on arbitrary
//! text: `PersonalIdentityNumber::parse`, and finding and masking numbers in
//! free text (`find_personal_numbers`, `mask_personal_numbers`).
//!
//! Checks that:
//! - a number that parses is 12 ASCII digits, the input's digits without
//!   its `-`, `+` and spaces; its date is real (day - 60 for a
//!   samordningsnummer), its check digit is what `luhn_check_digit` makes;
//!   it parses again to itself from its digits and from `YYYYMMDD-NNNC` and
//!   `YYYYMMDD+NNNC`; `masked` shows the date only and `Debug` no digit;
//! - an input whose digits (separators taken out) are not 12 is a `Format`
//!   error, never a date or checksum one;
//! - every number found in text is a valid one, at a whole run of digits,
//!   in order and without overlap; masking keeps the text's length, changes
//!   only digits to `*`, leaves nothing to find, and is idempotent.
#![no_main]

use chrono_free_date::real_date;
use libfuzzer_sys::fuzz_target;
use porten_domain::personnummer::{
    InvalidPersonalNumber, PersonalIdentityNumber, find_personal_numbers, luhn_check_digit, mask_personal_numbers,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    parse(&text);
    find_and_mask(&text);
});

fn parse(input: &str) {
    let digits: String = input.trim().chars().filter(|c| !matches!(c, '-' | '+' | ' ')).collect();
    match PersonalIdentityNumber::parse(input) {
        Ok(p) => {
            let e = p.expose();
            assert_eq!(e, digits, "the number is the input's digits");
            assert!(e.len() == 12 && e.bytes().all(|b| b.is_ascii_digit()));
            let (year, month, day) = (num(&e[0..4]), num(&e[4..6]), num(&e[6..8]));
            assert_eq!(p.is_coordination_number(), day > 60);
            assert!(real_date(year, month, if day > 60 { day - 60 } else { day }), "a real date");
            assert_eq!(luhn_check_digit(&e.as_bytes()[2..11]), e.as_bytes()[11], "check digit");
            for again in [e.to_owned(), format!("{}-{}", &e[..8], &e[8..]), format!("{}+{}", &e[..8], &e[8..])] {
                assert_eq!(PersonalIdentityNumber::parse(&again).as_ref(), Ok(&p), "parses again to itself");
            }
            assert_eq!(p.masked(), format!("{}-****", &e[..8]));
            assert_eq!(
                PersonalIdentityNumber::parse(&p.masked()),
                Err(InvalidPersonalNumber::Format),
                "a masked number is no number"
            );
            assert!(!format!("{p:?}").contains(|c: char| c.is_ascii_digit()), "Debug is redacted");
            // A number on its own, as typed, is found in text as a whole.
            let plain: String = input.trim().to_owned();
            if plain == e || plain == format!("{}-{}", &e[..8], &e[8..]) || plain == format!("{}+{}", &e[..8], &e[8..])
            {
                assert_eq!(find_personal_numbers(&plain), [0..plain.len()]);
            }
        }
        Err(error) => {
            if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                assert_eq!(error, InvalidPersonalNumber::Format);
            } else {
                assert_ne!(error, InvalidPersonalNumber::Format, "12 digits are the right format");
            }
        }
    }
}

fn find_and_mask(text: &str) {
    let bytes = text.as_bytes();
    let found = find_personal_numbers(text);
    let mut previous_end = 0;
    for range in &found {
        assert!(range.start >= previous_end && range.end <= bytes.len(), "in order, without overlap");
        previous_end = range.end;
        let candidate = &text[range.clone()];
        assert!(
            candidate.starts_with(|c: char| c.is_ascii_digit()) && candidate.ends_with(|c: char| c.is_ascii_digit())
        );
        assert!(range.start == 0 || !bytes[range.start - 1].is_ascii_digit(), "a whole run of digits");
        assert!(!bytes.get(range.end).is_some_and(u8::is_ascii_digit), "a whole run of digits");
        let digits: String = candidate.chars().filter(char::is_ascii_digit).collect();
        let separators = candidate.len() - digits.len();
        assert!(separators <= 1 && candidate.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ')));
        assert!(matches!(digits.len(), 10 | 12), "{candidate:?}");
        let valid = match digits.len() {
            12 => PersonalIdentityNumber::parse(&digits).is_ok(),
            _ => ["19", "20"].iter().any(|c| PersonalIdentityNumber::parse(&format!("{c}{digits}")).is_ok()),
        };
        assert!(valid, "a found number is valid: {candidate:?}");
    }

    let masked = mask_personal_numbers(text);
    assert_eq!(masked.len(), text.len(), "masking keeps the length");
    for (a, b) in text.bytes().zip(masked.bytes()) {
        assert!(a == b || (a.is_ascii_digit() && b == b'*'), "masking changes only digits");
    }
    let masked_count = text.bytes().zip(masked.bytes()).filter(|(a, b)| a != b).count();
    assert_eq!(masked_count, 4 * found.len(), "the last four digits of each");
    assert!(find_personal_numbers(&masked).is_empty(), "nothing left to find in {masked:?}");
    assert_eq!(mask_personal_numbers(&masked), masked, "masking is idempotent");
}

fn num(s: &str) -> u32 {
    s.parse().expect("digits")
}

/// A calendar check that does not use chrono (which `parse` uses).
mod chrono_free_date {
    pub fn real_date(year: u32, month: u32, day: u32) -> bool {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        (1..=days).contains(&day)
    }
}

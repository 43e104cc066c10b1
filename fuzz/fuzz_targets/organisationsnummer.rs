//! Company registration numbers (organisationsnummer), on arbitrary text:
//! `OrganisationNumber::parse`.
//!
//! Checks that:
//! - a number that parses is written `NNNNNN-NNNN`, its ten digits are the
//!   input's digits without its dashes, its third digit is 2 or more, its
//!   check digit is what `luhn_check_digit` makes, and it parses again to
//!   itself with and without the dash;
//! - an input whose digits (dashes taken out) are not ten is a `Format`
//!   error; ten digits with a third digit below 2 are a `PersonalNumber`
//!   error; otherwise a rejection is a `Checksum` error, and then the check
//!   digit is indeed wrong.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porten_domain::personnummer::{InvalidOrganisationNumber, OrganisationNumber, luhn_check_digit};

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let digits: String = input.trim().chars().filter(|c| *c != '-').collect();
    let ten = digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit());
    match OrganisationNumber::parse(&input) {
        Ok(number) => {
            let s = number.as_str();
            let b = s.as_bytes();
            assert!(ten, "ten digits");
            assert_eq!(s.len(), 11);
            assert_eq!(b[6], b'-');
            assert!(b[..6].iter().chain(&b[7..]).all(u8::is_ascii_digit));
            let plain = s.replace('-', "");
            assert_eq!(plain, digits, "the number is the input's digits");
            assert!(b[2] >= b'2', "a third digit below 2 is a personnummer");
            assert_eq!(luhn_check_digit(&plain.as_bytes()[..9]), plain.as_bytes()[9], "check digit");
            for again in [s, plain.as_str(), &format!(" {s} ")] {
                assert_eq!(OrganisationNumber::parse(again).as_ref(), Ok(&number), "parses again to itself");
            }
        }
        Err(error) => {
            let want = if !ten {
                InvalidOrganisationNumber::Format
            } else if digits.as_bytes()[2] < b'2' {
                InvalidOrganisationNumber::PersonalNumber
            } else {
                assert_ne!(luhn_check_digit(&digits.as_bytes()[..9]), digits.as_bytes()[9], "a right check digit");
                InvalidOrganisationNumber::Checksum
            };
            assert_eq!(error, want);
        }
    }
});

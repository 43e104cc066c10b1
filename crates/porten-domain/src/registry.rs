//! Registry numbers (*diarienummer*).

use crate::catalogue::UnitCode;

/// A registry number such as `UTF 2026/00123`: the owning unit's code, the
/// year of registration and a serial that is unique and gapless per unit and
/// year. The storage layer assigns the serial in the same transaction that
/// stores the errand, so a rolled-back registration consumes no number.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct RegistryNumber {
    pub unit: UnitCode,
    pub year: i32,
    pub serial: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a registry number looks like \"UTF 2026/00123\"")]
pub struct InvalidRegistryNumber;

impl RegistryNumber {
    /// A number as people type it: without the space, in lower case, or
    /// without the serial's leading zeros (`kc2026/12` is `KC 2026/00012`).
    pub fn parse_lenient(s: &str) -> Result<Self, InvalidRegistryNumber> {
        let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let digits = compact.find(|c: char| c.is_ascii_digit()).ok_or(InvalidRegistryNumber)?;
        let (unit, rest) = compact.split_at(digits);
        Self::parse(&format!("{} {rest}", unit.to_uppercase()))
    }

    pub fn parse(s: &str) -> Result<Self, InvalidRegistryNumber> {
        let (unit, rest) = s.trim().split_once(' ').ok_or(InvalidRegistryNumber)?;
        let (year, serial) = rest.split_once('/').ok_or(InvalidRegistryNumber)?;
        let unit = UnitCode::parse(unit).map_err(|_| InvalidRegistryNumber)?;
        let year: i32 = year.parse().map_err(|_| InvalidRegistryNumber)?;
        let serial: u32 = serial.parse().map_err(|_| InvalidRegistryNumber)?;
        if !(1000..=9999).contains(&year) || serial == 0 {
            return Err(InvalidRegistryNumber);
        }
        Ok(Self { unit, year, serial })
    }
}

impl std::fmt::Display for RegistryNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}/{:05}", self.unit, self.year, self.serial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let n = RegistryNumber { unit: UnitCode::parse("UTF").unwrap(), year: 2026, serial: 123 };
        assert_eq!(n.to_string(), "UTF 2026/00123");
        assert_eq!(RegistryNumber::parse("UTF 2026/00123"), Ok(n));
        let big = RegistryNumber::parse("KC 2026/123456").unwrap();
        assert_eq!(big.to_string(), "KC 2026/123456", "serials beyond 99999 keep all digits");
        for bad in ["", "UTF", "UTF 2026", "utf 2026/1", "UTF 26/1", "UTF 2026/0", "UTF 2026/x"] {
            assert!(RegistryNumber::parse(bad).is_err(), "{bad}");
        }
    }
}

//! Public identifiers that are safe to put in URLs.

use serde::{Deserialize, Serialize};

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

/// The public id of an errand: 128 random bits, written as 26 Crockford
/// base32 characters. It is unguessable, so it can appear in URLs and links
/// without revealing anything (unlike the registry number, which is
/// sequential, or the database row id).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PublicId(u128);

impl PublicId {
    /// Builds an id from 16 random bytes supplied by the caller (the domain
    /// has no source of randomness of its own).
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        PublicId(u128::from_be_bytes(bytes))
    }

    pub fn parse(s: &str) -> Result<Self, InvalidPublicId> {
        if s.len() != 26 {
            return Err(InvalidPublicId);
        }
        let mut value: u128 = 0;
        for (i, c) in s.bytes().enumerate() {
            let digit = ALPHABET.iter().position(|&a| a == c.to_ascii_lowercase()).ok_or(InvalidPublicId)? as u128;
            // 26 * 5 = 130 bits; the first character carries only 3 bits.
            if i == 0 && digit > 0b111 {
                return Err(InvalidPublicId);
            }
            value = (value << 5) | digit;
        }
        Ok(PublicId(value))
    }
}

impl std::fmt::Display for PublicId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = [0u8; 26];
        let mut v = self.0;
        for slot in out.iter_mut().rev() {
            *slot = ALPHABET[(v & 31) as usize];
            v >>= 5;
        }
        f.write_str(std::str::from_utf8(&out).expect("alphabet is ASCII"))
    }
}

impl std::fmt::Debug for PublicId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicId({self})")
    }
}

impl From<PublicId> for String {
    fn from(id: PublicId) -> String {
        id.to_string()
    }
}

impl TryFrom<String> for PublicId {
    type Error = InvalidPublicId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PublicId::parse(&s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid public id")]
pub struct InvalidPublicId;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for bytes in [[0u8; 16], [255u8; 16], *b"0123456789abcdef"] {
            let id = PublicId::from_random_bytes(bytes);
            let text = id.to_string();
            assert_eq!(text.len(), 26);
            assert_eq!(PublicId::parse(&text), Ok(id));
            assert_eq!(PublicId::parse(&text.to_uppercase()), Ok(id));
        }
    }

    #[test]
    fn rejects_malformed_text() {
        assert!(PublicId::parse("").is_err());
        assert!(PublicId::parse("../../etc/passwd").is_err());
        assert!(PublicId::parse("iiiiiiiiiiiiiiiiiiiiiiiiii").is_err(), "i is not in the alphabet");
        assert!(PublicId::parse("zzzzzzzzzzzzzzzzzzzzzzzzzz").is_err(), "overflows 128 bits");
    }
}

//! A word list of the language (such as Debian's `wswedish`,
//! `/usr/share/dict/swedish`): words the search statistics may keep even
//! when no indexed text uses them, so that editors see what people look for
//! and do not find. Only entries in lower case count: an entry with a
//! capital letter is a name (*Anna*, *Andersson*), which is personal data in
//! a query.

use std::collections::HashSet;

#[derive(Debug, Default)]
pub struct WordList(HashSet<Box<str>>);

impl WordList {
    /// One word per line, in UTF-8 or (as Debian's older lists are) Latin-1.
    pub fn parse(bytes: &[u8]) -> Self {
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => std::borrow::Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
        };
        let words = text
            .lines()
            .map(str::trim)
            .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_lowercase() || c == '-'))
            .map(Box::from)
            .collect();
        Self(words)
    }

    pub fn contains(&self, word: &str) -> bool {
        self.0.contains(word)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_words_count_and_names_do_not_in_utf8_and_latin1() {
        let utf8 = WordList::parse("förskola\nAnna\nAndersson\nparkering\n\n".as_bytes());
        assert!(utf8.contains("förskola") && utf8.contains("parkering"));
        assert!(!utf8.contains("anna") && !utf8.contains("Anna") && utf8.len() == 2);
        let latin1 = WordList::parse(b"f\xf6rskola\nSj\xf6gatan\n");
        assert!(latin1.contains("förskola"));
        assert_eq!(latin1.len(), 1);
    }
}

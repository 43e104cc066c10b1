//! Field-level validation errors shared by every `parse` in the domain.
//!
//! A [`Violations`] collects every problem with an input at once, so a form or
//! an API client learns about all of them in one round trip.

use serde::Serialize;

/// One problem with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldViolation {
    /// Dotted path of the field, e.g. `stakeholders[0].personal_number`.
    pub field: String,
    /// Stable machine-readable code, e.g. `required`, `too_long`, `invalid`.
    pub code: &'static str,
    /// Human-readable English message. It never echoes the rejected value,
    /// because the value may be personal data.
    pub message: String,
}

/// All problems found in one input. Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Violations(pub Vec<FieldViolation>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldViolation { field: field.into(), code, message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was collected, otherwise `Err(self)`.
    pub fn into_result<T>(self, value: T) -> Result<T, Violations> {
        if self.is_empty() { Ok(value) } else { Err(self) }
    }

    /// Checks a required text field: trims it, rejects empty and over-long input.
    pub fn text(&mut self, field: &str, value: &str, max_chars: usize) -> Option<String> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.push(field, "required", "must not be empty");
            None
        } else if trimmed.chars().count() > max_chars {
            self.push(field, "too_long", format!("must be at most {max_chars} characters"));
            None
        } else {
            Some(trimmed.to_owned())
        }
    }

    /// Like [`Violations::text`] for an optional field: blank means absent.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max_chars: usize) -> Option<String> {
        match value.map(str::trim) {
            None | Some("") => None,
            Some(v) => self.text(field, v, max_chars),
        }
    }
}

impl std::fmt::Display for Violations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", v.field, v.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_trims_and_limits() {
        let mut v = Violations::new();
        assert_eq!(v.text("title", "  Hål i vägen ", 20).as_deref(), Some("Hål i vägen"));
        assert_eq!(v.text("title", "   ", 20), None);
        assert_eq!(v.text("title", &"å".repeat(21), 20), None);
        let codes: Vec<_> = v.0.iter().map(|x| x.code).collect();
        assert_eq!(codes, ["required", "too_long"]);
        assert_eq!(v.optional_text("x", Some("  "), 5), None);
        assert!(v.0.len() == 2, "blank optional text is not a violation");
    }
}

//! The e-service definition loader, on arbitrary UTF-8.
//!
//! Does what `porten_app::eservices::parse_definition` does (TOML into a
//! `RawDefinition`, the error's line and column when that fails, then
//! `Definition::parse`), without building porten-app. Checks that:
//! - nothing panics, including the line and column of a TOML error;
//! - a definition that parses keeps every rule `Definition::parse` promises
//!   (names, unique ids and names, options only for choices, limits,
//!   conditions on earlier fields), and parses the same way twice;
//! - a rejected one reports at least one problem, each at a path that exists
//!   in the file (`steps[1].fields[0].show_if.field`);
//! - with no answers, exactly the required unconditional fields are missing;
//! - its Open311 attributes are its fields but files, in order.
#![no_main]

use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;
use porten_domain::eservice::{Answers, DEFAULT_MAX_LENGTH, Definition, FieldKind, MAX_LENGTH, RawDefinition};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let raw: RawDefinition = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            // What porten-app's parse_definition reports: the line and column
            // of the error's span (crates/porten-app/src/eservices/definitions.rs).
            if let Some(s) = e.span() {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                assert!(line >= 1 && column >= 1);
            }
            assert!(!e.message().is_empty(), "a TOML error says what is wrong");
            return;
        }
    };
    match Definition::parse(raw.clone()) {
        Ok(definition) => {
            assert_eq!(Definition::parse(raw.clone()).as_ref(), Ok(&definition), "parsing is deterministic");
            check_definition(&raw, &definition);
        }
        Err(violations) => {
            assert!(!violations.0.is_empty(), "a rejected definition names a problem");
            for v in &violations.0 {
                assert!(path_exists(&raw, &v.field), "no such path in the file: {:?} ({})", v.field, v.code);
                assert!(["invalid", "required", "duplicate", "unknown"].contains(&v.code), "code {}", v.code);
            }
        }
    }
});

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn filled(t: &porten_domain::eservice::Text) -> bool {
    !t.sv.trim().is_empty() && !t.en.trim().is_empty()
}

/// Everything `Definition::parse` promises of a definition it accepts.
fn check_definition(raw: &RawDefinition, d: &Definition) {
    assert!(valid_name(&d.service_code.replace('-', "_")), "service code");
    assert!(d.version >= 1);
    assert!(filled(&d.title) && filled(&d.intro));
    assert!(!d.steps.is_empty());
    assert_eq!(d.steps.len(), raw.steps.len());
    let mut step_ids = BTreeSet::new();
    let mut earlier: Vec<&porten_domain::eservice::Field> = Vec::new();
    for (step, raw_step) in d.steps.iter().zip(&raw.steps) {
        assert!(valid_name(&step.id) && step_ids.insert(step.id.as_str()), "step ids are valid and unique");
        assert!(filled(&step.title));
        assert!(!step.fields.is_empty());
        assert_eq!(step.fields.len(), raw_step.fields.len());
        for (field, raw_field) in step.fields.iter().zip(&raw_step.fields) {
            assert!(valid_name(&field.name), "field name");
            assert!(earlier.iter().all(|e| e.name != field.name), "field names are unique");
            assert!(filled(&field.label) && field.help.as_ref().is_none_or(filled));
            let choice = matches!(field.kind, FieldKind::SingleChoice | FieldKind::MultipleChoice);
            assert_eq!(choice, !field.options.is_empty(), "options exactly for choices");
            let values: BTreeSet<&str> = field.options.iter().map(|o| o.value.as_str()).collect();
            assert_eq!(values.len(), field.options.len(), "option values are unique");
            assert!(field.options.iter().all(|o| filled(&o.label)));
            assert!((1..=MAX_LENGTH).contains(&field.max_length), "max_length {}", field.max_length);
            assert_eq!(field.max_length, raw_field.max_length.unwrap_or(DEFAULT_MAX_LENGTH));
            if let Some(cond) = &field.show_if {
                let Some(on) = earlier.iter().find(|e| e.name == cond.field) else {
                    panic!("show_if names a field that comes earlier")
                };
                if !on.options.is_empty() {
                    assert!(on.options.iter().any(|o| o.value == cond.equals), "show_if equals one of the options");
                }
            }
            earlier.push(field);
        }
    }
    assert_eq!(d.fields().count(), earlier.len());

    // With no answers a conditional field is hidden, so exactly the required
    // fields without a condition are missing, in order.
    let missing: Vec<&str> =
        d.fields().filter(|f| f.required && f.show_if.is_none()).map(|f| f.name.as_str()).collect();
    let empty = Answers::new();
    for f in d.fields() {
        assert_eq!(d.shown(f, &empty), f.show_if.is_none());
    }
    match d.check_answers(&empty, None) {
        Ok(()) => assert!(missing.is_empty(), "required fields {missing:?} passed unanswered"),
        Err(v) => {
            let got: Vec<(&str, &str)> = v.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
            let want: Vec<(&str, &str)> = missing.iter().map(|m| (*m, "required")).collect();
            assert_eq!(got, want);
        }
    }

    let attributes = d.open311_attributes();
    let not_files: Vec<&str> = d.fields().filter(|f| f.kind != FieldKind::File).map(|f| f.name.as_str()).collect();
    assert_eq!(attributes.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(), not_files);
    assert!(attributes.iter().enumerate().all(|(i, a)| a.order == i + 1));
}

/// Whether `path` (`steps[1].fields[0].options[2].label.sv`) names something
/// the raw definition has.
fn path_exists(raw: &RawDefinition, path: &str) -> bool {
    let mut parts = path.split('.');
    let text = |rest: &mut std::str::Split<'_, char>| matches!((rest.next(), rest.next()), (Some("sv" | "en"), None));
    match parts.next() {
        Some("service_code" | "version" | "steps") if parts.clone().next().is_none() => true,
        Some("title" | "intro") => text(&mut parts),
        Some(first) => {
            let Some(s) = index(first, "steps").filter(|s| *s < raw.steps.len()) else { return false };
            let step = &raw.steps[s];
            match parts.next() {
                Some("id" | "fields") => parts.next().is_none(),
                Some("title") => text(&mut parts),
                Some(second) => {
                    let Some(f) = index(second, "fields").filter(|f| *f < step.fields.len()) else { return false };
                    let field = &step.fields[f];
                    match parts.next() {
                        Some("name" | "options" | "max_length" | "party_role" | "party_name_field") => {
                            parts.next().is_none()
                        }
                        Some("label") => text(&mut parts),
                        Some("help") => field.help.is_some() && text(&mut parts),
                        Some("show_if") => {
                            field.show_if.is_some()
                                && matches!((parts.next(), parts.next()), (Some("field" | "equals"), None))
                        }
                        Some(third) => {
                            index(third, "options").is_some_and(|o| o < field.options.len())
                                && parts.next() == Some("label")
                                && text(&mut parts)
                        }
                        None => false,
                    }
                }
                None => false,
            }
        }
        None => false,
    }
}

/// `name[3]` → 3.
fn index(part: &str, name: &str) -> Option<usize> {
    part.strip_prefix(name)?.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

//! A citizen's answers against real e-service definitions: the demo's
//! pothole and preschool-place forms, and one with every field kind
//! (`ALL_KINDS` below). The input picks a definition, a step (or all, or an
//! unknown id) and the answers, mostly to the definition's own fields and
//! mostly from values that matter to each kind (valid and almost-valid
//! numbers, dates, e-mail addresses, personnummer, over-long text).
//!
//! Checks that:
//! - checking all steps reports exactly what checking each step reports, in
//!   step order, and an unknown step id reports nothing;
//! - each problem is on a field of the step that is shown, with a code and a
//!   message that never carries the answer (messages are fixed texts);
//! - a shown required field without an answer is reported `required`, a
//!   shown optional one without an answer is not reported;
//! - an answer known to be valid for its kind (`19121212-1212` for a
//!   personnummer, `12,5` for a number) is never reported;
//! - answers to names that are no field of the definition change nothing;
//! - `shown` is true for every field without a condition.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use porten_domain::eservice::{Answers, Definition, Field, FieldKind, RawDefinition};

/// Every field kind, with a condition on a multiple choice and short limits.
const ALL_KINDS: &str = r#"
service_code = "fuzz-all-kinds"
version = 3
title = { sv = "Alla fältsorter", en = "Every kind of field" }
intro = { sv = "För fuzzning.", en = "For fuzzing." }

[[steps]]
id = "first"
title = { sv = "Ett", en = "One" }
fields = [
  { name = "text", kind = "text", max_length = 5, label = { sv = "Text", en = "Text" } },
  { name = "area", kind = "textarea", required = true, label = { sv = "Text", en = "Text" } },
  { name = "count", kind = "number", required = true, label = { sv = "Antal", en = "Count" } },
  { name = "day", kind = "date", label = { sv = "Dag", en = "Day" } },
  { name = "mail", kind = "email", label = { sv = "E-post", en = "E-mail" } },
  { name = "phone", kind = "phone", label = { sv = "Telefon", en = "Phone" } },
]

[[steps]]
id = "second"
title = { sv = "Två", en = "Two" }
fields = [
  { name = "pnr", kind = "personnummer", required = true, label = { sv = "Personnummer", en = "Personal number" } },
  { name = "orgnr", kind = "organisationsnummer", label = { sv = "Organisationsnummer", en = "Organisation number" } },
  { name = "place", kind = "address", max_length = 1, label = { sv = "Adress", en = "Address" } },
  { name = "point", kind = "coordinates", label = { sv = "Koordinater", en = "Coordinates" } },
  { name = "one", kind = "single_choice", required = true, label = { sv = "En", en = "One" }, options = [
    { value = "a", label = { sv = "A", en = "A" } },
    { value = "b b", label = { sv = "B", en = "B" } },
  ] },
  { name = "many", kind = "multiple_choice", label = { sv = "Flera", en = "Several" }, options = [
    { value = "x", label = { sv = "X", en = "X" } },
    { value = "y", label = { sv = "Y", en = "Y" } },
    { value = "zåäö", label = { sv = "Z", en = "Z" } },
  ] },
  { name = "when_y", kind = "date", required = true, show_if = { field = "many", equals = "y" }, label = { sv = "Datum", en = "Date" } },
  { name = "when_b", kind = "checkbox", required = true, show_if = { field = "one", equals = "b b" }, label = { sv = "Intyga", en = "Confirm" } },
  { name = "when_text", kind = "number", show_if = { field = "text", equals = "ja" }, label = { sv = "Tal", en = "Number" } },
  { name = "consent", kind = "checkbox", required = true, label = { sv = "Samtycke", en = "Consent" } },
  { name = "upload", kind = "file", label = { sv = "Fil", en = "File" } },
]
"#;

fn definition(text: &str) -> Definition {
    Definition::parse(toml::from_str::<RawDefinition>(text).expect("valid TOML")).expect("valid definition")
}

static DEFINITIONS: LazyLock<[Definition; 3]> = LazyLock::new(|| {
    [
        definition(include_str!("../../crates/porten/demo/eservices/pothole.toml")),
        definition(include_str!("../../crates/porten/demo/eservices/preschool-place.toml")),
        definition(ALL_KINDS),
    ]
});

/// Answers that are valid for a kind: none of them may be reported.
fn valid(kind: FieldKind) -> &'static [&'static str] {
    match kind {
        FieldKind::Number => &["0", "12,5", "-3.25", "1e3", "  42  "],
        FieldKind::Date => &["2027-01-10", "2024-02-29"],
        FieldKind::Email => &["anna@example.se", "a.b+c@sub.example.org"],
        FieldKind::Phone => &["070-174 06 10", "+46 (0)70 1740610", "1234567"],
        // Skatteverket's test number, a samordningsnummer, an old 100-year-old '+'.
        FieldKind::Personnummer => &["19121212-1212", "191212121212", "19121212+1212", "197010632391"],
        FieldKind::Organisationsnummer => &["556016-0680", "5560160680", "212000-0142"],
        FieldKind::Checkbox => &["yes", " yes "],
        FieldKind::Coordinates => &["62.3908, 17.3069", "62,3908 17,3069", "-33.9;151.2", "90, -180"],
        FieldKind::Text | FieldKind::Textarea | FieldKind::Address | FieldKind::File => &["ok"],
        FieldKind::SingleChoice | FieldKind::MultipleChoice => &[],
    }
}

/// Near misses and oddities for every kind.
const AWKWARD: &[&str] = &[
    "",
    " ",
    "\u{a0}",
    "\u{2003}",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "1,5,5",
    "12.",
    ".5",
    "2023-02-29",
    "2027-1-10",
    "+002027-01-10",
    "10/1 2027",
    "anna",
    "@example.se",
    "anna@.se",
    "anna@example.se.",
    "anna@@example.se",
    "anna @example.se",
    "070-174 06 1",
    "0701740610123456",
    "070 174 06 10 ext 2",
    "19121212-1213",
    "19121332-1212",
    "1212121212",
    "121212-1212",
    "19121212--1212",
    "19121212 1212",
    "556016-0681",
    "556016+0680",
    "1212121212",
    "YES",
    "on",
    "ja",
    "a",
    "b b",
    "x",
    "y",
    "zåäö",
    "ZÅÄÖ",
    "y ",
    "ö",
    "e\u{301}",
];

fn value(u: &mut Unstructured<'_>, field: &Field) -> Result<String> {
    Ok(match u.int_in_range(0u8..=9)? {
        0..=2 => {
            let valid = valid(field.kind);
            let options: Vec<&str> = field.options.iter().map(|o| o.value.as_str()).collect();
            let all: Vec<&str> = valid.iter().copied().chain(options).collect();
            if all.is_empty() { String::new() } else { (*u.choose(&all)?).to_owned() }
        }
        3..=5 => (*u.choose(AWKWARD)?).to_owned(),
        6 => {
            // Around the length limit, in characters of several sizes.
            let n = field.max_length.saturating_add(u.int_in_range(0..=2)?).saturating_sub(1);
            let c = *u.choose(&['x', 'ö', '€', '😀'])?;
            std::iter::repeat_n(c, n).collect()
        }
        _ => String::arbitrary(u)?,
    })
}

struct Case<'a> {
    definition: &'a Definition,
    answers: Answers,
    step: Option<String>,
}

fn case(data: &[u8]) -> Result<Case<'static>> {
    let mut u = Unstructured::new(data);
    let definition = u.choose(&DEFINITIONS[..])?;
    let fields: Vec<&Field> = definition.fields().collect();
    let mut answers = Answers::new();
    for _ in 0..u.int_in_range(0..=16)? {
        let field = *u.choose(&fields)?;
        let name = if u.ratio(1, 10)? { String::arbitrary(&mut u)? } else { field.name.clone() };
        let values = answers.entry(name).or_default();
        for _ in 0..u.int_in_range(0..=3)? {
            values.push(value(&mut u, field)?);
        }
    }
    let step = match u.int_in_range(0u8..=3)? {
        0 => None,
        1 => Some(String::arbitrary(&mut u)?),
        _ => Some(u.choose(&definition.steps)?.id.clone()),
    };
    Ok(Case { definition, answers, step })
}

/// The messages `check_answers` may give: fixed texts, never an answer.
fn expected_message(field: &Field, code: &str, message: &str) -> bool {
    const KINDS: [&str; 10] = [
        "latitude and longitude (WGS 84)",
        "number",
        "date (YYYY-MM-DD)",
        "e-mail address",
        "phone number",
        "personnummer or samordningsnummer",
        "organisationsnummer",
        "choice",
        "confirmation",
        "answer",
    ];
    match code {
        "required" => message == "must be answered",
        "too_long" => message == format!("must be at most {} characters", field.max_length),
        "invalid" => {
            message == "takes one answer" || message.strip_prefix("is not a valid ").is_some_and(|k| KINDS.contains(&k))
        }
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(Case { definition: d, answers, step }) = case(data) else { return };
    let step = step.as_deref();

    for field in d.fields() {
        let shown = d.shown(field, &answers);
        if field.show_if.is_none() {
            assert!(shown, "{} has no condition", field.name);
        }
    }

    let result = d.check_answers(&answers, step);

    // All steps at once = each step in turn; an unknown step = nothing.
    let per_step: Vec<_> = d
        .steps
        .iter()
        .flat_map(|s| d.check_answers(&answers, Some(&s.id)).err().map(|v| v.0).unwrap_or_default())
        .collect();
    let all = d.check_answers(&answers, None).err().map(|v| v.0).unwrap_or_default();
    assert_eq!(all, per_step, "all steps at once report what each step reports");
    if let Some(id) = step
        && !d.steps.iter().any(|s| s.id == id)
    {
        assert_eq!(result, Ok(()), "an unknown step has nothing to check");
    }

    // Names that are no field of the definition are ignored.
    let known: Answers = answers
        .iter()
        .filter(|(k, _)| d.fields().any(|f| &f.name == *k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(d.check_answers(&known, step), result, "answers to unknown names change nothing");

    let violations = result.err().map(|v| v.0).unwrap_or_default();
    let in_scope: Vec<&Field> =
        d.steps.iter().filter(|s| step.is_none_or(|id| s.id == id)).flat_map(|s| &s.fields).collect();
    for v in &violations {
        let Some(field) = in_scope.iter().find(|f| f.name == v.field) else {
            panic!("{:?} is no field of the step checked", v.field)
        };
        assert!(d.shown(field, &answers), "{} is hidden but was reported", field.name);
        assert!(expected_message(field, v.code, &v.message), "{}: {} {:?}", field.name, v.code, v.message);
    }
    for field in &in_scope {
        let reported: Vec<&str> = violations.iter().filter(|v| v.field == field.name).map(|v| v.code).collect();
        if !d.shown(field, &answers) {
            continue;
        }
        let given: Vec<&str> = answers
            .get(&field.name)
            .map(|a| a.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        if given.is_empty() {
            let want: &[&str] = if field.required { &["required"] } else { &[] };
            assert_eq!(reported, want, "{} unanswered", field.name);
        } else if given.len() == 1
            && given[0].chars().count() <= field.max_length
            && valid(field.kind).iter().any(|ok| ok.trim() == given[0])
        {
            assert!(reported.is_empty(), "{}: valid answer reported {reported:?}", field.name);
        }
    }
});

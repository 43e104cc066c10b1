//! Loading e-service definitions (see `porten_domain::eservice`): one TOML
//! file per service, read and checked when Porten starts. An error names the
//! file and the field, and every problem in every file is reported at once.

use std::path::Path;

use porten_domain::eservice::{Definition, RawDefinition};

/// A definition that cannot be used: which file, which field, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {field}: {message}")]
pub struct DefinitionError {
    pub file: String,
    /// The field's path, e.g. `steps[1].fields[0].show_if.field`, or the
    /// line and column when the file is not valid TOML.
    pub field: String,
    pub message: String,
}

/// Reads and checks one definition; `file` names it in errors.
pub fn parse_definition(file: &str, text: &str) -> Result<Definition, Vec<DefinitionError>> {
    let error = |field: String, message: String| DefinitionError { file: file.to_owned(), field, message };
    let raw: RawDefinition = toml::from_str(text).map_err(|e| {
        let at = e.span().map(|s| {
            let before = &text[..s.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}")
        });
        vec![error(at.unwrap_or_else(|| "(file)".into()), e.message().to_owned())]
    })?;
    Definition::parse(raw)
        .map_err(|v| v.0.into_iter().map(|f| error(f.field, format!("{} ({})", f.message, f.code))).collect())
}

/// Reads every `*.toml` definition in `files` (name, text), checks each, and
/// checks that no two define the same service and version.
pub fn parse_definitions<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<Definition>, Vec<DefinitionError>> {
    let mut definitions: Vec<(String, Definition)> = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in files {
        match parse_definition(file, text) {
            Ok(d) => {
                if let Some((first, _)) =
                    definitions.iter().find(|(_, o)| o.service_code == d.service_code && o.version == d.version)
                {
                    errors.push(DefinitionError {
                        file: file.to_owned(),
                        field: "version".into(),
                        message: format!("{first} already defines {} version {}", d.service_code, d.version),
                    });
                }
                definitions.push((file.to_owned(), d));
            }
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() { Ok(definitions.into_iter().map(|(_, d)| d).collect()) } else { Err(errors) }
}

/// Reads every `*.toml` file in `dir`, in name order.
pub fn load_definitions(dir: &Path) -> Result<Vec<Definition>, Vec<DefinitionError>> {
    let unreadable = |what: &str, e: std::io::Error| {
        vec![DefinitionError { file: what.to_owned(), field: "(file)".into(), message: e.to_string() }]
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| unreadable(&dir.display().to_string(), e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut files = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).map_err(|e| unreadable(&path.display().to_string(), e))?;
        files.push((path.display().to_string(), text));
    }
    parse_definitions(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
service_code = "pothole"
version = 1
title = { sv = "Felanmälan", en = "Report a fault" }
intro = { sv = "Anmäl fel.", en = "Report faults." }

[[steps]]
id = "where"
title = { sv = "Var", en = "Where" }

[[steps.fields]]
name = "address"
kind = "address"
required = true
label = { sv = "Adress", en = "Address" }
"#;

    #[test]
    fn errors_name_the_file_and_the_field() {
        assert!(parse_definition("pothole.toml", GOOD).is_ok());
        let typo = GOOD.replace("kind = \"address\"", "kind = \"adress\"");
        let e = parse_definition("pothole.toml", &typo).unwrap_err();
        assert_eq!((e[0].file.as_str(), e[0].field.as_str()), ("pothole.toml", "line 13, column 8"), "{e:?}");
        let empty_label = GOOD.replace("label = { sv = \"Adress\"", "label = { sv = \"\"");
        let e = parse_definition("pothole.toml", &empty_label).unwrap_err();
        assert_eq!(e[0].to_string(), "pothole.toml: steps[0].fields[0].label.sv: must not be empty (required)");
        let twice = parse_definitions([("a.toml", GOOD), ("b.toml", GOOD)]).unwrap_err();
        assert_eq!(twice[0].to_string(), "b.toml: version: a.toml already defines pothole version 1");
    }
}

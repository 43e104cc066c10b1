//! Comparing two versions of a knowledge article, for its editors
//! (`/staff/kunskap/{slug}/jamfor?fran=N&till=M`): each text that changed,
//! word by word, with what was removed and what was added marked for the
//! eye (`<del>`, `<ins>`) and for screen readers (hidden words saying so).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use porten_domain::knowledge::ArticleContent;
use serde::Deserialize;
use similar::{ChangeTag, TextDiff};

use crate::AppState;
use crate::i18n::Tr;
use crate::pages::*;
use crate::routes::Routes;
use crate::staff::{KnowledgeEditors, Staff};

pub fn routes() -> Routes {
    Routes::new().get("/staff/kunskap/{slug}/jamfor", compare_page)
}

/// A run of words in a comparison: kept, removed or added.
pub(crate) struct Piece {
    pub kind: &'static str,
    pub text: String,
}

/// One part of the article (a title, a list of services) and how it changed.
pub(crate) struct FieldChange {
    pub label: String,
    pub pieces: Vec<Piece>,
    /// The text's language where it is not the page's.
    pub lang: Option<&'static str>,
}

/// The difference between two texts, runs of one kind merged: line by line
/// for a body (a paragraph, heading or list item changed), word by word for
/// a line such as a title.
pub(crate) fn word_diff(old: &str, new: &str) -> Vec<Piece> {
    let diff = if old.contains('\n') || new.contains('\n') {
        TextDiff::from_lines(old, new)
    } else {
        TextDiff::from_words(old, new)
    };
    let mut pieces: Vec<Piece> = Vec::new();
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            ChangeTag::Equal => "same",
            ChangeTag::Delete => "del",
            ChangeTag::Insert => "ins",
        };
        match pieces.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(change.value()),
            _ => pieces.push(Piece { kind, text: change.value().to_owned() }),
        }
    }
    pieces
}

/// Without `till`, the newest version; without `fran`, the published one
/// (or the one before `till`). A number that is not one counts as left out.
#[derive(Deserialize)]
struct CompareParams {
    fran: Option<String>,
    till: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "kb_compare.html")]
struct ComparePage {
    t: Tr,
    nav: Nav,
    slug: String,
    title: String,
    changes: Vec<FieldChange>,
}

/// The texts of a version that can be compared, labelled, with their language.
fn parts(t: &Tr, c: &ArticleContent) -> Vec<(String, String, Option<&'static str>)> {
    let en =
        |f: fn(&porten_domain::knowledge::ArticleText) -> &String| c.en.as_ref().map(f).cloned().unwrap_or_default();
    vec![
        (t.get("kb-field-title_sv"), c.sv.title.clone(), Some("sv")),
        (t.get("kb-field-summary_sv"), c.sv.summary.clone(), Some("sv")),
        (t.get("kb-field-body_sv"), c.sv.body.clone(), Some("sv")),
        (t.get("kb-field-title_en"), en(|x| &x.title), Some("en")),
        (t.get("kb-field-summary_en"), en(|x| &x.summary), Some("en")),
        (t.get("kb-field-body_en"), en(|x| &x.body), Some("en")),
        (t.get("kb-field-keywords"), c.keywords.join(", "), Some("sv")),
        (
            t.get("kb-field-audiences"),
            c.audiences.iter().map(|a| t.get(&format!("audience-{}", a.as_str()))).collect::<Vec<_>>().join(", "),
            None,
        ),
        (t.get("kb-field-services"), c.services.join(", "), None),
    ]
}

async fn compare_page(
    State(state): State<AppState>,
    Staff { actor, t, nav, .. }: Staff<KnowledgeEditors>,
    Path(slug): Path<String>,
    Query(p): Query<CompareParams>,
) -> Response {
    let number = |v: &Option<String>| v.as_deref().and_then(|v| v.parse::<u32>().ok());
    let compared = state.app.versions_to_compare(&actor, &slug, number(&p.fran), number(&p.till)).await;
    let (old, new) = match compared {
        Ok(pair) => pair,
        Err(e) => return app_error_page(t, nav, e),
    };
    let page_lang = t.lang.code();
    let changes = parts(&t, &old.content)
        .into_iter()
        .zip(parts(&t, &new.content))
        .filter(|((_, a, _), (_, b, _))| a != b)
        .map(|((label, a, lang), (_, b, _))| FieldChange {
            label,
            pieces: word_diff(&a, &b),
            lang: lang.filter(|l| *l != page_lang),
        })
        .collect();
    let title = t.with(
        "kb-compare-title",
        &[("title", new.content.sv.title.clone()), ("from", old.version.to_string()), ("to", new.version.to_string())],
    );
    ComparePage { t, nav, slug, title, changes }.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| match p.kind {
                "del" => format!("[-{}]", p.text),
                "ins" => format!("[+{}]", p.text),
                _ => p.text.clone(),
            })
            .collect()
    }

    #[test]
    fn a_changed_word_shows_what_went_and_what_came() {
        let pieces = word_diff("Bussarna har vinterdäck.", "Bussarna har dubbfria däck.");
        assert_eq!(render(&pieces), "Bussarna har [-vinterdäck.][+dubbfria däck.]");
        assert_eq!(render(&word_diff("Samma text", "Samma text")), "Samma text");
        assert_eq!(render(&word_diff("", "Ny")), "[+Ny]");
        // A body is compared a line at a time: a new section is one addition.
        let before = "Stycke ett.\n\n## Var?\n\nStycke tre.\n";
        let after = "Stycke ett.\n\n## Ny avgift\n\nKostar 900 kronor.\n\n## Var?\n\nStycke tre.\n";
        assert_eq!(
            render(&word_diff(before, after)),
            "Stycke ett.\n\n[+## Ny avgift\n\nKostar 900 kronor.\n\n]## Var?\n\nStycke tre.\n"
        );
    }
}

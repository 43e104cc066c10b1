//! The knowledge base (*kunskapsbank*) and the portal's structure: articles
//! that answer citizens' questions (and internal ones for contact-center
//! agents), the topics the portal is browsed by, the city's contact details,
//! and the search synonyms editors manage.

use serde::{Deserialize, Serialize};

use crate::catalogue::{Audience, UnitCode};
use crate::validation::Violations;

/// Who may read an article.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everyone, on the portal.
    Public,
    /// Staff only: the contact center's own guidance.
    Internal,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Internal => "internal",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Self::Public),
            "internal" => Some(Self::Internal),
            _ => None,
        }
    }
}

/// One language's text of an article.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleText {
    pub title: String,
    pub summary: String,
    /// Markdown subset: paragraphs, `## ` headings, `- ` lists.
    pub body: String,
}

/// What one version of an article says and links to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleContent {
    pub sv: ArticleText,
    /// The English version, when there is one.
    pub en: Option<ArticleText>,
    /// Words citizens use for what the article is about.
    pub keywords: Vec<String>,
    pub audiences: Vec<Audience>,
    /// Catalogue services (and so contact reasons) the article helps with.
    pub services: Vec<String>,
}

impl ArticleContent {
    /// The text in `lang` (`"en"` or Swedish), falling back to Swedish.
    pub fn text(&self, lang: &str) -> &ArticleText {
        match (lang, &self.en) {
            ("en", Some(en)) => en,
            _ => &self.sv,
        }
    }
}

/// An article's identity and state; its texts are versioned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleMeta {
    /// Lower-case kebab-case, used in its address: `/kunskap/{slug}`.
    pub slug: String,
    pub unit: UnitCode,
    pub topic: Option<String>,
    pub visibility: Visibility,
    /// The newest version (a draft when it is above `published`).
    pub latest: u32,
    /// The version the portal shows; `None` while the article is a draft.
    pub published: Option<u32>,
    pub views: u64,
    pub helpful_yes: u64,
    pub helpful_no: u64,
}

impl ArticleMeta {
    /// The share of "yes" answers, pulled towards ½ while there are few
    /// (one imagined vote each way), so one early "no" does not bury it.
    pub fn helpfulness(&self) -> f64 {
        (self.helpful_yes as f64 + 1.0) / ((self.helpful_yes + self.helpful_no) as f64 + 2.0)
    }
}

/// An article with the content of one version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub meta: ArticleMeta,
    pub version: u32,
    pub content: ArticleContent,
}

/// An article as an editor submits it, before checking.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct RawArticle {
    pub slug: String,
    pub unit: String,
    pub topic: Option<String>,
    pub visibility: String,
    pub title_sv: String,
    pub summary_sv: String,
    pub body_sv: String,
    pub title_en: Option<String>,
    pub summary_en: Option<String>,
    pub body_en: Option<String>,
    pub keywords: Vec<String>,
    pub audiences: Vec<String>,
    pub services: Vec<String>,
}

/// A checked article draft: what a save stores as the next version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewArticle {
    pub slug: String,
    pub unit: UnitCode,
    pub topic: Option<String>,
    pub visibility: Visibility,
    pub content: ArticleContent,
}

const TITLE_MAX: usize = 200;
const SUMMARY_MAX: usize = 500;
const BODY_MAX: usize = 20_000;

/// Whether `s` is a slug: 1–80 characters of a–z, 0–9 and inner hyphens.
pub fn is_slug(s: &str) -> bool {
    (1..=80).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

impl NewArticle {
    /// Checks an editor's input; every problem at once.
    pub fn parse(raw: &RawArticle) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let slug = raw.slug.trim();
        if !is_slug(slug) {
            v.push("slug", "invalid", "use 1–80 lower-case letters a–z, digits and hyphens");
        }
        let unit = UnitCode::parse(raw.unit.trim()).map_err(|_| v.push("unit", "invalid", "choose a unit")).ok();
        let visibility = Visibility::parse(raw.visibility.trim());
        if visibility.is_none() {
            v.push("visibility", "invalid", "choose public or internal");
        }
        let topic = raw.topic.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
        if topic.as_deref().is_some_and(|t| !is_slug(t)) {
            v.push("topic", "invalid", "unknown topic");
        }
        let title = v.text("title_sv", &raw.title_sv, TITLE_MAX);
        let summary = v.text("summary_sv", &raw.summary_sv, SUMMARY_MAX);
        let body = v.text("body_sv", &raw.body_sv, BODY_MAX);
        let en_given = [&raw.title_en, &raw.summary_en, &raw.body_en]
            .iter()
            .any(|f| f.as_deref().is_some_and(|s| !s.trim().is_empty()));
        let en = if en_given {
            let title = v.text("title_en", raw.title_en.as_deref().unwrap_or(""), TITLE_MAX);
            let summary = v.text("summary_en", raw.summary_en.as_deref().unwrap_or(""), SUMMARY_MAX);
            let body = v.text("body_en", raw.body_en.as_deref().unwrap_or(""), BODY_MAX);
            match (title, summary, body) {
                (Some(title), Some(summary), Some(body)) => Some(ArticleText { title, summary, body }),
                _ => None,
            }
        } else {
            None
        };
        let keywords: Vec<String> =
            raw.keywords.iter().map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()).collect();
        if keywords.len() > 30 || keywords.iter().any(|k| k.chars().count() > 60) {
            v.push("keywords", "too_long", "use at most 30 keywords of at most 60 characters");
        }
        let mut audiences = Vec::new();
        for a in &raw.audiences {
            match Audience::parse(a.trim()) {
                Some(a) if !audiences.contains(&a) => audiences.push(a),
                Some(_) => {}
                None => v.push("audiences", "invalid", "unknown audience"),
            }
        }
        let services: Vec<String> =
            raw.services.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        if services.len() > 20 {
            v.push("services", "too_long", "link at most 20 services");
        }
        match (unit, visibility, title, summary, body) {
            (Some(unit), Some(visibility), Some(title), Some(summary), Some(body)) if v.is_empty() => Ok(Self {
                slug: slug.to_owned(),
                unit,
                topic,
                visibility,
                content: ArticleContent { sv: ArticleText { title, summary, body }, en, keywords, audiences, services },
            }),
            _ => Err(v),
        }
    }
}

/// A topic the portal is browsed by (*Förskola och skola*), with its services.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    pub services: Vec<String>,
}

/// Opening hours of one channel on an ordinary weekday, and on the day
/// before a public holiday (*dag före helgdag*). Weekends and holidays are
/// closed; the business calendar's decisions win.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    pub opens: chrono::NaiveTime,
    pub closes: chrono::NaiveTime,
    pub eve_closes: chrono::NaiveTime,
}

/// How to reach the city: shown on the contact page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDetails {
    pub phone: String,
    pub email: String,
    pub visiting_address_sv: String,
    pub visiting_address_en: String,
    pub postal_address: String,
    pub phone_hours: OpeningHours,
    pub visit_hours: OpeningHours,
    pub chat_sv: String,
    pub chat_en: String,
    pub eid_help_sv: String,
    pub eid_help_en: String,
}

/// The portal's configuration: the city's name, contact details and topics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    pub name_sv: String,
    pub name_en: String,
    pub contact: Option<ContactDetails>,
    pub topics: Vec<Topic>,
}

impl Default for Site {
    fn default() -> Self {
        Self { name_sv: "Porten".into(), name_en: "Porten".into(), contact: None, topics: Vec::new() }
    }
}

/// A search synonym: a word citizens use (`dagis`) and the words the city
/// writes for it (`förskola`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Synonym {
    pub term: String,
    pub words: Vec<String>,
}

impl Synonym {
    /// Checks an editor's synonym: one lower-case word, and 1–10 words for it.
    pub fn parse(term: &str, words: &str) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let term = term.trim().to_lowercase();
        if term.is_empty() || term.chars().count() > 60 || term.contains(char::is_whitespace) {
            v.push("term", "invalid", "write one word of at most 60 characters");
        }
        let words: Vec<String> =
            words.split([',', '\n']).map(|w| w.trim().to_lowercase()).filter(|w| !w.is_empty()).collect();
        if words.is_empty() || words.len() > 10 || words.iter().any(|w| w.chars().count() > 60) {
            v.push("words", "invalid", "write 1–10 words or phrases, separated by commas");
        }
        v.into_result(Self { term, words })
    }
}

// Self-service measurement: what the query log and deflection figures are
// made of (no personal data: a visitor is a pseudonym).

/// A search as typed, or a click on one of its results (`clicked`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedSearch {
    pub query: String,
    pub lang: String,
    pub results: u32,
    pub clicked: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// How one query fared over a period, for editors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryStat {
    pub query: String,
    pub searches: u64,
    /// The fewest results any of its searches found (0: some search found nothing).
    pub results: u32,
    pub clicks: u64,
}

/// A self-service event: `kind` is `view`, `helpful`, `not_helpful` or `contact`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelfServiceEvent {
    pub visitor: String,
    pub kind: &'static str,
    pub doc: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Deflection figures for one page (`article:…` or `service:…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deflection {
    pub doc: String,
    /// Visitors who viewed it.
    pub visitors: u64,
    /// Of them, those who answered "yes, helpful".
    pub helpful: u64,
    /// Of those, the ones who opened no contact within 24 hours.
    pub deflected: u64,
}

/// A key that sorts text the Swedish way: case-insensitive, with å, ä and
/// ö after z, é as e and ü as y (*svensk alfabetisk ordning*).
pub fn swedish_sort_key(s: &str) -> Vec<u32> {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'å' => 'z' as u32 + 1,
            'ä' | 'æ' => 'z' as u32 + 2,
            'ö' | 'ø' => 'z' as u32 + 3,
            'é' | 'è' | 'ê' | 'ë' => 'e' as u32,
            'ü' => 'y' as u32,
            'á' | 'à' | 'â' => 'a' as u32,
            c => c as u32,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_order_puts_a_ring_a_umlaut_and_o_umlaut_after_z() {
        let mut names = vec!["Ökad trygghet", "Ansök om bygglov", "Äldreomsorg", "Zoo", "Åtgärd", "bibliotek", "Érik"];
        names.sort_by_key(|n| swedish_sort_key(n));
        assert_eq!(names, ["Ansök om bygglov", "bibliotek", "Érik", "Zoo", "Åtgärd", "Äldreomsorg", "Ökad trygghet"]);
    }

    #[test]
    fn an_article_needs_its_swedish_text_and_all_of_its_english_or_none() {
        let raw = RawArticle {
            slug: "ansok-om-forskoleplats".into(),
            unit: "UTF".into(),
            visibility: "public".into(),
            title_sv: "Ansök om förskoleplats".into(),
            summary_sv: "Så ansöker du.".into(),
            body_sv: "Text.".into(),
            title_en: Some("Apply".into()),
            audiences: vec!["parent".into(), "parent".into()],
            ..Default::default()
        };
        let err = NewArticle::parse(&raw).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["summary_en", "body_en"]);
        let ok = NewArticle::parse(&RawArticle { title_en: None, ..raw }).unwrap();
        assert_eq!(ok.content.audiences, [Audience::Parent]);
        assert!(ok.content.en.is_none());
        let bad = NewArticle::parse(&RawArticle { slug: "Å".into(), ..Default::default() }).unwrap_err();
        let fields: Vec<_> = bad.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["slug", "unit", "visibility", "title_sv", "summary_sv", "body_sv"]);
    }

    #[test]
    fn helpfulness_starts_at_a_half_and_follows_the_votes() {
        let meta = |yes, no| ArticleMeta {
            slug: "a".into(),
            unit: UnitCode::parse("KC").unwrap(),
            topic: None,
            visibility: Visibility::Public,
            latest: 1,
            published: Some(1),
            views: 0,
            helpful_yes: yes,
            helpful_no: no,
        };
        assert_eq!(meta(0, 0).helpfulness(), 0.5);
        assert!(meta(9, 1).helpfulness() > 0.8);
        assert!(meta(0, 1).helpfulness() > 0.3);
    }

    #[test]
    fn a_synonym_is_one_word_for_a_few() {
        let s = Synonym::parse(" Dagis ", "förskola, Förskoleklass").unwrap();
        assert_eq!(s, Synonym { term: "dagis".into(), words: vec!["förskola".into(), "förskoleklass".into()] });
        assert!(Synonym::parse("två ord", "x").is_err());
        assert!(Synonym::parse("x", " , ").is_err());
    }
}

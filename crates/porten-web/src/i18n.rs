//! Swedish (default) and English UI text through Fluent.
//!
//! The language comes from `?lang=` (which also sets a `lang` cookie), then
//! the cookie, then Swedish. All UI text lives in `locales/*/main.ftl`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "sv",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static SV: LazyLock<LanguageIdentifier> = LazyLock::new(|| "sv".parse().expect("valid language id"));
static EN: LazyLock<LanguageIdentifier> = LazyLock::new(|| "en".parse().expect("valid language id"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Sv,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }
    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }
    fn parse(s: &str) -> Option<Lang> {
        match s {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// The text source handed to templates: `{{ t.get("key") }}`.
#[derive(Clone, Debug)]
pub struct Tr {
    pub lang: Lang,
    pub city: String,
    /// Path and query of the page being shown (without `lang=`), for the language switch.
    pub here: String,
}

impl Tr {
    pub fn get(&self, key: &str) -> String {
        self.with(key, &[])
    }

    /// Looks up `key` with named arguments; `$city` is always available.
    pub fn with(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let mut map: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        map.insert(Cow::Borrowed("city"), FluentValue::from(self.city.clone()));
        for (k, v) in args {
            map.insert(Cow::Borrowed(*k), FluentValue::from(v.clone()));
        }
        LOCALES.lookup_with_args(self.lang.id(), key, &map)
    }

    /// Looks up `key` with a number argument, so plural rules apply.
    pub fn count(&self, key: &str, name: &'static str, n: impl std::borrow::Borrow<u64>) -> String {
        let mut map: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        map.insert(Cow::Borrowed(name), FluentValue::from(*n.borrow()));
        LOCALES.lookup_with_args(self.lang.id(), key, &map)
    }

    /// The same page in the other language.
    pub fn switch_href(&self) -> String {
        let other = match self.lang {
            Lang::Sv => "en",
            Lang::En => "sv",
        };
        let sep = if self.here.contains('?') { '&' } else { '?' };
        format!("{}{sep}lang={other}", self.here)
    }

    /// Shows the page as if it were at `path` (used when a POST re-renders a page).
    pub fn at(mut self, path: String) -> Self {
        self.here = path;
        self
    }

    /// Looks up `key` with one argument.
    pub fn with1(&self, key: &str, name: &'static str, value: impl ToString) -> String {
        self.with(key, &[(name, value.to_string())])
    }

    /// A state in staff words (the citizen's words come with the service's
    /// own: `porten_domain::catalogue::status_words`).
    pub fn staff_status(&self, state: porten_domain::Lifecycle) -> &'static str {
        let (sv, en) = state.words(porten_domain::Viewer::Staff);
        self.pick(sv, en)
    }

    /// Picks the Swedish or English variant of a stored text.
    pub fn pick<'a>(&self, sv: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Sv => sv,
            Lang::En => en,
        }
    }
}

/// The request path as a link on our own site: one leading slash, no empty
/// segments, no backslashes, so `//evil.example/login` cannot become a
/// link to another host.
fn normalised_path(path: &str) -> String {
    let segments: Vec<&str> = path.split(['/', '\\']).filter(|s| !s.is_empty()).collect();
    format!("/{}", segments.join("/"))
}

impl FromRequestParts<crate::AppState> for Tr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &crate::AppState) -> Result<Self, Self::Rejection> {
        let from_query =
            parts.uri.query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang="))).and_then(Lang::parse);
        let from_cookie = crate::auth::cookie(&parts.headers, "lang").and_then(Lang::parse);
        let rest: Vec<&str> = parts
            .uri
            .query()
            .map(|q| q.split('&').filter(|kv| !kv.starts_with("lang=") && !kv.is_empty()).collect())
            .unwrap_or_default();
        let path = normalised_path(parts.uri.path());
        let here = if rest.is_empty() { path } else { format!("{path}?{}", rest.join("&")) };
        let lang = from_query.or(from_cookie).unwrap_or(Lang::Sv);
        let city = match lang {
            Lang::Sv => state.config.city_name_sv.clone(),
            Lang::En => state.config.city_name_en.clone(),
        };
        Ok(Tr { lang, city, here })
    }
}

/// Remembers a language chosen with `?lang=` in a cookie.
pub async fn remember_lang(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let chosen =
        req.uri().query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang="))).and_then(Lang::parse);
    let mut res = next.run(req).await;
    if let Some(lang) = chosen {
        let cookie = format!("lang={}; Path=/; SameSite=Lax; Max-Age=31536000", lang.code());
        if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
            res.headers_mut().append(axum::http::header::SET_COOKIE, v);
        }
    }
    res
}

/// Formats an instant as Stockholm local time, `YYYY-MM-DD HH:MM`.
pub fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    porten_domain::time::to_stockholm(t).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_swedish_key_has_an_english_translation() {
        let sv = include_str!("../locales/sv/main.ftl");
        let en = include_str!("../locales/en/main.ftl");
        let keys = |s: &str| -> Vec<String> {
            s.lines().filter_map(|l| l.split_once(" = ")).map(|(k, _)| k.trim().to_owned()).collect()
        };
        assert_eq!(keys(sv), keys(en));
    }

    #[test]
    fn looks_up_with_arguments() {
        let t = Tr { lang: Lang::Sv, city: "Norrhamns stad".into(), here: "/staff/errands?unit=TK".into() };
        assert_eq!(t.get("home-title"), "Välkommen till Norrhamns stad");
        assert_eq!(t.count("errands-total", "total", 1), "1 ärende");
        assert_eq!(t.count("errands-total", "total", 3), "3 ärenden");
        assert_eq!(t.switch_href(), "/staff/errands?unit=TK&lang=en");
        let e = Tr { lang: Lang::En, ..t };
        assert_eq!(e.count("errands-total", "total", 3), "3 errands");
    }
}

//! A generated corpus made of the demo city's own words
//! (`crates/porten/demo/city.toml`), Swedish from its Swedish texts and
//! English from its English ones, each drawn as often as the city uses it,
//! with a fixed seed: titles of 3–8 words, four keywords, a 15-word summary
//! and bodies of 80–300 words, every second document with an English
//! version too; so term statistics look like a municipal website's, only
//! bigger. Shared by the search benchmark and the portal's HTTP one.

pub const CITY: &str = include_str!("../../../porten/demo/city.toml");
pub const RELEVANCE: &str = include_str!("../../../porten/demo/relevance.toml");

/// One generated page.
pub struct Page {
    pub title_sv: String,
    pub summary_sv: String,
    pub keywords: Vec<String>,
    pub body_sv: String,
    /// Empty when the page has no English version.
    pub title_en: String,
    pub summary_en: String,
    pub body_en: String,
    pub audience: &'static str,
    pub unit: &'static str,
    pub popularity: u64,
}

pub const AUDIENCES: [&str; 5] = ["resident", "parent", "pupil", "business", "senior"];
pub const UNITS: [&str; 7] = ["UTF", "SOF", "MF", "SBK", "TK", "KUF", "KC"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The Swedish (`…_sv`) and English (`…_en`) texts of the demo city.
fn collect(value: &toml::Value, key: &str, sv: &mut String, en: &mut String) {
    match value {
        toml::Value::String(text) if key.ends_with("_sv") => {
            sv.push_str(text);
            sv.push('\n');
        }
        toml::Value::String(text) if key.ends_with("_en") => {
            en.push_str(text);
            en.push('\n');
        }
        toml::Value::Table(table) => table.iter().for_each(|(k, v)| collect(v, k, sv, en)),
        toml::Value::Array(items) => items.iter().for_each(|v| collect(v, key, sv, en)),
        _ => {}
    }
}

/// `n` pages, the same ones every time.
pub fn pages(n: usize) -> impl Iterator<Item = Page> {
    let city: toml::Value = toml::from_str(CITY).unwrap();
    let (mut sv, mut en) = (String::new(), String::new());
    collect(&city, "", &mut sv, &mut en);
    let tokens = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphabetic())
            .filter(|w| w.chars().count() >= 3 && w.chars().next().is_some_and(char::is_lowercase))
            .map(str::to_owned)
            .collect()
    };
    let (words, en_words) = (tokens(&sv), tokens(&en));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let pick = |k: usize, rng: &mut Rng, words: &[String]| {
        (0..k).map(|_| words[rng.below(words.len())].as_str()).collect::<Vec<_>>().join(" ")
    };
    (0..n).map(move |i| {
        let title_len = 3 + rng.below(6);
        let body_len = 80 + rng.below(220);
        let english = i % 2 == 0;
        Page {
            title_sv: pick(title_len, &mut rng, &words),
            summary_sv: pick(15, &mut rng, &words),
            keywords: (0..4).map(|_| words[rng.below(words.len())].clone()).collect(),
            body_sv: pick(body_len, &mut rng, &words),
            title_en: if english { pick(title_len, &mut rng, &en_words) } else { String::new() },
            summary_en: if english { pick(15, &mut rng, &en_words) } else { String::new() },
            body_en: if english { pick(body_len, &mut rng, &en_words) } else { String::new() },
            audience: AUDIENCES[rng.below(AUDIENCES.len())],
            unit: UNITS[rng.below(UNITS.len())],
            popularity: rng.below(1000) as u64,
        }
    })
}

/// The relevance suite's queries, each with its language.
pub fn queries() -> Vec<(String, String)> {
    let cases: toml::Value = toml::from_str(RELEVANCE).unwrap();
    cases["case"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let lang = c.get("lang").and_then(|l| l.as_str()).unwrap_or("sv");
            (c["query"].as_str().unwrap().to_owned(), lang.to_owned())
        })
        .collect()
}

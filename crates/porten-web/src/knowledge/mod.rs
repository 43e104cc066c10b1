//! Knowledge-base pages: an article (`/kunskap/{slug}`) with "Fick du svar
//! på din fråga?" and related articles, and the editors' pages under
//! `/staff/kunskap` (articles with versions, synonyms, and what people
//! search for and how self-help fares).

mod article;
mod editor;
mod insights;
mod synonyms;

use crate::routes::Routes;
use article::*;
use editor::*;
use insights::*;
use synonyms::*;

pub fn routes() -> Routes {
    Routes::new()
        .get("/kunskap/{slug}", article_page)
        .post("/kunskap/{slug}/svar", feedback)
        .get("/staff/kunskap", editor_list)
        .post("/staff/kunskap", save)
        .get("/staff/kunskap/ny", new_article)
        .get("/staff/kunskap/{slug}", edit_article)
        .get("/staff/kunskap/{slug}/version/{version}", preview_article)
        .post("/staff/kunskap/{slug}/publicera", publish)
        .post("/staff/kunskap/{slug}/avpublicera", unpublish)
        .get("/staff/synonymer", synonyms_page)
        .post("/staff/synonymer", set_synonym)
        .post("/staff/synonymer/ta-bort", delete_synonym)
        .get("/staff/sokstatistik", insights_page)
}

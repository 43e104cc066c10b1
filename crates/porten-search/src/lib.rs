//! # porten-search
//!
//! Search over the portal's services and knowledge articles (and, for staff,
//! internal articles), with [tantivy]: BM25 with field boosts (title above
//! keywords above body), then popularity and helpfulness.
//!
//! Language handling, the same whatever database Porten runs on:
//! - Swedish and English Snowball stemming and stop words;
//! - case folding, and diacritic folding when a query word is plain ASCII
//!   ("forskola" finds "förskola");
//! - compound splitting: a query word that is two indexed words joined
//!   (with a linking *s* or *e*) also looks for its parts ("förskoleplats"
//!   finds "plats i förskolan"), and two query words also look for their
//!   compound ("tillstånd parkering" finds "parkeringstillstånd");
//! - typo tolerance for a word the index does not know: one edit from five
//!   letters, two from twelve ("bygglv" finds "bygglov");
//! - synonyms editors manage ("dagis" finds "förskola").
//!
//! The index is derived data: [`SearchIndex::open`] reports the change-feed
//! position it has reached (kept in the index's commit payload), and the
//! caller feeds it the documents changed since, or everything when the index
//! was missing or damaged.

mod analysis;
mod errands;
mod facets;
mod index;
mod query;
mod snippets;
mod words;

pub use errands::{ErrandAccess, ErrandDoc, ErrandHit, ErrandIndex, ErrandResults, registry_number_term};
pub use index::{Doc, DocKind, Hit, Results, SearchIndex, SearchQuery, Segment, Suggestion};
pub use words::WordList;

/// Errors from the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

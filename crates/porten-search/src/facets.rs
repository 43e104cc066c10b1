//! Facet counts (by audience and by unit) over every match, in one pass
//! over the matching documents' fast columns.

use std::collections::BTreeMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts per value of one or more string fast fields.
pub struct FacetCounts {
    pub fields: &'static [&'static str],
}

pub type Counts = Vec<BTreeMap<String, usize>>;

pub struct SegmentCounts {
    columns: Vec<Option<StrColumn>>,
    counts: Vec<Vec<usize>>,
}

impl Collector for FacetCounts {
    type Fruit = Counts;
    type Child = SegmentCounts;

    fn for_segment(&self, _: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentCounts> {
        let columns = self.fields.iter().map(|f| reader.fast_fields().str(f)).collect::<tantivy::Result<Vec<_>>>()?;
        let counts = columns.iter().map(|c| vec![0; c.as_ref().map_or(0, |c| c.num_terms())]).collect();
        Ok(SegmentCounts { columns, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut total: Counts = vec![BTreeMap::new(); self.fields.len()];
        for fruit in fruits {
            for (sum, part) in total.iter_mut().zip(fruit) {
                for (k, n) in part {
                    *sum.entry(k).or_default() += n;
                }
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        for (column, counts) in self.columns.iter().zip(&mut self.counts) {
            if let Some(column) = column {
                for ord in column.term_ords(doc) {
                    counts[ord as usize] += 1;
                }
            }
        }
    }

    fn harvest(self) -> Counts {
        self.columns
            .iter()
            .zip(self.counts)
            .map(|(column, counts)| {
                let mut out = BTreeMap::new();
                if let Some(column) = column {
                    for (ord, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                        let mut value = String::new();
                        if column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                            out.insert(value, n);
                        }
                    }
                }
                out
            })
            .collect()
    }
}

/// The same counts for a few documents known by address.
pub fn count(
    searcher: &tantivy::Searcher,
    docs: &[tantivy::DocAddress],
    fields: &'static [&'static str],
) -> tantivy::Result<Counts> {
    let collector = FacetCounts { fields };
    let mut by_segment: BTreeMap<SegmentOrdinal, Vec<DocId>> = BTreeMap::new();
    for d in docs {
        by_segment.entry(d.segment_ord).or_default().push(d.doc_id);
    }
    let mut fruits = Vec::new();
    for (ord, ids) in by_segment {
        let mut segment = collector.for_segment(ord, searcher.segment_reader(ord))?;
        for id in ids {
            segment.collect(id, 0.0);
        }
        fruits.push(segment.harvest());
    }
    collector.merge_fruits(fruits)
}

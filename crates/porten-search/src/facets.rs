//! One pass over a search's matches: the best-scoring candidates among those
//! the searcher's narrowing (audience, unit) lets through, how many it lets
//! through, and facet counts (by audience and by unit) over every match, so
//! a facet shows what choosing it would give.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// The string fast fields facets are counted on, in this order.
pub const FACETS: [&str; 2] = ["audience", "unit"];

/// One facet field of a segment, read once from its column: each
/// document's value ordinals, so counting a match costs two array reads.
struct FacetColumn {
    /// The values, by ordinal.
    names: Vec<String>,
    /// Document `d`'s ordinals are `ords[starts[d]..starts[d + 1]]`.
    starts: Vec<u32>,
    ords: Vec<u32>,
}

impl FacetColumn {
    fn read(reader: &SegmentReader, field: &str) -> tantivy::Result<Self> {
        let mut column = FacetColumn { names: Vec::new(), starts: vec![0], ords: Vec::new() };
        let Some(values) = reader.fast_fields().str(field)? else {
            column.starts.resize(reader.max_doc() as usize + 1, 0);
            return Ok(column);
        };
        for ord in 0..values.num_terms() as u64 {
            let mut name = String::new();
            values.ord_to_str(ord, &mut name)?;
            column.names.push(name);
        }
        for doc in 0..reader.max_doc() {
            column.ords.extend(values.term_ords(doc).map(|o| o as u32));
            column.starts.push(column.ords.len() as u32);
        }
        Ok(column)
    }

    fn of(&self, doc: DocId) -> &[u32] {
        let d = doc as usize;
        &self.ords[self.starts[d] as usize..self.starts[d + 1] as usize]
    }
}

/// The facet columns of the segments searched lately, kept while the
/// segment is (a segment's documents never change).
#[derive(Default)]
pub struct FacetTables(Mutex<HashMap<SegmentId, Arc<[FacetColumn; 2]>>>);

impl FacetTables {
    fn get(&self, reader: &SegmentReader) -> tantivy::Result<Arc<[FacetColumn; 2]>> {
        let id = reader.segment_id();
        if let Some(found) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return Ok(found.clone());
        }
        let read = Arc::new([FacetColumn::read(reader, FACETS[0])?, FacetColumn::read(reader, FACETS[1])?]);
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(id, read.clone());
        Ok(read)
    }

    /// Forgets the segments that are gone.
    pub fn keep(&self, segments: &[SegmentId]) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).retain(|id, _| segments.contains(id));
    }
}

/// What [`Gather`] finds.
#[derive(Default)]
pub struct Gathered {
    /// The best matches that pass the narrowing, best first.
    pub best: Vec<(Score, DocAddress)>,
    /// How many matches pass the narrowing.
    pub total: usize,
    /// Per facet field, the matches per value (before narrowing).
    pub facets: Vec<BTreeMap<String, usize>>,
}

/// Collects a [`Gathered`]: `limit` best by score, narrowed to the facet
/// values in `narrow` (one wanted value, or none, per entry of [`FACETS`]).
pub struct Gather<'a> {
    pub limit: usize,
    pub narrow: [Option<&'a str>; 2],
    pub tables: &'a FacetTables,
}

/// A score ordered totally, for the heap.
#[derive(PartialEq)]
struct Ranked(Score, Reverse<DocId>);

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    /// Higher score first, then the earlier document (as tantivy's `TopDocs`).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0).then_with(|| self.1.cmp(&other.1))
    }
}

pub struct SegmentGather {
    segment: SegmentOrdinal,
    limit: usize,
    columns: Arc<[FacetColumn; 2]>,
    counts: [Vec<usize>; 2],
    /// Per facet field, the ordinal a match must have (`Some(None)`: a
    /// value this segment does not have, so nothing passes).
    wanted: [Option<Option<u32>>; 2],
    /// The worst of the best so far at the top (a min-heap).
    heap: BinaryHeap<Reverse<Ranked>>,
    /// The worst score among the best, once there are `limit` of them.
    threshold: Score,
    total: usize,
}

impl Collector for Gather<'_> {
    type Fruit = Gathered;
    type Child = SegmentGather;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentGather> {
        let columns = self.tables.get(reader)?;
        let counts = [0, 1].map(|i| vec![0; columns[i].names.len()]);
        let wanted = [0, 1]
            .map(|i| self.narrow[i].map(|value| columns[i].names.iter().position(|n| n == value).map(|o| o as u32)));
        Ok(SegmentGather {
            segment,
            limit: self.limit.max(1),
            columns,
            counts,
            wanted,
            heap: BinaryHeap::with_capacity(self.limit.max(1) + 1),
            threshold: Score::MIN,
            total: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Gathered>) -> tantivy::Result<Gathered> {
        let mut all = Gathered { facets: vec![BTreeMap::new(); FACETS.len()], ..Default::default() };
        for fruit in fruits {
            all.best.extend(fruit.best);
            all.total += fruit.total;
            for (sum, part) in all.facets.iter_mut().zip(fruit.facets) {
                for (k, n) in part {
                    *sum.entry(k).or_default() += n;
                }
            }
        }
        all.best.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        all.best.truncate(self.limit.max(1));
        Ok(all)
    }
}

impl SegmentCollector for SegmentGather {
    type Fruit = Gathered;

    fn collect(&mut self, doc: DocId, score: Score) {
        let columns = &*self.columns;
        let mut passes = true;
        for (i, column) in columns.iter().enumerate() {
            let ords = column.of(doc);
            for &ord in ords {
                self.counts[i][ord as usize] += 1;
            }
            if let Some(wanted) = self.wanted[i] {
                passes &= wanted.is_some_and(|w| ords.contains(&w));
            }
        }
        if !passes {
            return;
        }
        self.total += 1;
        if self.heap.len() < self.limit {
            self.heap.push(Reverse(Ranked(score, Reverse(doc))));
        } else if score > self.threshold {
            // Documents come in order, so one that only ties the worst
            // (a later document) does not displace it.
            self.heap.pop();
            self.heap.push(Reverse(Ranked(score, Reverse(doc))));
        } else {
            return;
        }
        if self.heap.len() == self.limit {
            self.threshold = self.heap.peek().map_or(Score::MIN, |Reverse(worst)| worst.0);
        }
    }

    fn harvest(self) -> Gathered {
        let facets = self
            .columns
            .iter()
            .zip(self.counts)
            .map(|(column, counts)| {
                let named = column.names.iter().cloned().zip(counts);
                named.filter(|(_, n)| *n > 0).collect()
            })
            .collect();
        let segment = self.segment;
        let best = self
            .heap
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse(Ranked(score, Reverse(doc)))| (score, DocAddress::new(segment, doc)))
            .collect();
        Gathered { best, total: self.total, facets }
    }
}

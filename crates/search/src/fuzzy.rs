//! Fuzzy file-path finding: paths converted once into an index, then each query scores every
//! path and keeps only the best few, so a query costs one pass and no sort of the whole set.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32String};

use crate::error::{SearchError, Warnings};
use crate::rules::WalkRules;
use crate::walk::walk_files;

/// Indexes above this size are scored on several threads.
const PARALLEL_FROM: usize = 20_000;

/// A set of paths to find files in by fuzzy query.
#[derive(Debug, Clone, Default)]
pub struct FileIndex {
    paths: Vec<Box<str>>,
    haystacks: Vec<Utf32String>,
}

/// A path that matched a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzyMatch<'a> {
    pub path: &'a str,
    /// Higher is better.
    pub score: u32,
    /// The positions (in characters, ascending) of the path's characters that matched.
    pub indices: Vec<u32>,
}

impl FileIndex {
    /// An index of the given paths, in this order (which breaks ties).
    pub fn new<I, S>(paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let paths: Vec<Box<str>> = paths.into_iter().map(|p| p.into().into()).collect();
        let haystacks = paths.iter().map(|p| Utf32String::from(&**p)).collect();
        FileIndex { paths, haystacks }
    }

    /// An index of the files under `root` that `rules` let through, as paths relative to it
    /// (with `/` between components), sorted.
    pub fn build(root: &Path, rules: &WalkRules) -> Result<(Self, Warnings), SearchError> {
        let report = walk_files(&[root], rules, true)?;
        let paths = report.files.iter().filter_map(|path| {
            let relative = path.strip_prefix(root).ok()?;
            let text = relative.to_string_lossy();
            (!text.is_empty()).then(|| text.replace(std::path::MAIN_SEPARATOR, "/"))
        });
        Ok((FileIndex::new(paths), report.warnings))
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    pub fn paths(&self) -> impl ExactSizeIterator<Item = &str> {
        self.paths.iter().map(|p| &**p)
    }

    /// The best `limit` matches for `query`, best first: higher score, then the shorter path,
    /// then the one earlier in the index. Words separated by spaces must all match; case
    /// matters only when the query has an uppercase letter. An empty query matches everything.
    pub fn find(&self, query: &str, limit: usize) -> Vec<FuzzyMatch<'_>> {
        if limit == 0 || self.is_empty() {
            return Vec::new();
        }
        let pattern = Pattern::new(
            query,
            CaseMatching::Smart,
            Normalization::Smart,
            AtomKind::Fuzzy,
        );
        let threads = if self.len() >= PARALLEL_FROM {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
        } else {
            1
        };
        let best = if threads > 1 {
            let chunk = self.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads)
                    .map(|t| {
                        let pattern = &pattern;
                        let range = t * chunk..((t + 1) * chunk).min(self.len());
                        scope.spawn(move || self.best_in(pattern, range, limit))
                    })
                    .collect();
                let mut all = Vec::new();
                for worker in workers {
                    // A scoring thread cannot panic on any input; if one did, its share is lost
                    // rather than the caller's thread.
                    all.extend(worker.join().unwrap_or_default());
                }
                all
            })
        } else {
            self.best_in(&pattern, 0..self.len(), limit)
        };
        let mut best = best;
        best.sort_unstable_by(|a, b| b.cmp(a));
        best.truncate(limit);
        let mut matcher = Matcher::new(Config::DEFAULT.match_paths());
        best.into_iter()
            .map(|Ranked(score, _, Reverse(i))| {
                let mut indices = Vec::new();
                pattern.indices(self.haystacks[i].slice(..), &mut matcher, &mut indices);
                indices.sort_unstable();
                indices.dedup();
                FuzzyMatch {
                    path: &self.paths[i],
                    score,
                    indices,
                }
            })
            .collect()
    }

    /// The best `limit` of the paths in `range`, unordered.
    fn best_in(
        &self,
        pattern: &Pattern,
        range: std::ops::Range<usize>,
        limit: usize,
    ) -> Vec<Ranked> {
        let mut matcher = Matcher::new(Config::DEFAULT.match_paths());
        // A min-heap of the best so far: its top is the one to drop next.
        let mut heap: BinaryHeap<Reverse<Ranked>> = BinaryHeap::with_capacity(limit + 1);
        for i in range {
            let Some(score) = pattern.score(self.haystacks[i].slice(..), &mut matcher) else {
                continue;
            };
            let ranked = Ranked(score, Reverse(self.paths[i].len()), Reverse(i));
            if heap.len() < limit {
                heap.push(Reverse(ranked));
            } else if heap.peek().is_some_and(|Reverse(worst)| ranked > *worst) {
                heap.pop();
                heap.push(Reverse(ranked));
            }
        }
        heap.into_iter().map(|Reverse(r)| r).collect()
    }
}

/// A candidate's rank: score, then shorter path, then earlier index (greater is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Ranked(u32, Reverse<usize>, Reverse<usize>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_matches_come_first_with_their_positions() {
        let index = FileIndex::new([
            "src/main.rs",
            "docs/manual.md",
            "crates/search/src/fuzzy.rs",
            "README.md",
        ]);
        let found = index.find("mainrs", 10);
        assert_eq!(found[0].path, "src/main.rs");
        assert_eq!(found[0].indices, [4, 5, 6, 7, 9, 10]);
        assert!(found.iter().all(|m| m.path != "README.md"));
        assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(index.find("zzzz", 10).is_empty());
        assert_eq!(index.find("", 2).len(), 2);
        assert!(index.find("main", 0).is_empty());
    }

    #[test]
    fn ties_go_to_the_shorter_path_then_the_earlier_one() {
        let index = FileIndex::new(["b/x.rs", "a/x.rs", "long/x.rs"]);
        let paths: Vec<_> = index.find("x.rs", 3).iter().map(|m| m.path).collect();
        assert_eq!(paths, ["b/x.rs", "a/x.rs", "long/x.rs"]);
    }

    #[test]
    fn uppercase_makes_the_query_case_sensitive() {
        let index = FileIndex::new(["Makefile", "makefile.old"]);
        let found: Vec<_> = index.find("Make", 5).iter().map(|m| m.path).collect();
        assert_eq!(found, ["Makefile"]);
        assert_eq!(index.find("make", 5).len(), 2);
    }

    #[test]
    fn a_large_index_scored_in_parallel_agrees_with_one_thread() {
        let paths: Vec<String> = (0..PARALLEL_FROM * 2)
            .map(|i| format!("dir{}/module_{i}/file{}.rs", i % 97, i % 13))
            .collect();
        let index = FileIndex::new(paths.clone());
        let pattern = Pattern::new(
            "mod12fil",
            CaseMatching::Smart,
            Normalization::Smart,
            AtomKind::Fuzzy,
        );
        let mut single = index.best_in(&pattern, 0..index.len(), 25);
        single.sort_unstable_by(|a, b| b.cmp(a));
        let parallel: Vec<usize> = index
            .find("mod12fil", 25)
            .iter()
            .map(|m| paths.iter().position(|p| p == m.path).unwrap_or(usize::MAX))
            .collect();
        let single: Vec<usize> = single.iter().map(|Ranked(_, _, Reverse(i))| *i).collect();
        assert_eq!(parallel, single);
    }
}

//! Content search: a pattern compiled once, files walked in parallel with `rg`'s rules, each
//! searched with `rg`'s searcher settings, results handed over one file at a time.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use grep_regex::{RegexMatcher, RegexMatcherBuilder};
use grep_searcher::{BinaryDetection, Searcher, SearcherBuilder, Sink, SinkContext, SinkMatch};
use ignore::{DirEntry, WalkState};

use crate::error::{SearchError, SharedWarnings, Warnings};
use crate::hits::{BinaryNote, FileHits, LineKind};
use crate::rules::{CompiledRules, WalkRules};

/// How letter case is compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseMode {
    /// Exactly (`rg`'s default).
    #[default]
    Sensitive,
    /// Ignoring case (`rg -i`).
    Insensitive,
    /// Ignoring case unless the pattern has an uppercase letter (`rg -S`).
    Smart,
}

/// How the pattern is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PatternSyntax {
    /// A regular expression in Rust's `regex` syntax, as `rg` takes it.
    #[default]
    Regex,
    /// A literal string (`rg -F`).
    Literal,
}

/// What to look for and how much of it to report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentQuery {
    pub pattern: String,
    pub syntax: PatternSyntax,
    pub case: CaseMode,
    /// Lines shown before each match (`rg -B`).
    pub before_context: usize,
    /// Lines shown after each match (`rg -A`).
    pub after_context: usize,
    /// Stop the whole search after this many matching lines. Files are searched in parallel,
    /// so which matches make the cut is not fixed.
    pub max_matches: Option<usize>,
    /// Only find which files match (`rg -l`): each file's search stops at its first match and
    /// no lines are recorded.
    pub files_only: bool,
}

impl ContentQuery {
    pub fn regex(pattern: impl Into<String>) -> Self {
        ContentQuery {
            pattern: pattern.into(),
            ..Default::default()
        }
    }

    pub fn literal(pattern: impl Into<String>) -> Self {
        ContentQuery {
            pattern: pattern.into(),
            syntax: PatternSyntax::Literal,
            ..Default::default()
        }
    }
}

/// Whether a search goes on after a file's results were handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// How a search went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchSummary {
    pub files_searched: u64,
    pub files_matched: u64,
    /// The search stopped at [`ContentQuery::max_matches`] (or because the caller asked).
    pub stopped_early: bool,
    pub warnings: Warnings,
}

/// Everything a search found, files sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchReport {
    pub files: Vec<FileHits>,
    pub summary: SearchSummary,
}

/// A content search ready to run: the pattern and globs are checked when it is made.
pub struct ContentSearch {
    query: ContentQuery,
    matcher: RegexMatcher,
    rules: CompiledRules,
}

/// Files this size or smaller, given explicitly, are read whole (as `rg` memory-maps them), so
/// binary data anywhere in them is seen before the first match.
const WHOLE_FILE_LIMIT: u64 = 64 << 20;

impl ContentSearch {
    pub fn new(query: ContentQuery, rules: WalkRules) -> Result<Self, SearchError> {
        let matcher = build_matcher(&query)?;
        let rules = CompiledRules::new(rules)?;
        Ok(ContentSearch {
            query,
            matcher,
            rules,
        })
    }

    pub fn query(&self) -> &ContentQuery {
        &self.query
    }

    /// Searches `roots` (directories are walked, files searched as given), handing each file
    /// with a match to `on_file` — from the walker's threads, in no fixed order.
    pub fn run<P, F>(&self, roots: &[P], on_file: F) -> SearchSummary
    where
        P: AsRef<Path>,
        F: Fn(&FileHits) -> Flow + Sync,
    {
        self.run_until(roots, &AtomicBool::new(false), on_file)
    }

    /// [`ContentSearch::run`], ending soon after `cancel` is set (from another thread: a
    /// timeout, an interrupted turn). A cancelled search reports `stopped_early`.
    pub fn run_until<P, F>(&self, roots: &[P], cancel: &AtomicBool, on_file: F) -> SearchSummary
    where
        P: AsRef<Path>,
        F: Fn(&FileHits) -> Flow + Sync,
    {
        let roots: Vec<&Path> = roots
            .iter()
            .map(AsRef::as_ref)
            .filter(|root| self.rules.allows_root(root))
            .collect();
        let Some((first, rest)) = roots.split_first() else {
            return SearchSummary::default();
        };
        // `rg` memory-maps up to ten explicitly given files, which makes binary detection see
        // the whole file at once; reading them whole does the same without a map.
        let read_whole = roots.len() <= 10 && roots.iter().all(|r| r.is_file());
        let shared = Shared {
            cancel,
            limit: self.query.max_matches,
            taken: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            files_searched: AtomicU64::new(0),
            files_matched: AtomicU64::new(0),
            warnings: SharedWarnings::default(),
        };
        let walker = self.rules.builder(first, rest).build_parallel();
        walker.run(|| {
            let mut worker = Worker {
                search: self,
                shared: &shared,
                on_file: &on_file,
                searcher: self.searcher(),
                matcher: self.matcher.clone(),
                hits: FileHits::default(),
                read_whole,
            };
            Box::new(move |entry| worker.visit(entry))
        });
        SearchSummary {
            files_searched: shared.files_searched.into_inner(),
            files_matched: shared.files_matched.into_inner(),
            stopped_early: shared.stop.into_inner(),
            warnings: shared.warnings.into_inner(),
        }
    }

    /// Searches `roots` and keeps every file's results, sorted by path.
    pub fn collect<P: AsRef<Path>>(&self, roots: &[P]) -> SearchReport {
        let files = Mutex::new(Vec::new());
        let summary = self.run(roots, |hits| {
            files
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(hits.clone());
            Flow::Continue
        });
        let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.path().cmp(b.path()));
        SearchReport { files, summary }
    }

    fn searcher(&self) -> Searcher {
        SearcherBuilder::new()
            .line_terminator(grep_matcher::LineTerminator::byte(b'\n'))
            .line_number(!self.query.files_only)
            .before_context(self.query.before_context)
            .after_context(self.query.after_context)
            .build()
    }
}

/// The pattern compiled with `rg`'s settings for a line-oriented search.
fn build_matcher(query: &ContentQuery) -> Result<RegexMatcher, SearchError> {
    let mut builder = RegexMatcherBuilder::new();
    builder
        .multi_line(true)
        .unicode(true)
        .octal(false)
        .fixed_strings(query.syntax == PatternSyntax::Literal);
    match query.case {
        CaseMode::Sensitive => builder.case_insensitive(false),
        CaseMode::Insensitive => builder.case_insensitive(true),
        CaseMode::Smart => builder.case_smart(true),
    };
    builder
        .line_terminator(Some(b'\n'))
        .dot_matches_new_line(false)
        // Binary detection stops at NUL bytes, so a match never needs one.
        .ban_byte(Some(b'\x00'));
    builder
        .build_many(std::slice::from_ref(&query.pattern))
        .map_err(|e| SearchError::Pattern {
            pattern: query.pattern.clone(),
            message: e.to_string(),
        })
}

/// What the walker's threads share.
struct Shared<'c> {
    cancel: &'c AtomicBool,
    limit: Option<usize>,
    taken: AtomicUsize,
    stop: AtomicBool,
    files_searched: AtomicU64,
    files_matched: AtomicU64,
    warnings: SharedWarnings,
}

impl Shared<'_> {
    /// Takes one match from the limit; `false` when none is left (and everyone stops).
    fn take_match(&self) -> bool {
        let Some(limit) = self.limit else {
            return true;
        };
        if self.taken.fetch_add(1, Ordering::Relaxed) < limit {
            return true;
        }
        self.stop.store(true, Ordering::Relaxed);
        false
    }

    fn stopped(&self) -> bool {
        if self.cancel.load(Ordering::Relaxed) {
            self.stop.store(true, Ordering::Relaxed);
        }
        self.stop.load(Ordering::Relaxed)
    }
}

/// One walker thread: its own searcher, matcher and result buffer.
struct Worker<'s, F> {
    search: &'s ContentSearch,
    shared: &'s Shared<'s>,
    on_file: &'s F,
    searcher: Searcher,
    matcher: RegexMatcher,
    hits: FileHits,
    read_whole: bool,
}

impl<F: Fn(&FileHits) -> Flow + Sync> Worker<'_, F> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        if self.shared.stopped() {
            return WalkState::Quit;
        }
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                self.shared.warnings.push_walk_error(&err);
                return WalkState::Continue;
            }
        };
        if let Some(err) = entry.error() {
            self.shared.warnings.push_walk_error(err);
        }
        // As for `rg`: a path given explicitly is searched whatever it is; below the roots,
        // only regular files are.
        let explicit = entry.depth() == 0 && !is_dir(&entry);
        if !explicit && !entry.file_type().is_some_and(|t| t.is_file()) {
            return WalkState::Continue;
        }
        self.search_file(entry.path(), explicit);
        if self.shared.stopped() {
            WalkState::Quit
        } else {
            WalkState::Continue
        }
    }

    fn search_file(&mut self, path: &Path, explicit: bool) {
        self.shared.files_searched.fetch_add(1, Ordering::Relaxed);
        self.hits.reset(path);
        // Explicit files are searched to the end with NULs read as line ends ("binary file
        // matches"); walked files are dropped at the first NUL.
        let detection = if explicit {
            BinaryDetection::convert(b'\x00')
        } else {
            BinaryDetection::quit(b'\x00')
        };
        self.searcher.set_binary_detection(detection);
        let mut sink = HitSink {
            hits: &mut self.hits,
            shared: self.shared,
            files_only: self.search.query.files_only,
            convert: explicit,
            binary_offset: None,
        };
        let result = if explicit && self.read_whole && small_file(path) {
            std::fs::read(path)
                .and_then(|data| self.searcher.search_slice(&self.matcher, &data, &mut sink))
        } else {
            self.searcher.search_path(&self.matcher, path, &mut sink)
        };
        if let Err(err) = result {
            self.shared.warnings.push(
                Some(path.to_path_buf()),
                format!("{}: {err}", path.display()),
            );
        }
        if self.hits.matched_lines() > 0 {
            self.shared.files_matched.fetch_add(1, Ordering::Relaxed);
            if (self.on_file)(&self.hits) == Flow::Stop {
                self.shared.stop.store(true, Ordering::Relaxed);
            }
        }
    }
}

fn small_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() <= WHOLE_FILE_LIMIT)
}

/// A directory, or a symlink to one (followed to decide, as `rg` does for its roots).
fn is_dir(entry: &DirEntry) -> bool {
    entry.file_type().is_some_and(|t| t.is_dir())
        || (entry.path_is_symlink() && entry.path().is_dir())
}

/// Records one file's lines the way `rg`'s standard printer decides what to show.
struct HitSink<'a> {
    hits: &'a mut FileHits,
    shared: &'a Shared<'a>,
    files_only: bool,
    /// Binary data is converted (explicit files) rather than ending the search.
    convert: bool,
    binary_offset: Option<u64>,
}

impl Sink for HitSink<'_> {
    type Error = std::io::Error;

    fn matched(&mut self, _: &Searcher, mat: &SinkMatch<'_>) -> Result<bool, Self::Error> {
        if self.shared.stopped() || !self.shared.take_match() {
            return Ok(false);
        }
        if self.convert
            && let Some(offset) = self.binary_offset
        {
            // A match after binary data: the file is reported as a binary match, its lines
            // are not shown, and the search of it ends.
            self.hits.count_unrecorded_match();
            self.hits.set_binary(BinaryNote::Matches { offset });
            return Ok(false);
        }
        if self.files_only {
            self.hits.count_unrecorded_match();
            return Ok(false);
        }
        let first = mat.line_number().unwrap_or(0);
        for (i, line) in mat.lines().enumerate() {
            let number = if first == 0 { 0 } else { first + i as u64 };
            self.hits.push(number, LineKind::Match, line);
        }
        Ok(true)
    }

    fn context(&mut self, _: &Searcher, ctx: &SinkContext<'_>) -> Result<bool, Self::Error> {
        if self.convert && self.binary_offset.is_some() {
            return Ok(false);
        }
        let number = ctx.line_number().unwrap_or(0);
        self.hits.push(number, LineKind::Context, ctx.bytes());
        Ok(true)
    }

    fn binary_data(&mut self, _: &Searcher, offset: u64) -> Result<bool, Self::Error> {
        self.binary_offset = Some(offset);
        Ok(true)
    }

    fn finish(&mut self, _: &Searcher, _: &grep_searcher::SinkFinish) -> Result<(), Self::Error> {
        if !self.convert
            && let Some(offset) = self.binary_offset
            && self.hits.matched_lines() > 0
        {
            self.hits.set_binary(BinaryNote::Stopped { offset });
        }
        Ok(())
    }
}

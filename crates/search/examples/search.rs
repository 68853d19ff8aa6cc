//! A small command line over the search crate, for the benchmark and for trying it out.
//!
//! ```text
//! search grep [-F] [-i|-S] [-A N] [-B N] [-g GLOB]... [-l] [--count] PATTERN PATH...
//! search files [--sorted] PATH...
//! search fuzzy [--copies N] [--limit N] [--rounds N] ROOT QUERY...
//! ```
//!
//! `grep` prints lines as `rg --no-heading --with-filename --line-number` does
//! (`path:line:text`, context lines as `path-line-text`), or with `--count` only the number of
//! matching lines. `fuzzy` indexes the files under ROOT (repeated `--copies` times under
//! different prefixes), then prints the time each query takes.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use codex_search::{
    BinaryNote, CaseMode, ContentQuery, ContentSearch, FileIndex, Flow, LineKind, PatternSyntax,
    WalkRules, walk_files,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("grep") => grep(&args[1..]),
        Some("files") => files(&args[1..]),
        Some("fuzzy") => fuzzy(&args[1..]),
        _ => Err("usage: search grep|files|fuzzy ... (see the source for options)".into()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("search: {message}");
            ExitCode::from(2)
        }
    }
}

fn number(value: Option<&String>, flag: &str) -> Result<usize, String> {
    value
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{flag} needs a number"))
}

fn grep(args: &[String]) -> Result<ExitCode, String> {
    let mut query = ContentQuery::default();
    let mut rules = WalkRules::default();
    let mut count_only = false;
    let mut positional = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-F" => query.syntax = PatternSyntax::Literal,
            "-i" => query.case = CaseMode::Insensitive,
            "-S" => query.case = CaseMode::Smart,
            "-l" => query.files_only = true,
            "-A" => query.after_context = number(it.next(), "-A")?,
            "-B" => query.before_context = number(it.next(), "-B")?,
            "-m" => query.max_matches = Some(number(it.next(), "-m")?),
            "-g" => rules
                .globs
                .push(it.next().ok_or("-g needs a glob")?.clone()),
            "--count" => count_only = true,
            _ => positional.push(arg.clone()),
        }
    }
    let Some((pattern, paths)) = positional.split_first() else {
        return Err("grep needs a pattern".into());
    };
    query.pattern = pattern.clone();
    let roots: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.iter().map(PathBuf::from).collect()
    };
    let files_only = query.files_only;
    let search = ContentSearch::new(query, rules).map_err(|e| e.to_string())?;
    let matched = AtomicU64::new(0);
    thread_local! {
        static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    let summary = search.run(&roots, |hits| {
        matched.fetch_add(hits.matched_lines(), Ordering::Relaxed);
        if count_only {
            return Flow::Continue;
        }
        OUT.with_borrow_mut(|out| {
            out.clear();
            let path = hits.path().as_os_str().as_encoded_bytes();
            if files_only {
                out.extend_from_slice(path);
                out.push(b'\n');
            } else {
                for line in hits.lines() {
                    let sep = if line.kind == LineKind::Match { b':' } else { b'-' };
                    out.extend_from_slice(path);
                    out.push(sep);
                    out.extend_from_slice(line.number.to_string().as_bytes());
                    out.push(sep);
                    out.extend_from_slice(line.bytes);
                    out.push(b'\n');
                }
                if let Some(note) = hits.binary() {
                    out.extend_from_slice(path);
                    let text = match note {
                        BinaryNote::Matches { offset } => format!(
                            ": binary file matches (found \"\\0\" byte around offset {offset})\n"
                        ),
                        BinaryNote::Stopped { offset } => format!(
                            ": WARNING: stopped searching binary file after match (found \"\\0\" byte around offset {offset})\n"
                        ),
                    };
                    out.extend_from_slice(text.as_bytes());
                }
            }
            // A closed stdout (a pipe into `head`) ends the search.
            match std::io::stdout().lock().write_all(out) {
                Ok(()) => Flow::Continue,
                Err(_) => Flow::Stop,
            }
        })
    });
    if count_only {
        println!("{}", matched.load(Ordering::Relaxed));
    }
    for warning in summary.warnings.kept() {
        eprintln!("search: {}", warning.message);
    }
    Ok(if summary.files_matched > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn files(args: &[String]) -> Result<ExitCode, String> {
    let sorted = args.iter().any(|a| a == "--sorted");
    let roots: Vec<&String> = args.iter().filter(|a| *a != "--sorted").collect();
    let roots: Vec<&Path> = if roots.is_empty() {
        vec![Path::new(".")]
    } else {
        roots.iter().map(|r| Path::new(r.as_str())).collect()
    };
    let report = walk_files(&roots, &WalkRules::default(), sorted).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    for file in &report.files {
        let _ = out.write_all(file.as_os_str().as_encoded_bytes());
        let _ = out.write_all(b"\n");
    }
    Ok(ExitCode::SUCCESS)
}

fn fuzzy(args: &[String]) -> Result<ExitCode, String> {
    let mut copies = 1;
    let mut limit = 20;
    let mut rounds = 5;
    let mut positional = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--copies" => copies = number(it.next(), "--copies")?,
            "--limit" => limit = number(it.next(), "--limit")?,
            "--rounds" => rounds = number(it.next(), "--rounds")?,
            _ => positional.push(arg.clone()),
        }
    }
    let Some((root, queries)) = positional.split_first() else {
        return Err("fuzzy needs a root".into());
    };
    let started = Instant::now();
    let (index, _) =
        FileIndex::build(Path::new(root), &WalkRules::default()).map_err(|e| e.to_string())?;
    let walked = started.elapsed();
    let paths: Vec<String> = (0..copies)
        .flat_map(|c| index.paths().map(move |p| format!("copy{c}/{p}")))
        .collect();
    let indexed = Instant::now();
    let index = FileIndex::new(paths);
    let built = indexed.elapsed();
    println!(
        "paths {} walk_ms {:.1} index_ms {:.1}",
        index.len(),
        walked.as_secs_f64() * 1e3,
        built.as_secs_f64() * 1e3
    );
    for query in queries {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..rounds.max(1) {
            let start = Instant::now();
            found = index.find(query, limit).len();
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "query {query:?} ms {:.2} results {found}",
            times[times.len() / 2]
        );
    }
    Ok(ExitCode::SUCCESS)
}

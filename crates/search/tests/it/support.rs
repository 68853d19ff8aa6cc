//! Running `rg` and our search the same way, and comparing what they print.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use codex_search::{
    BinaryNote, ContentQuery, ContentSearch, LineKind, SearchReport, WalkRules, walk_files,
};

/// The pinned `rg`, built on first use. A missing build fails the test: the comparison is the
/// point of these tests.
pub fn rg() -> &'static Path {
    static RG: OnceLock<PathBuf> = OnceLock::new();
    RG.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let script = root.join("scripts/build-rg");
        let out = Command::new("bash")
            .arg(&script)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            out.status.success(),
            "ripgrep could not be built, so the differential search tests cannot run.\n\
             command: bash {}\nstatus: {}\nstderr:\n{}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        PathBuf::from(path)
    })
}

/// One printed line: path, line number, `:` for a match or `-` for context, text. Binary-file
/// notes are lines of their own with number 0 and kind `!`.
pub type Printed = (String, u64, char, Vec<u8>);

/// Runs `rg` in `cwd` with `args` (after the options that fix its output format) and returns
/// its lines sorted. Exit codes 0 and 1 are results; anything else fails with everything shown.
pub fn run_rg(cwd: &Path, args: &[&str]) -> Vec<Printed> {
    let out = rg_output(
        cwd,
        args,
        &["--no-heading", "--with-filename", "--line-number", "--null"],
    );
    let mut printed = Vec::new();
    for line in out.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        if line == b"--" {
            continue;
        }
        if let Some(nul) = line.iter().position(|b| *b == 0) {
            let path = String::from_utf8_lossy(&line[..nul]).into_owned();
            let rest = &line[nul + 1..];
            let sep = rest
                .iter()
                .position(|b| *b == b':' || *b == b'-')
                .unwrap_or_else(|| {
                    panic!("unexpected rg line {:?}", String::from_utf8_lossy(line))
                });
            let number: u64 = std::str::from_utf8(&rest[..sep]).unwrap().parse().unwrap();
            printed.push((path, number, rest[sep] as char, rest[sep + 1..].to_vec()));
        } else {
            // "PATH: binary file matches (...)" or "PATH: WARNING: stopped searching ...".
            let text = String::from_utf8_lossy(line);
            let (path, note) = text
                .split_once(": binary file matches")
                .map(|(p, n)| (p, format!("binary file matches{n}")))
                .or_else(|| {
                    text.split_once(": WARNING: stopped searching binary file")
                        .map(|(p, n)| (p, format!("WARNING: stopped searching binary file{n}")))
                })
                .unwrap_or_else(|| panic!("unexpected rg line {text:?}"));
            printed.push((path.to_string(), 0, '!', note.into_bytes()));
        }
    }
    printed.sort();
    printed
}

/// `rg --files` in `cwd`, sorted.
pub fn rg_files(cwd: &Path, args: &[&str]) -> Vec<String> {
    let out = rg_output(cwd, args, &["--files"]);
    let mut files: Vec<String> = String::from_utf8_lossy(&out)
        .lines()
        .map(str::to_string)
        .collect();
    files.sort();
    files
}

fn rg_output(cwd: &Path, args: &[&str], format: &[&str]) -> Vec<u8> {
    let mut cmd = Command::new(rg());
    cmd.current_dir(cwd)
        .env_remove("RIPGREP_CONFIG_PATH")
        .args(["--no-config", "--color", "never"])
        .args(format)
        .args(args);
    let out = cmd.output().unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "rg failed\ncommand: {cmd:?}\ndir: {}\nstatus: {}\nstdout:\n{}\nstderr:\n{}",
        cwd.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Our search with the same query, printed the way `rg` prints it.
pub fn run_ours(query: ContentQuery, rules: WalkRules, roots: &[PathBuf]) -> Vec<Printed> {
    let search = ContentSearch::new(query, rules).unwrap();
    printed(&search.collect(roots))
}

pub fn printed(report: &SearchReport) -> Vec<Printed> {
    let mut printed = Vec::new();
    for file in &report.files {
        let path = file.path().to_string_lossy().into_owned();
        for line in file.lines() {
            let kind = if line.kind == LineKind::Match {
                ':'
            } else {
                '-'
            };
            printed.push((path.clone(), line.number, kind, line.bytes.to_vec()));
        }
        if let Some(note) = file.binary() {
            let note = match note {
                BinaryNote::Matches { offset } => {
                    format!("binary file matches (found \"\\0\" byte around offset {offset})")
                }
                BinaryNote::Stopped { offset } => format!(
                    "WARNING: stopped searching binary file after match \
                     (found \"\\0\" byte around offset {offset})"
                ),
            };
            printed.push((path, 0, '!', note.into_bytes()));
        }
    }
    printed.sort();
    printed
}

/// Our `walk_files`, as sorted strings.
pub fn our_files(roots: &[PathBuf], rules: &WalkRules) -> Vec<String> {
    let report = walk_files(roots, rules, false).unwrap();
    let mut files: Vec<String> = report
        .files
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

/// Fails showing what only one of two sorted lists has, and how many entries each has.
pub fn assert_same<T: std::fmt::Debug + Ord>(what: &str, ours: &[T], theirs: &[T]) {
    if ours == theirs {
        return;
    }
    let mut report = format!(
        "{what}: ours has {} entries, rg has {}\n",
        ours.len(),
        theirs.len()
    );
    let (mut missing, mut extra) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while (i < ours.len() || j < theirs.len()) && missing.len() + extra.len() < 20 {
        match (ours.get(i), theirs.get(j)) {
            (Some(o), Some(t)) if o == t => {
                i += 1;
                j += 1;
            }
            (Some(o), t) if t.is_none_or(|t| o < t) => {
                extra.push(o);
                i += 1;
            }
            (_, Some(t)) => {
                missing.push(t);
                j += 1;
            }
            _ => break,
        }
    }
    let _ = writeln!(report, "only in rg: {missing:#?}");
    let _ = writeln!(report, "only in ours: {extra:#?}");
    panic!("{report}");
}

/// The rules for a search whose globs are relative to `base`.
pub fn rules_in(base: &Path, globs: &[&str]) -> WalkRules {
    WalkRules {
        base_dir: Some(base.to_path_buf()),
        globs: globs.iter().map(|g| g.to_string()).collect(),
        ..Default::default()
    }
}

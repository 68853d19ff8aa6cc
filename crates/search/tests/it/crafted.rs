//! A small tree made to exercise every rule `rg` applies by default, searched by both.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use codex_search::{
    BinaryNote, CaseMode, ContentQuery, ContentSearch, PatternSyntax, SearchError, WalkRules,
};

use crate::support::{Printed, assert_same, rg, rules_in, run_ours, run_rg};

/// Writes the tree: a git repository (a `.git` directory is what makes `.gitignore` count),
/// ignore files at several levels, hidden files, binary files, awkward line endings.
pub fn crafted_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |path: &str, content: &[u8]| {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    };
    fs::create_dir_all(root.join(".git/info")).unwrap();
    write(".git/info/exclude", b"excluded_by_info.txt\n");
    write(".gitignore", b"*.log\nbuild/\n!keep.log\n");
    write(".ignore", b"ignored_by_dotignore.txt\n");
    write(".rgignore", b"rgignored.txt\n");
    write(
        "a.txt",
        b"needle one\nNeedle two\nNEEDLE three\nneedles and neeedle\nnothing here\na.b(c literal\n",
    );
    write("keep.log", b"needle in a kept log\n");
    write("debug.log", b"needle in an ignored log\n");
    write("build/out.txt", b"needle in build output\n");
    write("excluded_by_info.txt", b"needle excluded by info/exclude\n");
    write("ignored_by_dotignore.txt", b"needle ignored by .ignore\n");
    write("rgignored.txt", b"needle ignored by .rgignore\n");
    write(".hidden.txt", b"needle in a hidden file\n");
    write(".hiddendir/inner.txt", b"needle in a hidden dir\n");
    write("sub/.gitignore", b"local_*.txt\n");
    write("sub/local_x.txt", b"needle ignored by a nested gitignore\n");
    write("sub/keep.txt", b"needle kept in sub\n");
    write("sub/deeper/.ignore", b"!local_y.txt\n");
    write(
        "sub/deeper/local_y.txt",
        b"needle re-included by a deeper .ignore\n",
    );
    write("sub/deeper/local_z.txt", b"needle still ignored\n");
    write(
        "code/main.rs",
        b"fn main() {\n    let needle = 1;\n    println!(\"{needle}\");\n}\n",
    );
    write("code/lib.rs", b"pub fn find_needle() -> u32 {\n    42\n}\n");
    write("code/util.py", b"def needle():\n    return 'NEEDLE'\n");
    write("code/data.json", b"{\"needle\": true}\n");
    write("code/nested/deep.rs", b"// needle deep in code\n");
    write("binary.bin", b"needle before\n\x00needle after\n");
    let mut big = Vec::new();
    while big.len() < 150_000 {
        big.extend_from_slice(b"needle at the start of a long text file line\n");
    }
    big.extend_from_slice(b"\x00binary from here\nneedle after the NUL\n");
    write("big_binary.dat", &big);
    write("crlf.txt", b"needle with crlf\r\nother\r\n");
    write("nonutf8.txt", b"needle \xff\xfe bytes\n");
    write("noeol.txt", b"first\nlast needle");
    let context: Vec<String> = (1..=40)
        .map(|i| {
            if [5, 6, 12, 20, 22, 39].contains(&i) {
                format!("line {i} target")
            } else {
                format!("line {i}")
            }
        })
        .collect();
    write("context.txt", (context.join("\n") + "\n").as_bytes());
    dir
}

fn rg_args(query: &ContentQuery) -> Vec<String> {
    let mut args = Vec::new();
    match query.case {
        CaseMode::Sensitive => args.push("-s".to_string()),
        CaseMode::Insensitive => args.push("-i".to_string()),
        CaseMode::Smart => args.push("-S".to_string()),
    }
    if query.syntax == PatternSyntax::Literal {
        args.push("-F".into());
    }
    if query.before_context > 0 {
        args.push(format!("-B{}", query.before_context));
    }
    if query.after_context > 0 {
        args.push(format!("-A{}", query.after_context));
    }
    args
}

/// Both searches of `roots` from `cwd`, with `globs`.
fn both(cwd: &Path, query: ContentQuery, globs: &[&str], roots: &[PathBuf]) -> [Vec<Printed>; 2] {
    let mut args = rg_args(&query);
    for glob in globs {
        args.push("-g".into());
        args.push(glob.to_string());
    }
    args.push("-e".into());
    args.push(query.pattern.clone());
    args.push("--".into());
    args.extend(roots.iter().map(|r| r.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let theirs = run_rg(cwd, &args);
    let ours = run_ours(query, rules_in(cwd, globs), roots);
    [ours, theirs]
}

fn paths_of(printed: &[Printed], root: &Path) -> Vec<String> {
    let mut paths: Vec<String> = printed
        .iter()
        .map(|p| {
            Path::new(&p.0)
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    paths.dedup();
    paths
}

fn query(pattern: &str, syntax: PatternSyntax, case: CaseMode) -> ContentQuery {
    ContentQuery {
        pattern: pattern.into(),
        syntax,
        case,
        ..Default::default()
    }
}

#[test]
fn patterns_and_case_modes_match_rg() {
    let tree = crafted_tree();
    let root = tree.path();
    use CaseMode::*;
    use PatternSyntax::*;
    let queries = [
        query("needle", Regex, Sensitive),
        query("needle", Regex, Insensitive),
        query("needle", Regex, Smart),
        query("Needle", Regex, Smart),
        query("ne+dle\\b", Regex, Sensitive),
        query("^needle", Regex, Insensitive),
        query("\\w+_\\w+", Regex, Sensitive),
        query("needle$", Regex, Sensitive),
        query("a.b(c", Literal, Sensitive),
        query("A.B(C", Literal, Insensitive),
        query("NEEDLE", Literal, Smart),
        query("target|nothing", Regex, Sensitive),
        query("\\xff", Regex, Sensitive),
        query("", Regex, Sensitive),
    ];
    for q in queries {
        let what = format!("{q:?}");
        let [ours, theirs] = both(root, q, &[], &[root.to_path_buf()]);
        assert_same(&what, &ours, &theirs);
    }
}

#[test]
fn ignore_files_hidden_files_and_binary_files_are_skipped_as_rg_skips_them() {
    let tree = crafted_tree();
    let root = tree.path();
    let [ours, theirs] = both(
        root,
        ContentQuery::regex("needle"),
        &[],
        &[root.to_path_buf()],
    );
    assert_same("needle", &ours, &theirs);
    let paths = paths_of(&ours, root);
    for kept in [
        "a.txt",
        "keep.log",
        "sub/keep.txt",
        "sub/deeper/local_y.txt",
        "code/main.rs",
        "crlf.txt",
        "nonutf8.txt",
        "noeol.txt",
        "big_binary.dat",
    ] {
        assert!(paths.iter().any(|p| p == kept), "{kept} missing: {paths:?}");
    }
    for skipped in [
        "debug.log",
        "build/out.txt",
        "excluded_by_info.txt",
        "ignored_by_dotignore.txt",
        "rgignored.txt",
        ".hidden.txt",
        ".hiddendir/inner.txt",
        "sub/local_x.txt",
        "sub/deeper/local_z.txt",
        "binary.bin",
    ] {
        assert!(
            !paths.iter().any(|p| p == skipped),
            "{skipped} searched: {paths:?}"
        );
    }
    // Lines keep a `\r` and invalid UTF-8 as they are; a last line needs no newline.
    let text_of = |name: &str| -> Vec<u8> {
        ours.iter()
            .find(|p| p.0.ends_with(name))
            .map(|p| p.3.clone())
            .unwrap()
    };
    assert_eq!(text_of("crlf.txt"), b"needle with crlf\r");
    assert_eq!(text_of("nonutf8.txt"), b"needle \xff\xfe bytes");
    assert_eq!(text_of("noeol.txt"), b"last needle");
}

#[test]
fn a_walked_binary_file_stops_at_its_first_nul_as_rg_does() {
    let tree = crafted_tree();
    let root = tree.path();
    let search = ContentSearch::new(
        ContentQuery::regex("needle"),
        rules_in(root, &["*.dat", "*.bin"]),
    )
    .unwrap();
    let report = search.collect(&[root]);
    // binary.bin has its NUL in the first buffer: nothing of it is reported.
    let found: Vec<_> = report.files.iter().map(|f| f.path()).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    let big = &report.files[0];
    assert!(big.path().ends_with("big_binary.dat"));
    // The matches before the buffer holding the NUL are kept; none after it.
    assert!(big.matched_lines() > 1000);
    assert!(
        big.lines()
            .all(|l| l.bytes.starts_with(b"needle at the start"))
    );
    assert!(matches!(big.binary(), Some(BinaryNote::Stopped { .. })));
    let [ours, theirs] = both(
        root,
        ContentQuery::regex("needle"),
        &["*.dat", "*.bin"],
        &[root.to_path_buf()],
    );
    assert_same("binary, walked", &ours, &theirs);
}

#[test]
fn explicit_files_are_searched_whatever_the_rules_say() {
    let tree = crafted_tree();
    let root = tree.path();
    for name in [
        "binary.bin",
        "big_binary.dat",
        "debug.log",
        ".hidden.txt",
        "build/out.txt",
    ] {
        let file = root.join(name);
        let [ours, theirs] = both(root, ContentQuery::regex("needle"), &["*.rs"], &[file]);
        assert_same(name, &ours, &theirs);
        assert!(!ours.is_empty(), "{name}: nothing found");
    }
    // Given explicitly, a binary file reports that it matches instead of its lines.
    let search = ContentSearch::new(ContentQuery::regex("after"), WalkRules::default()).unwrap();
    let report = search.collect(&[root.join("binary.bin")]);
    assert_eq!(report.files.len(), 1);
    assert_eq!(report.files[0].lines().len(), 0);
    assert_eq!(
        report.files[0].binary(),
        Some(BinaryNote::Matches { offset: 14 })
    );
    // Several roots at once, files and directories mixed.
    let roots = [
        root.join("binary.bin"),
        root.join("code"),
        root.join("a.txt"),
    ];
    let [ours, theirs] = both(root, ContentQuery::regex("needle|after"), &[], &roots);
    assert_same("mixed roots", &ours, &theirs);
}

#[test]
fn globs_match_rg() {
    let tree = crafted_tree();
    let root = tree.path();
    let cases: &[&[&str]] = &[
        &["*.rs"],
        &["!*.rs"],
        &["*.{rs,py}"],
        &["code/*.py"],
        &["code/**"],
        &["!code/**"],
        &["!sub/**", "!*.txt"],
        &["*.rs", "!main.rs"],
        &["!*.rs", "main.rs"],
        &["**/deep*"],
        &["*.log"],
        &["sub"],
        &["!sub"],
        &["/a.txt"],
    ];
    for globs in cases {
        let [ours, theirs] = both(
            root,
            ContentQuery::regex("needle"),
            globs,
            &[root.to_path_buf()],
        );
        assert_same(&format!("globs {globs:?}"), &ours, &theirs);
    }
    let [ours, _] = both(
        root,
        ContentQuery::regex("needle"),
        &["*.rs"],
        &[root.to_path_buf()],
    );
    assert_eq!(
        paths_of(&ours, root),
        ["code/lib.rs", "code/main.rs", "code/nested/deep.rs"]
    );
}

#[test]
fn context_lines_match_rg_and_are_marked() {
    let tree = crafted_tree();
    let root = tree.path();
    let file = root.join("context.txt");
    for (before, after) in [(0, 1), (2, 0), (1, 2), (3, 3), (10, 10)] {
        let q = ContentQuery {
            pattern: "target".into(),
            before_context: before,
            after_context: after,
            ..Default::default()
        };
        let [ours, theirs] = both(root, q.clone(), &[], &[root.to_path_buf()]);
        assert_same(&format!("-B{before} -A{after}"), &ours, &theirs);
        let [ours, theirs] = both(root, q, &[], std::slice::from_ref(&file));
        assert_same(&format!("-B{before} -A{after}, one file"), &ours, &theirs);
    }
    let q = ContentQuery {
        pattern: "line 12 ".into(),
        before_context: 1,
        after_context: 1,
        ..Default::default()
    };
    let report = ContentSearch::new(q, WalkRules::default())
        .unwrap()
        .collect(&[&file]);
    let lines: Vec<_> = report.files[0]
        .lines()
        .map(|l| (l.number, l.kind, l.text().into_owned()))
        .collect();
    use codex_search::LineKind::{Context, Match};
    assert_eq!(
        lines,
        [
            (11, Context, "line 11".to_string()),
            (12, Match, "line 12 target".to_string()),
            (13, Context, "line 13".to_string()),
        ]
    );
}

#[test]
fn files_only_lists_the_files_rg_lists() {
    let tree = crafted_tree();
    let root = tree.path();
    let q = ContentQuery {
        files_only: true,
        ..ContentQuery::regex("needle")
    };
    let report = ContentSearch::new(q, rules_in(root, &[]))
        .unwrap()
        .collect(&[root]);
    let ours: Vec<String> = report
        .files
        .iter()
        .map(|f| f.path().to_string_lossy().into_owned())
        .collect();
    let out = Command::new(rg())
        .current_dir(root)
        .args(["--no-config", "-l", "needle"])
        .arg(root)
        .output()
        .unwrap();
    let mut theirs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    theirs.sort();
    assert_same("-l", &ours, &theirs);
    assert!(report.files.iter().all(|f| f.matched_lines() == 1));
}

#[test]
fn a_bad_pattern_is_an_error_that_names_it_with_rgs_explanation() {
    let tree = crafted_tree();
    for pattern in ["needle(", "[z-a]", "a{2,1}", "\\p{Nope}"] {
        let Err(err) = ContentSearch::new(ContentQuery::regex(pattern), WalkRules::default())
        else {
            panic!("{pattern} compiled");
        };
        assert!(
            matches!(&err, SearchError::Pattern { pattern: p, .. } if p == pattern),
            "{err:?}"
        );
        assert!(err.to_string().contains(&format!("`{pattern}`")), "{err}");
        let out = Command::new(rg())
            .current_dir(tree.path())
            .args(["--no-config", "-e", pattern])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.trim_end().strip_prefix("rg: "),
            Some(err.message().trim_end()),
            "{pattern}"
        );
    }
    // As a literal, the same text is fine.
    assert!(ContentSearch::new(ContentQuery::literal("needle("), WalkRules::default()).is_ok());
}

#[test]
fn a_bad_glob_is_an_error_that_names_it() {
    let rules = WalkRules {
        globs: vec!["*.rs".into(), "{a,b".into()],
        ..Default::default()
    };
    let Err(err) = ContentSearch::new(ContentQuery::regex("x"), rules) else {
        panic!("the glob parsed");
    };
    assert!(
        matches!(&err, SearchError::Glob { glob, .. } if glob == "{a,b"),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("invalid glob `{a,b`: "),
        "{err}"
    );
}

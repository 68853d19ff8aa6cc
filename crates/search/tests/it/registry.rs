//! The same queries over the cargo registry's unpacked sources on this machine: real code, many
//! files, and whatever ignore files, hidden files and binaries the crates ship.

use std::path::PathBuf;

use codex_search::{CaseMode, ContentQuery, PatternSyntax, WalkRules};

use crate::support::{assert_same, our_files, rg_files, run_ours, run_rg};

/// Crate directories that finished unpacking (cargo writes `.cargo-ok` last), so that other
/// builds unpacking crates meanwhile do not change the tree under the comparison. Every other
/// one, to keep the run short; at least 40 are required for the comparison to mean something.
fn registry_crates() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("neither CARGO_HOME nor HOME is set");
    let src = home.join("registry/src");
    let mut crates: Vec<PathBuf> = std::fs::read_dir(&src)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", src.display()))
        .flatten()
        .flat_map(|index| {
            std::fs::read_dir(index.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|krate| krate.path())
        .filter(|krate| krate.join(".cargo-ok").is_file())
        .collect();
    crates.sort();
    let crates: Vec<PathBuf> = crates.into_iter().step_by(2).collect();
    assert!(
        crates.len() >= 40,
        "only {} unpacked crates under {}; build the workspace first",
        crates.len(),
        src.display()
    );
    crates
}

fn rg_query_args(query: &ContentQuery) -> Vec<String> {
    let mut args = vec![match query.case {
        CaseMode::Sensitive => "-s".to_string(),
        CaseMode::Insensitive => "-i".to_string(),
        CaseMode::Smart => "-S".to_string(),
    }];
    if query.syntax == PatternSyntax::Literal {
        args.push("-F".into());
    }
    if query.before_context > 0 {
        args.push(format!("-B{}", query.before_context));
    }
    if query.after_context > 0 {
        args.push(format!("-A{}", query.after_context));
    }
    args.push("-e".into());
    args.push(query.pattern.clone());
    args
}

#[test]
fn content_search_over_the_registry_matches_rg() {
    let crates = registry_crates();
    let cwd = crates[0].parent().unwrap().to_path_buf();
    let q = |pattern: &str, syntax, case| ContentQuery {
        pattern: pattern.into(),
        syntax,
        case,
        ..Default::default()
    };
    use CaseMode::*;
    use PatternSyntax::*;
    let queries = [
        q("unsafe impl", Literal, Sensitive),
        q(r"fn\s+[a-z]+_[a-z]+_[a-z]+\(", Regex, Sensitive),
        q("todo!", Literal, Insensitive),
        q("Panics", Regex, Smart),
        q(r"\b(?:Copyright|SPDX)\b", Regex, Sensitive),
        q("zyxwvut", Literal, Sensitive),
        ContentQuery {
            before_context: 2,
            after_context: 1,
            ..q("#[cfg(target_os = \"macos\")]", Literal, Sensitive)
        },
    ];
    for query in queries {
        let mut args = rg_query_args(&query);
        args.push("--".into());
        args.extend(crates.iter().map(|c| c.to_string_lossy().into_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let theirs = run_rg(&cwd, &args);
        let rules = WalkRules {
            base_dir: Some(cwd.clone()),
            ..Default::default()
        };
        let what = format!("{query:?}");
        let ours = run_ours(query, rules, &crates);
        assert_same(&what, &ours, &theirs);
    }
}

#[test]
fn listing_the_registry_matches_rg_files() {
    let crates = registry_crates();
    let cwd = crates[0].parent().unwrap().to_path_buf();
    let mut args: Vec<String> = crates
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let theirs = rg_files(&cwd, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(theirs.len() > 2_000, "only {} files", theirs.len());
    let rules = WalkRules {
        base_dir: Some(cwd.clone()),
        ..Default::default()
    };
    assert_same("rg --files", &our_files(&crates, &rules), &theirs);
    args.splice(0..0, ["-g".to_string(), "*.{rs,toml}".to_string()]);
    let theirs = rg_files(&cwd, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let rules = WalkRules {
        globs: vec!["*.{rs,toml}".into()],
        ..rules
    };
    assert_same("rg --files -g", &our_files(&crates, &rules), &theirs);
}

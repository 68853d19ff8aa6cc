//! Stopping early, and paths that cannot be read.

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use codex_search::{ContentQuery, ContentSearch, Flow, WalkRules};

fn many_files(root: &Path, files: usize, lines: usize) {
    for f in 0..files {
        let body: String = (0..lines).map(|l| format!("hit {f} {l}\n")).collect();
        fs::write(root.join(format!("f{f:04}.txt")), body).unwrap();
    }
}

#[test]
fn the_match_limit_is_exact_and_stops_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    many_files(dir.path(), 400, 50);
    let query = ContentQuery {
        max_matches: Some(7),
        ..ContentQuery::regex("hit")
    };
    let report = ContentSearch::new(query, WalkRules::default())
        .unwrap()
        .collect(&[dir.path()]);
    let matched: u64 = report.files.iter().map(|f| f.matched_lines()).sum();
    assert_eq!(matched, 7);
    assert!(report.summary.stopped_early);
    // Every walker thread finishes at most the file it is in.
    assert!(
        report.summary.files_searched < 50,
        "searched {} files",
        report.summary.files_searched
    );
    // Without a limit, everything.
    let report = ContentSearch::new(ContentQuery::regex("hit"), WalkRules::default())
        .unwrap()
        .collect(&[dir.path()]);
    assert_eq!(report.summary.files_searched, 400);
    assert_eq!(report.summary.files_matched, 400);
    assert!(!report.summary.stopped_early);
}

#[test]
fn the_caller_can_stop_a_search() {
    let dir = tempfile::tempdir().unwrap();
    many_files(dir.path(), 300, 1);
    let seen = AtomicUsize::new(0);
    let summary = ContentSearch::new(ContentQuery::regex("hit"), WalkRules::default())
        .unwrap()
        .run(&[dir.path()], |_| {
            seen.fetch_add(1, Ordering::SeqCst);
            Flow::Stop
        });
    assert!(summary.stopped_early);
    assert!(seen.load(Ordering::SeqCst) < 20);
}

#[test]
fn unreadable_paths_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    many_files(dir.path(), 3, 1);
    let missing = dir.path().join("no-such-dir");
    // Reading this fails even for root.
    let unreadable = Path::new("/proc/self/mem");
    let search = ContentSearch::new(ContentQuery::regex("hit"), WalkRules::default()).unwrap();
    let report = search.collect(&[dir.path(), &missing, unreadable]);
    assert_eq!(report.files.len(), 3);
    let warnings = &report.summary.warnings;
    assert_eq!(warnings.count(), 2, "{warnings:?}");
    assert!(
        warnings
            .kept()
            .iter()
            .any(|w| w.path.as_deref() == Some(missing.as_path())),
        "{warnings:?}"
    );
    assert!(
        warnings
            .kept()
            .iter()
            .any(|w| w.path.as_deref() == Some(unreadable)),
        "{warnings:?}"
    );
    // A directory the user may not read (root reads everything, so only checked otherwise).
    #[cfg(unix)]
    if unsafe_free_is_root() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let closed = dir.path().join("closed");
        fs::create_dir(&closed).unwrap();
        fs::write(closed.join("secret.txt"), "hit\n").unwrap();
        fs::set_permissions(&closed, fs::Permissions::from_mode(0o000)).unwrap();
        let report = search.collect(&[dir.path()]);
        fs::set_permissions(&closed, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(report.files.len(), 3);
        assert_eq!(report.summary.warnings.count(), 1);
    }
}

/// Whether this process runs as root, read from `/proc` (no libc call needed in a test).
fn unsafe_free_is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn the_filter_sees_every_entry_and_roots_before_they_are_opened() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("secret")).unwrap();
    fs::write(dir.path().join("secret/a.txt"), "hit\n").unwrap();
    fs::write(dir.path().join("open.txt"), "hit\n").unwrap();
    fs::write(dir.path().join("private.txt"), "hit\n").unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let rules = WalkRules {
        filter: Some(Arc::new(move |path: &Path| {
            counter.fetch_add(1, Ordering::SeqCst);
            !path.ends_with("secret") && !path.ends_with("private.txt")
        })),
        ..Default::default()
    };
    let search = ContentSearch::new(ContentQuery::regex("hit"), rules).unwrap();
    let report = search.collect(&[dir.path()]);
    let names: Vec<_> = report
        .files
        .iter()
        .map(|f| f.path().to_path_buf())
        .collect();
    assert_eq!(names, [dir.path().join("open.txt")]);
    assert!(asked.load(Ordering::SeqCst) >= 4);
    // A root the filter refuses is not searched at all.
    let report = search.collect(&[dir.path().join("private.txt")]);
    assert!(report.files.is_empty());
}

#[test]
fn a_cancelled_search_ends_without_searching_on() {
    let dir = tempfile::tempdir().unwrap();
    many_files(dir.path(), 50, 1);
    let search = ContentSearch::new(ContentQuery::regex("hit"), WalkRules::default()).unwrap();
    let cancel = std::sync::atomic::AtomicBool::new(true);
    let summary = search.run_until(&[dir.path()], &cancel, |_| Flow::Continue);
    assert!(summary.stopped_early);
    assert_eq!(summary.files_matched, 0);
    cancel.store(false, Ordering::SeqCst);
    let summary = search.run_until(&[dir.path()], &cancel, |_| Flow::Continue);
    assert_eq!(summary.files_matched, 50);
}

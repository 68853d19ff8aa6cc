use codex_protocol::{ReviewCodeLocation, ReviewLineRange};

use super::*;

fn finding(title: &str, path: &str, start: u32, end: u32) -> ReviewFinding {
    ReviewFinding {
        title: title.into(),
        body: format!("why {title}"),
        confidence_score: 0.5,
        priority: Some(1),
        code_location: ReviewCodeLocation {
            absolute_file_path: path.into(),
            line_range: ReviewLineRange { start, end },
        },
    }
}

fn review(findings: Vec<ReviewFinding>, correctness: &str) -> ReviewOutputEvent {
    ReviewOutputEvent {
        findings,
        overall_correctness: correctness.into(),
        overall_explanation: "explained".into(),
        overall_confidence_score: 0.5,
    }
}

#[tokio::test]
async fn uncommitted_changes_include_untracked_files_but_not_huge_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cwd = dir.path();
    let run = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(cwd)
            .status()
            .expect("git");
        assert!(status.success(), "git {args:?}");
    };
    run(&["init", "-q"]);
    std::fs::write(cwd.join("a.txt"), "one\n").expect("write");
    run(&["add", "."]);
    run(&["commit", "-qm", "one"]);
    std::fs::write(cwd.join("a.txt"), "two\n").expect("write");
    std::fs::write(cwd.join("new.txt"), "fresh\n").expect("write");
    std::fs::write(cwd.join("big.log"), vec![b'x'; 2 * 1024 * 1024]).expect("write");
    let diff = target_diff(&ReviewTarget::UncommittedChanges, cwd)
        .await
        .expect("diff");
    assert!(diff.contains("-one\n+two"), "{diff}");
    assert!(diff.contains("+fresh"), "{diff}");
    assert!(
        diff.contains("[untracked file big.log: 2097152 bytes, too large to show]"),
        "{diff}"
    );
    assert!(diff.len() < 10_000);
    let missing = ReviewTarget::BaseBranch {
        branch: "nope".into(),
    };
    let error = target_diff(&missing, cwd)
        .await
        .expect_err("no such branch");
    assert!(
        error.contains("cannot find where this branch left 'nope'"),
        "{error}"
    );
}

#[test]
fn renders_one_or_several_findings() {
    let one = review(
        vec![finding("[P1] A", "/r/a.rs", 2, 2)],
        "patch is incorrect",
    );
    assert_eq!(
        one.render(),
        "explained\n\nReview comment:\n\n- [P1] A — /r/a.rs:2-2\n  why [P1] A"
    );
    let mut two = review(
        vec![
            finding("[P1] A", "/r/a.rs", 2, 4),
            finding("[P3] B", "/r/b.rs", 7, 7),
        ],
        "patch is incorrect",
    );
    two.findings[1].body = "line one\nline two".into();
    assert_eq!(
        two.render(),
        "explained\n\nFull review comments:\n\n- [P1] A — /r/a.rs:2-4\n  why [P1] A\n\n\
         - [P3] B — /r/b.rs:7-7\n  line one\n  line two"
    );
    assert_eq!(review(Vec::new(), "patch is correct").render(), "explained");
}

#[test]
fn parses_fenced_json_and_keeps_prose_whole() {
    let text = "Here:\n```json\n{\"findings\":[],\"overall_correctness\":\"patch is correct\",\
                \"overall_explanation\":\"fine\",\"overall_confidence_score\":0.9}\n```";
    let output = parse_review(text);
    assert_eq!(output.overall_explanation, "fine");
    assert_eq!(output.overall_correctness, "patch is correct");
    let prose = parse_review("  looks {fine} to me ");
    assert_eq!(prose.overall_explanation, "looks {fine} to me");
    assert!(prose.findings.is_empty());
}

#[test]
fn pairs_findings_at_the_same_file_and_nearby_lines() {
    let cwd = Path::new("/repo");
    let first = review(
        vec![
            finding("[P1] A", "/repo/src/a.rs", 10, 12),
            finding("[P2] B", "/repo/src/b.rs", 40, 40),
        ],
        "patch is incorrect",
    );
    let second = review(
        vec![
            finding("[P1] C", "/repo/src/c.rs", 1, 1),
            // Relative, and three lines off: the same finding as A.
            finding("[P0] A again", "./src/a.rs", 15, 15),
        ],
        "Patch is incorrect",
    );
    let compared = compare(&first, &second, cwd);
    assert_eq!(compared.agreed, vec![[0, 1]]);
    assert_eq!(compared.only_first, vec![1]);
    assert_eq!(compared.only_second, vec![0]);
    assert!(compared.same_correctness);
    let event = differences(&first, &compared, cwd);
    assert_eq!(event.verdict, Some(SecondOpinionVerdict::Concerns));
    assert_eq!(event.concerns.len(), 2);
    assert_eq!(event.concerns[0].file.as_deref(), Some("src/c.rs"));
    assert_eq!(event.concerns[0].line, Some(1));
    assert!(
        event.concerns[0]
            .text
            .starts_with("only the second review found: [P1] C")
    );
    assert_eq!(event.concerns[1].file.as_deref(), Some("src/b.rs"));

    let same = compare(&first, &first, cwd);
    let event = differences(&first, &same, cwd);
    assert_eq!(event.verdict, Some(SecondOpinionVerdict::Agree));
    assert!(event.concerns.is_empty());

    let other = review(first.findings.clone(), "patch is correct");
    let event = differences(&first, &compare(&first, &other, cwd), cwd);
    assert_eq!(event.verdict, Some(SecondOpinionVerdict::Concerns));
    assert!(event.concerns[0].text.contains("differ on the whole"));
}

use std::collections::BTreeMap;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

fn saving(max_bytes: Option<u64>) -> History {
    History {
        persistence: HistoryPersistence::SaveAll,
        max_bytes,
    }
}

fn read(home: &Path) -> String {
    std::fs::read_to_string(home.join(FILE_NAME)).unwrap()
}

/// Prompts of different lengths, naming their writer and number.
fn prompt(writer: usize, n: usize) -> String {
    format!("w{writer} p{n} {}", "x".repeat((writer * 7 + n * 13) % 40))
}

/// Each writer's prompt numbers in file order; every line must be a whole JSON object written
/// by `prompt`, and none may appear twice.
fn numbers_by_writer(text: &str) -> BTreeMap<usize, Vec<usize>> {
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "torn end: {text:?}"
    );
    let mut seen = std::collections::HashSet::new();
    let mut by_writer: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for line in text.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"));
        let text = value["text"].as_str().unwrap();
        assert!(seen.insert(text.to_string()), "duplicate line {line}");
        let mut words = text.split(' ');
        let writer: usize = words.next().unwrap()[1..].parse().unwrap();
        let n: usize = words.next().unwrap()[1..].parse().unwrap();
        assert_eq!(text, prompt(writer, n));
        assert_eq!(value["session_id"], format!("w{writer}"));
        by_writer.entry(writer).or_default().push(n);
    }
    by_writer
}

/// The file is what is left after trims: a run of the newest appends. So every writer still in
/// it has its lines from some number up to its last, in order and without a gap, and the last
/// line is some writer's last prompt.
fn assert_newest_of_each_writer(text: &str, prompts: usize, max_bytes: u64) {
    assert!(text.len() as u64 <= max_bytes, "{} bytes", text.len());
    let by_writer = numbers_by_writer(text);
    assert!(!by_writer.is_empty());
    for (writer, numbers) in &by_writer {
        let first = numbers[0];
        assert_eq!(
            numbers,
            &(first..prompts).collect::<Vec<_>>(),
            "writer {writer} lost a line or is not the newest"
        );
    }
    let last = text.lines().last().unwrap();
    assert!(last.contains(&format!(" p{} ", prompts - 1)), "{last}");
}

#[test]
fn appends_with_private_mode_and_trims() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..20 {
        append_history(dir.path(), &saving(Some(400)), "w0", &prompt(0, i)).unwrap();
    }
    let text = read(dir.path());
    assert!(text.len() <= 400, "{}", text.len());
    assert_newest_of_each_writer(&text, 20, 400);
    assert!(numbers_by_writer(&text)[&0][0] > 0);
    #[cfg(unix)]
    {
        let mode = std::fs::metadata(dir.path().join(FILE_NAME))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [FILE_NAME], "a temporary file was left behind");
}

#[test]
fn persistence_none_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let none = History {
        persistence: HistoryPersistence::None,
        max_bytes: None,
    };
    append_history(dir.path(), &none, "s", "x").unwrap();
    assert!(!dir.path().join(FILE_NAME).exists());
}

#[cfg(unix)]
#[test]
fn an_existing_file_open_to_others_is_narrowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    std::fs::write(&path, "").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    append_history(dir.path(), &saving(None), "w0", &prompt(0, 0)).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn newest_lines_keep_whole_lines_that_fit() {
    let tail = b"{\"a\":1}\n{\"b\":22}\n{\"c\":333}\n";
    // Everything fits.
    assert_eq!(newest_lines(tail, true, 100), tail.to_vec());
    // The last two lines are 9 + 10 bytes.
    assert_eq!(newest_lines(tail, true, 19), b"{\"b\":22}\n{\"c\":333}\n");
    assert_eq!(newest_lines(tail, true, 18), b"{\"c\":333}\n");
    // A line longer than the budget leaves nothing rather than a cut line.
    assert_eq!(newest_lines(tail, true, 5), b"");
    // Not from the start of the file: the first line is a cut one and goes.
    assert_eq!(
        newest_lines(&tail[3..], false, 100),
        b"{\"b\":22}\n{\"c\":333}\n"
    );
    assert_eq!(newest_lines(tail, false, 100), b"{\"b\":22}\n{\"c\":333}\n");
}

#[test]
fn newest_lines_drop_blank_lines_and_fragments() {
    let tail = b"{\"a\":1}\n\n{\"cut\":\"hal\n{\"b\":2}\nnot json\n{\"c\":";
    assert_eq!(newest_lines(tail, true, 100), b"{\"a\":1}\n{\"b\":2}\n");
}

#[test]
fn a_torn_last_line_is_ended_before_the_next_append_and_dropped_by_a_trim() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let fragment = format!(
        "{{\"session_id\":\"w0\",\"text\":\"w0 p0 {}",
        "y".repeat(200)
    );
    std::fs::write(&path, &fragment).unwrap();
    append_history(dir.path(), &saving(None), "w0", &prompt(0, 1)).unwrap();
    let text = read(dir.path());
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0], fragment);
    assert_eq!(numbers_by_writer(&format!("{}\n", lines[1]))[&0], [1]);

    // A trim that has room for every whole line drops only the fragment.
    let max = text.len() as u64 + 60;
    append_history(dir.path(), &saving(Some(max)), "w0", &prompt(0, 2)).unwrap();
    assert_eq!(numbers_by_writer(&read(dir.path()))[&0], [1, 2]);
}

#[test]
fn a_file_far_past_the_cap_is_trimmed_from_its_tail() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = String::new();
    for i in 0..20_000 {
        big.push_str(
            &serde_json::to_string(&json!({"session_id": "w1", "text": prompt(1, i)})).unwrap(),
        );
        big.push('\n');
    }
    std::fs::write(dir.path().join(FILE_NAME), &big).unwrap();
    append_history(dir.path(), &saving(Some(1000)), "w0", &prompt(0, 0)).unwrap();
    let text = read(dir.path());
    assert!(text.len() <= 800, "{}", text.len());
    let by_writer = numbers_by_writer(&text);
    assert_eq!(by_writer[&0], [0]);
    assert_eq!(by_writer[&1].last(), Some(&19_999));
}

#[test]
fn a_writer_that_locked_a_replaced_file_appends_to_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    append_history(dir.path(), &saving(None), "w0", &prompt(0, 0)).unwrap();
    let held = lock::open_locked(&path, open_for_append).unwrap();
    let home = dir.path().to_path_buf();
    let writer =
        std::thread::spawn(move || append_history(&home, &saving(None), "w1", &prompt(1, 0)));
    // Let the writer open the old file and start waiting for its lock, then do what a trim
    // does: rename a new file over it, and let go.
    std::thread::sleep(Duration::from_millis(100));
    replace(&path, b"").unwrap();
    drop(held);
    writer.join().unwrap().unwrap();
    assert_eq!(numbers_by_writer(&read(dir.path()))[&1], [0]);
}

#[test]
fn sessions_in_one_process_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (writers, prompts) = (8, 40);
    std::thread::scope(|scope| {
        for w in 0..writers {
            let home = dir.path();
            scope.spawn(move || {
                for n in 0..prompts {
                    append_history(home, &saving(None), &format!("w{w}"), &prompt(w, n)).unwrap();
                }
            });
        }
    });
    let by_writer = numbers_by_writer(&read(dir.path()));
    assert_eq!(by_writer.len(), writers);
    for numbers in by_writer.values() {
        assert_eq!(numbers, &(0..prompts).collect::<Vec<_>>());
    }
}

const CHILD: &str = "history::tests::writer_process";
const HOME_VAR: &str = "CODEX_TEST_HISTORY_HOME";
const WRITER_VAR: &str = "CODEX_TEST_HISTORY_WRITER";
const PROMPTS_VAR: &str = "CODEX_TEST_HISTORY_PROMPTS";
const MAX_VAR: &str = "CODEX_TEST_HISTORY_MAX_BYTES";

/// One writer process of `processes_*`: this test binary started again to run only this test.
#[test]
#[ignore = "run as a child process by the processes_* tests"]
fn writer_process() {
    let Ok(home) = std::env::var(HOME_VAR) else {
        return;
    };
    let home = Path::new(&home);
    let writer: usize = std::env::var(WRITER_VAR).unwrap().parse().unwrap();
    let prompts: usize = std::env::var(PROMPTS_VAR).unwrap().parse().unwrap();
    let max_bytes = std::env::var(MAX_VAR).ok().map(|m| m.parse().unwrap());
    // Start together, so that the writers overlap.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !home.join("go").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let session = format!("w{writer}");
    for n in 0..prompts {
        append_history(home, &saving(max_bytes), &session, &prompt(writer, n)).unwrap();
    }
}

/// Runs `writers` processes appending `prompts` prompts each, and returns the file.
fn run_writer_processes(writers: usize, prompts: usize, max_bytes: Option<u64>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..writers)
        .map(|w| {
            let mut command = Command::new(&exe);
            command
                .args([CHILD, "--exact", "--ignored", "--test-threads=1"])
                .env(HOME_VAR, dir.path())
                .env(WRITER_VAR, w.to_string())
                .env(PROMPTS_VAR, prompts.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if let Some(max) = max_bytes {
                command.env(MAX_VAR, max.to_string());
            }
            command.spawn().unwrap()
        })
        .collect();
    std::fs::write(dir.path().join("go"), "").unwrap();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "writer failed: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "go")
        .collect();
    assert_eq!(names, [FILE_NAME], "a temporary file was left behind");
    read(dir.path())
}

#[test]
fn processes_lose_no_line_when_everything_fits() {
    let (writers, prompts) = (20, 50);
    let text = run_writer_processes(writers, prompts, Some(1 << 20));
    let by_writer = numbers_by_writer(&text);
    assert_eq!(by_writer.len(), writers);
    for numbers in by_writer.values() {
        assert_eq!(numbers, &(0..prompts).collect::<Vec<_>>());
    }
}

#[test]
fn processes_trimming_all_the_time_keep_the_newest_lines() {
    let (prompts, max_bytes) = (50, 2048);
    let text = run_writer_processes(20, prompts, Some(max_bytes));
    assert_newest_of_each_writer(&text, prompts, max_bytes);
}

#![allow(clippy::unwrap_used, clippy::expect_used)]

//! `codex memory-server` against the reference memory server: the same seeded sequence of
//! tool calls to both, and the reads compared; several writers on one database; and
//! `codex memory import|export`.
//!
//! Differences the sequence avoids on purpose: the reference creates a name (or relation)
//! repeated within one call twice, ours once; so no call repeats one.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Client {
    fn start(mut command: Command) -> Client {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut client = Client {
            child,
            stdin,
            stdout,
            next_id: 1,
        };
        client.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"}}),
        );
        client.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        client
    }

    fn send(&mut self, message: &Value) {
        writeln!(self.stdin, "{message}").expect("write");
        self.stdin.flush().expect("flush");
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).expect("read") > 0,
                "server gone"
            );
            let message: Value = serde_json::from_str(&line).expect("JSON-RPC message");
            if message["id"] == json!(id) {
                return message["result"].clone();
            }
        }
    }

    fn call(&mut self, tool: &str, args: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": args}))
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ours(db: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_codex"));
    command.arg("memory-server").arg("--db").arg(db);
    command
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn reference_bin() -> PathBuf {
    let dir = std::env::var_os("CODEX_MCP_SERVERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("tests/mcp/node_modules/.bin"));
    let bin = dir.join("mcp-server-memory");
    assert!(
        bin.exists(),
        "the reference memory server is not installed in {}: run `npm ci` in tests/mcp \
         (scripts/test does)",
        dir.display()
    );
    bin
}

fn python() -> PathBuf {
    let path = std::env::var_os("CODEX_MCP_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".cache/mcp-venv/bin/python"));
    assert!(
        path.exists(),
        "no Python with the MCP SDK at {}: run scripts/test (it makes the venv), or \
         `python3 -m venv .cache/mcp-venv && .cache/mcp-venv/bin/pip install mcp==2.3.0`",
        path.display()
    );
    path
}

/// A small deterministic generator (xorshift), so both servers get the same calls.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// Up to `max` distinct items.
    fn some<'a>(&mut self, items: &[&'a str], max: usize) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        for _ in 0..=self.below(max) {
            let item = self.pick(items);
            if !out.contains(&item) {
                out.push(item);
            }
        }
        out
    }
}

const NAMES: &[&str] = &["Alice", "bob", "Carol", "DAVE", "Ève", "frank", "Grace"];
const TYPES: &[&str] = &["person", "Person", "city", "project"];
const OBS: &[&str] = &[
    "likes Rust",
    "lives in Paris",
    "ab",
    "AB cd",
    "works at Acme",
    "é",
];
const RELS: &[&str] = &["knows", "works_with", "manages"];
const QUERIES: &[&str] = &[
    "", "a", "AB", "rust", "PERSON", "paris", "ève", "li", "xyz", "s i",
];

fn random_call(rng: &mut Rng) -> (&'static str, Value) {
    let relations = |rng: &mut Rng| -> Value {
        let mut seen = Vec::new();
        for _ in 0..=rng.below(3) {
            let r = (rng.pick(NAMES), rng.pick(NAMES), rng.pick(RELS));
            if !seen.contains(&r) {
                seen.push(r);
            }
        }
        seen.iter()
            .map(|(f, t, r)| json!({"from": f, "to": t, "relationType": r}))
            .collect()
    };
    match rng.below(10) {
        0 | 1 => {
            let entities: Vec<Value> = rng
                .some(NAMES, 3)
                .into_iter()
                .map(|n| {
                    json!({"name": n, "entityType": rng.pick(TYPES),
                        "observations": rng.some(OBS, 2)})
                })
                .collect();
            ("create_entities", json!({"entities": entities}))
        }
        2 | 3 => ("create_relations", json!({"relations": relations(rng)})),
        4 => {
            let items: Vec<Value> = (0..=rng.below(1))
                .map(|_| json!({"entityName": rng.pick(NAMES), "contents": rng.some(OBS, 3)}))
                .collect();
            ("add_observations", json!({"observations": items}))
        }
        5 => (
            "delete_entities",
            json!({"entityNames": rng.some(NAMES, 1)}),
        ),
        6 => {
            let items = json!([{"entityName": rng.pick(NAMES), "observations": rng.some(OBS, 2)}]);
            ("delete_observations", json!({"deletions": items}))
        }
        7 => ("delete_relations", json!({"relations": relations(rng)})),
        8 => ("search_nodes", json!({"query": rng.pick(QUERIES)})),
        _ => ("open_nodes", json!({"names": rng.some(NAMES, 3)})),
    }
}

#[test]
fn answers_as_the_reference_server_does() {
    let reference = reference_bin();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut theirs = Command::new(reference);
    theirs.env("MEMORY_FILE_PATH", dir.path().join("memory.jsonl"));
    let mut theirs = Client::start(theirs);
    let mut mine = Client::start(ours(&dir.path().join("memory.sqlite")));

    let mut their_tools = theirs.request("tools/list", json!({}));
    // The reference's SDK adds `execution: {taskSupport: "forbidden"}` (tasks are a draft
    // feature); `rmcp` has no such field, and no task support either.
    for tool in their_tools["tools"].as_array_mut().into_iter().flatten() {
        if let Some(tool) = tool.as_object_mut() {
            tool.remove("execution");
        }
    }
    let my_tools = mine.request("tools/list", json!({}));
    assert_eq!(my_tools["tools"], their_tools["tools"]);

    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for step in 0..120 {
        let (tool, args) = random_call(&mut rng);
        let a = mine.call(tool, args.clone());
        let b = theirs.call(tool, args.clone());
        // Everything is compared: results, error flags and messages, texts.
        assert_eq!(a, b, "step {step}: {tool} {args}");
        if step % 10 == 9 {
            let a = mine.call("read_graph", json!({}));
            let b = theirs.call("read_graph", json!({}));
            assert_eq!(a, b, "step {step}: read_graph");
        }
    }
}

#[test]
fn concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("memory.sqlite");
    let writers: Vec<std::thread::JoinHandle<()>> = (0..3)
        .map(|w| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut client = Client::start(ours(&db));
                for i in 0..200 {
                    let name = format!("w{w}-{}", i / 2);
                    let result = if i % 2 == 0 {
                        client.call(
                            "create_entities",
                            json!({"entities": [{"name": name, "entityType": "t",
                                "observations": [format!("first {i}")]}]}),
                        )
                    } else {
                        client.call(
                            "add_observations",
                            json!({"observations": [{"entityName": name,
                                "contents": [format!("second {i}")]}]}),
                        )
                    };
                    assert_ne!(result["isError"], json!(true), "{result}");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("writer");
    }
    let mut client = Client::start(ours(&db));
    let graph = client.call("read_graph", json!({}));
    let entities = graph["structuredContent"]["entities"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(entities.len(), 300);
    assert!(
        entities
            .iter()
            .all(|e| e["observations"].as_array().map(Vec::len) == Some(2))
    );
}

#[test]
fn import_then_export_round_trips_a_memory_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("in.jsonl");
    let text = concat!(
        r#"{"type":"entity","name":"John","entityType":"person","observations":["likes tea","Ünïcode"]}"#,
        "\n",
        r#"{"type":"entity","name":"Acme","entityType":"company","observations":[]}"#,
        "\n",
        r#"{"type":"relation","from":"John","to":"Acme","relationType":"works_at"}"#
    );
    std::fs::write(&file, text).expect("write");
    let db = dir.path().join("memory.sqlite");
    let codex = env!("CARGO_BIN_EXE_codex");
    let status = Command::new(codex)
        .args(["memory", "import"])
        .arg(&file)
        .arg("--db")
        .arg(&db)
        .status()
        .expect("import");
    assert!(status.success());
    let out = dir.path().join("out.jsonl");
    let status = Command::new(codex)
        .args(["memory", "export"])
        .arg(&out)
        .arg("--db")
        .arg(&db)
        .status()
        .expect("export");
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(&out).expect("read"), text);
}

/// `codex memory-server --listen` until dropped; stopped with SIGTERM by `stop`.
struct HttpServer {
    child: Child,
    url: String,
}

impl HttpServer {
    fn start(db: &Path) -> HttpServer {
        let mut child = ours(db)
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        stderr.read_line(&mut line).expect("read stderr");
        let url = line
            .trim()
            .strip_prefix("memory-server: listening on ")
            .unwrap_or_else(|| panic!("no address announced: {line:?}"))
            .to_string();
        HttpServer { child, url }
    }

    /// SIGTERM, and the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(status.success());
        self.child.wait().expect("wait")
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn over_http_the_python_sdk_gets_the_reference_answers_and_clients_share_the_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("memory.sqlite");
    let server = HttpServer::start(&db);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    assert!(server.url.ends_with("/mcp"), "{}", server.url);
    let out = Command::new(python())
        .arg(workspace().join("tests/mcp/memory_http.py"))
        .arg(&server.url)
        .arg(reference_bin())
        .arg(dir.path().join("reference.jsonl"))
        .output()
        .expect("run the Python client");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report["steps"], 120);
    assert_eq!(report["concurrent"], 200);
    assert_eq!(report["tools"].as_array().map(Vec::len), Some(9));

    // Another path is not the endpoint.
    let base = server.url.trim_end_matches("/mcp").to_string();
    let probe = Command::new(python())
        .args([
            "-c",
            "import sys, urllib.request, urllib.error\n\
             try:\n    urllib.request.urlopen(sys.argv[1])\n\
             except urllib.error.HTTPError as e:\n    print(e.code)",
        ])
        .arg(format!("{base}/other"))
        .output()
        .expect("probe");
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "404");

    // SIGTERM stops it cleanly, and a stdio server on the same database sees everything.
    assert_eq!(server.stop().code(), Some(0));
    let mut client = Client::start(ours(&db));
    let graph = client.call("read_graph", json!({}));
    let entities = graph["structuredContent"]["entities"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        entities
            .iter()
            .filter(|e| e["name"].as_str().is_some_and(|n| n.starts_with("http-")))
            .count(),
        200
    );
    assert_eq!(Some(entities.len() as u64), report["entities"].as_u64());
}

#[test]
fn listen_serves_loopback_only_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("memory.sqlite");
    for addr in [
        "0.0.0.0:0",
        "192.0.2.1:8080",
        "[::]:0",
        "example.com:80",
        "8080",
    ] {
        let out = ours(&db)
            .args(["--listen", addr])
            .stdin(Stdio::null())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{addr}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("--listen {addr}:")), "{err}");
        assert!(
            err.contains("only loopback addresses") || err.contains("expected HOST:PORT"),
            "{err}"
        );
    }
    assert!(
        !db.exists(),
        "a refused address must not create the database"
    );

    // A port in use is a clear error.
    let first = HttpServer::start(&db);
    let port = first.url.trim_start_matches("http://127.0.0.1:");
    let port = port.trim_end_matches("/mcp");
    let out = ours(&db)
        .args(["--listen", &format!("localhost:{port}")])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot listen on 127.0.0.1:"), "{err}");
}

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

mod common;
use common::{python, workspace};

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

    /// `host:port` of the endpoint.
    fn addr(&self) -> &str {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches(HTTP_PATH)
    }

    /// Sends `signal` and waits: the exit status.
    fn stop(mut self, signal: i32) -> std::process::ExitStatus {
        let pid = i32::try_from(self.child.id()).expect("pid");
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill");
        self.child.wait().expect("wait")
    }
}

const HTTP_PATH: &str = "/mcp";

/// One HTTP/1.1 request on a fresh connection to `addr`: the status, the headers (names in lower
/// case), and the connection, positioned at the body.
fn http_request(
    addr: &str,
    request_line: &str,
    host: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, BufReader<std::net::TcpStream>) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let mut head = format!("{request_line} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(head.as_bytes()).expect("send");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status: {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header");
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    (status, headers, reader)
}

const POST_JSON: &[(&str, &str)] = &[
    ("Content-Type", "application/json"),
    ("Accept", "application/json, text/event-stream"),
    ("Connection", "close"),
];

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;

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

    // Another path is not the endpoint; a Host that is not a loopback name (DNS rebinding) is
    // refused.
    let host = server.addr().to_string();
    let (status, _, _) = http_request(&host, "GET /other", &host, &[("Connection", "close")], "");
    assert_eq!(status, 404);
    let (status, _, _) = http_request(&host, "POST /mcp", "evil.example", POST_JSON, INITIALIZE);
    assert_eq!(status, 403);
    let (status, _, _) = http_request(&host, "POST /mcp", &host, POST_JSON, INITIALIZE);
    assert_eq!(status, 200);

    // SIGTERM stops it cleanly, and a stdio server on the same database sees everything.
    assert_eq!(server.stop(libc::SIGTERM).code(), Some(0));
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
    let out = ours(&db)
        .args(["--listen", "0.0.0.0:0"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --listen 0.0.0.0:0: only loopback addresses (127.0.0.1, ::1, localhost) are \
         served; the memory server has no authentication\n"
    );
    for (addr, why) in [
        ("192.0.2.1:8080", "only loopback addresses"),
        ("[::]:0", "only loopback addresses"),
        ("example.com:80", "expected HOST:PORT"),
        ("8080", "expected HOST:PORT"),
    ] {
        let out = ours(&db)
            .args(["--listen", addr])
            .stdin(Stdio::null())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{addr}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(&format!("error: --listen {addr}: {why}")),
            "{err}"
        );
    }
    assert!(
        !db.exists(),
        "a refused address must not create the database"
    );

    // A port in use is a clear error.
    let first = HttpServer::start(&db);
    let port = first.addr().trim_start_matches("127.0.0.1:");
    let out = ours(&db)
        .args(["--listen", &format!("localhost:{port}")])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot listen on 127.0.0.1:"), "{err}");
}

#[test]
fn sigint_and_sigterm_stop_it_cleanly_even_with_a_stream_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("memory.sqlite");
    // Signalled as soon as the address is announced: the handlers are in place by then. (With
    // them installed only after the announcement, about one start in five died of the signal.)
    for signal in [libc::SIGINT, libc::SIGTERM].repeat(10) {
        let server = HttpServer::start(&db);
        assert_eq!(server.stop(signal).code(), Some(0), "signal {signal}");
    }

    // A session with its server-sent event stream open, and an idle connection: the stop ends
    // both and exits cleanly.
    let server = HttpServer::start(&db);
    let addr = server.addr().to_string();
    let (status, headers, _) = http_request(&addr, "POST /mcp", &addr, POST_JSON, INITIALIZE);
    assert_eq!(status, 200);
    let session = headers
        .iter()
        .find(|(name, _)| name == "mcp-session-id")
        .map(|(_, value)| value.clone())
        .expect("a session id");
    let session_headers = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("Mcp-Session-Id", session.as_str()),
        ("Mcp-Protocol-Version", "2025-06-18"),
        ("Connection", "close"),
    ];
    let (status, _, _) = http_request(
        &addr,
        "POST /mcp",
        &addr,
        &session_headers,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    );
    assert_eq!(status, 202);
    let (status, headers, mut events) = http_request(
        &addr,
        "GET /mcp",
        &addr,
        &[
            ("Accept", "text/event-stream"),
            ("Mcp-Session-Id", session.as_str()),
            ("Mcp-Protocol-Version", "2025-06-18"),
        ],
        "",
    );
    assert_eq!(status, 200);
    assert!(
        headers
            .iter()
            .any(|(name, value)| name == "content-type" && value.starts_with("text/event-stream")),
        "{headers:?}"
    );
    let _idle = std::net::TcpStream::connect(&addr).expect("connect");
    assert_eq!(server.stop(libc::SIGTERM).code(), Some(0));
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut events, &mut rest).expect("the stream ends");
}

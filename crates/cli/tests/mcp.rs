#![allow(clippy::unwrap_used, clippy::expect_used)]
//! MCP servers through the whole engine: the built binary, the mock model calling their tools,
//! and real servers — the reference servers from npm (installed by the test command into
//! `tests/mcp/node_modules`), and a small Python server that misbehaves on purpose.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use codex_test_support::{Ev, MockServer, Step};
use common::thread_events::validate_thread_events;
use common::*;
use serde_json::{Value, json};

/// Where the reference servers' executables are.
fn servers_bin() -> PathBuf {
    let dir = std::env::var_os("CODEX_MCP_SERVERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("tests/mcp/node_modules/.bin"));
    assert!(
        dir.join("mcp-server-everything").exists(),
        "the MCP reference servers are not installed in {}: run `npm ci` in tests/mcp \
         (scripts/test does)",
        dir.display()
    );
    dir
}

fn server(name: &str) -> String {
    servers_bin().join(name).display().to_string()
}

fn misbehave(mode: &str) -> String {
    let script = workspace().join("tests/mcp/misbehave.py");
    format!(
        "command = \"python3\"\nargs = [\"{}\", \"{mode}\"]\n",
        script.display()
    )
}

fn call(id: &str, namespace: &str, name: &str, arguments: Value) -> Ev {
    Ev::FunctionCall {
        call_id: id.into(),
        name: name.into(),
        arguments: arguments.to_string(),
        namespace: Some(namespace.into()),
    }
}

fn flat_call(id: &str, name: &str, arguments: Value) -> Ev {
    Ev::FunctionCall {
        call_id: id.into(),
        name: name.into(),
        arguments: arguments.to_string(),
        namespace: None,
    }
}

fn done() -> Step {
    Step::stream(vec![Ev::Text("done".into())])
}

fn items<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["type"] == "item.completed" && e["item"]["type"] == kind)
        .map(|e| &e["item"])
        .collect()
}

/// The output the model was sent for `call_id`, as text.
fn output_for(server: &MockServer, call_id: &str) -> String {
    for request in server.model_requests() {
        let body = &request.body;
        let input = body["input"]
            .as_array()
            .or(body["messages"].as_array())
            .cloned()
            .unwrap_or_default();
        for item in input {
            let id = item["call_id"].as_str().or(item["tool_call_id"].as_str());
            let is_output = item["type"] == "function_call_output" || item["role"] == "tool";
            if is_output && id == Some(call_id) {
                return match (&item["output"], &item["content"]) {
                    (Value::String(s), _) | (Value::Null, Value::String(s)) => s.clone(),
                    (Value::Null, other) | (other, _) => other.to_string(),
                };
            }
        }
    }
    panic!("no output for {call_id}");
}

#[test]
fn a_stdio_servers_tools_are_called_and_their_results_reach_the_model() {
    let s = Sandbox::new();
    s.write_config(&format!(
        "[mcp_servers.everything]\ncommand = \"{}\"\n",
        server("mcp-server-everything")
    ));
    let ns = "mcp__everything";
    let mock = MockServer::start(vec![
        Step::stream(vec![
            call("c1", ns, "echo", json!({"message": "ping"})),
            call("c2", ns, "get_tiny_image", json!({})),
            call(
                "c3",
                ns,
                "get_structured_content",
                json!({"location": "Chicago"}),
            ),
            call("c4", ns, "get_sum", json!({"a": "x"})),
            call("c5", ns, "no_such_tool", json!({})),
        ]),
        done(),
    ])
    .unwrap();
    let out = run(s
        .exec(&mock, "responses")
        .arg("--json")
        .arg("use the tools"));
    assert!(out.status.success(), "{}", stderr(&out));
    let events = json_lines(&out);
    validate_thread_events(&events).unwrap();
    let calls = items(&events, "mcp_tool_call");
    assert_eq!(calls.len(), 4, "{events:#?}");
    assert_eq!(
        calls[0],
        &json!({"id": calls[0]["id"], "type": "mcp_tool_call", "server": "everything",
            "tool": "echo", "arguments": {"message": "ping"},
            "result": {"content": [{"type": "text", "text": "Echo: ping"}],
                "structured_content": null},
            "error": null, "status": "completed"})
    );
    // The tool keeps its own name in the item; the model called it by its offered name.
    assert_eq!(calls[1]["tool"], "get-tiny-image");
    assert!(calls[2]["result"]["structured_content"]["conditions"].is_string());
    // A result the server marks as an error fails the item but keeps its content.
    assert_eq!(calls[3]["status"], "failed");
    assert!(
        calls[3]["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("expected number")
    );

    let o = output_for(&mock, "c1");
    assert!(o.contains("Echo: ping"), "{o}");
    assert!(output_for(&mock, "c2").contains("data:image/png;base64,"));
    // Structured content goes to the model as JSON.
    let structured = output_for(&mock, "c3");
    assert!(structured.starts_with("Wall time: "), "{structured}");
    assert!(structured.contains("\"temperature\""), "{structured}");
    assert_eq!(
        output_for(&mock, "c5"),
        "unsupported call: mcp__everything.no_such_tool"
    );

    // By the second request the server is ready: it is offered as a namespace carrying its
    // instructions, with names the model API accepts and schemas it takes.
    let requests = mock.model_requests();
    let body = requests.last().unwrap().body.clone();
    let namespace = body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "namespace")
        .expect("a namespace tool");
    assert_eq!(namespace["name"], ns);
    assert!(
        namespace["description"]
            .as_str()
            .unwrap()
            .contains("Everything")
    );
    let echo = namespace["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "echo")
        .unwrap();
    assert_eq!(
        echo["parameters"],
        json!({"type": "object", "required": ["message"],
            "properties": {"message": {"type": "string", "description": "Message to echo"}}})
    );
    for tool in namespace["tools"].as_array().unwrap() {
        let name = tool["name"].as_str().unwrap();
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{name}"
        );
    }
    let names: Vec<&str> = body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for resource_tool in [
        "list_mcp_resources",
        "list_mcp_resource_templates",
        "read_mcp_resource",
    ] {
        assert!(names.contains(&resource_tool), "{names:?}");
    }
}

#[test]
fn on_the_chat_wire_tools_are_qualified_functions_and_resources_can_be_read() {
    let s = Sandbox::new();
    s.write_config(&format!(
        "[mcp_servers.everything]\ncommand = \"{}\"\n",
        server("mcp-server-everything")
    ));
    let uri = "demo://resource/static/document/architecture.md";
    let mock = MockServer::start(vec![
        Step::stream(vec![
            flat_call("c1", "mcp__everything__get_sum", json!({"a": 2, "b": 3})),
            flat_call("c2", "list_mcp_resources", json!({})),
            flat_call(
                "c3",
                "read_mcp_resource",
                json!({"server": "everything", "uri": uri}),
            ),
            flat_call(
                "c4",
                "read_mcp_resource",
                json!({"server": "nope", "uri": uri}),
            ),
        ]),
        done(),
    ])
    .unwrap();
    let out = run(s.exec(&mock, "chat").arg("--json").arg("add and read"));
    assert!(out.status.success(), "{}", stderr(&out));
    let events = json_lines(&out);
    validate_thread_events(&events).unwrap();
    assert!(output_for(&mock, "c1").contains('5'));
    let listed: Value = serde_json::from_str(&output_for(&mock, "c2")).unwrap();
    let first = &listed["resources"][0];
    assert_eq!(first["server"], "everything");
    assert!(first["uri"].as_str().unwrap().starts_with("demo://"));
    let read: Value = serde_json::from_str(&output_for(&mock, "c3")).unwrap();
    assert_eq!(read["uri"], uri);
    assert!(
        read["contents"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Architecture")
    );
    assert!(output_for(&mock, "c4").contains("no MCP server named `nope`"));
    let calls = items(&events, "mcp_tool_call");
    assert_eq!(calls[1]["server"], "codex");
    assert_eq!(calls[1]["tool"], "list_mcp_resources");

    let body = mock.model_requests().last().unwrap().body.clone();
    let names: Vec<&str> = body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["function"]["name"].as_str())
        .collect();
    assert!(names.contains(&"mcp__everything__get_sum"), "{names:?}");
    assert!(names.iter().all(|n| n.len() <= 64));
}

#[test]
fn broken_servers_cost_only_their_own_tools() {
    let s = Sandbox::new();
    s.write_config(&format!(
        "[mcp_servers.good]\n{}\n\
         [mcp_servers.exits]\ncommand = \"false\"\n\n\
         [mcp_servers.missing]\ncommand = \"/no/such/server\"\n\n\
         [mcp_servers.silent]\n{}startup_timeout_sec = 1.0\n\n\
         [mcp_servers.garbage]\n{}\n\
         [mcp_servers.dies]\n{}\n\
         [mcp_servers.huge]\n{}\n\
         [mcp_servers.hangs]\n{}tool_timeout_sec = 1.0\n\n\
         [mcp_servers.off]\ncommand = \"false\"\nenabled = false\n",
        misbehave("ok"),
        misbehave("no-init"),
        misbehave("garbage"),
        misbehave("die-on-call"),
        misbehave("huge"),
        misbehave("hang-on-call"),
    ));
    let mock = MockServer::start(vec![
        Step::stream(vec![
            call("c1", "mcp__good", "ping", json!({})),
            call("c2", "mcp__exits", "ping", json!({})),
            call("c3", "mcp__silent", "ping", json!({})),
            call("c4", "mcp__garbage", "ping", json!({})),
            call("c5", "mcp__dies", "ping", json!({})),
            call("c6", "mcp__huge", "ping", json!({})),
            call("c7", "mcp__dies", "ping", json!({})),
            call("c8", "mcp__missing", "ping", json!({})),
            call("c9", "mcp__hangs", "ping", json!({})),
            call("c10", "mcp__good", "ping", json!({})),
        ]),
        done(),
    ])
    .unwrap();
    let out = run_within(
        s.exec(&mock, "responses")
            .arg("--json")
            .arg("call them all"),
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let events = json_lines(&out);
    validate_thread_events(&events).unwrap();
    assert!(output_for(&mock, "c1").contains("pong"));
    assert!(output_for(&mock, "c2").contains("MCP server `exits` failed to start"));
    let silent = output_for(&mock, "c3");
    assert!(silent.contains("did not start within 1s"), "{silent}");
    // Lines that are not JSON-RPC are skipped; the answers around them still count.
    assert!(output_for(&mock, "c4").contains("pong"));
    assert!(output_for(&mock, "c5").contains("tool call failed"));
    let huge = output_for(&mock, "c6");
    assert!(huge.len() < 100 * 1024, "{}", huge.len());
    assert!(huge.contains("more bytes of this result were left out"));
    let c7 = output_for(&mock, "c7");
    assert!(
        c7.contains("has exited") || c7.contains("closed the connection"),
        "{c7}"
    );
    assert!(output_for(&mock, "c8").contains("cannot run `/no/such/server`"));
    let hung = output_for(&mock, "c9");
    assert!(hung.contains("timed out after 1s"), "{hung}");
    // The other servers answer as before.
    assert!(output_for(&mock, "c10").contains("pong"));
    let text = stdout(&out);
    for server in ["exits", "silent", "missing"] {
        assert!(
            text.contains(&format!("MCP server `{server}` failed to start")),
            "{server}: {text}"
        );
    }
    assert!(!text.contains("`off`"));
    let answer = items(&events, "agent_message");
    assert_eq!(answer[0]["text"], "done");
}

#[test]
fn a_server_gets_only_the_environment_its_config_names() {
    let s = Sandbox::new();
    s.write_config(&format!(
        "[mcp_servers.everything]\ncommand = \"{}\"\nenv_vars = [\"PASSED_ON\"]\n\
         env = {{ SET_HERE = \"1\" }}\n",
        server("mcp-server-everything")
    ));
    let mock = MockServer::start(vec![
        Step::stream(vec![call("c1", "mcp__everything", "get_env", json!({}))]),
        done(),
    ])
    .unwrap();
    let out = run(s
        .exec(&mock, "responses")
        .env("BROKER_API_KEY", "live-secret")
        .env("OANDA_TOKEN", "live-token")
        .env("PASSED_ON", "yes")
        .arg("--json")
        .arg("env"));
    assert!(out.status.success(), "{}", stderr(&out));
    let env = output_for(&mock, "c1");
    assert!(env.contains("PASSED_ON"), "{env}");
    assert!(env.contains("SET_HERE"), "{env}");
    assert!(env.contains("PATH"), "{env}");
    assert!(!env.contains("live-secret"), "{env}");
    assert!(!env.contains("live-token"), "{env}");
}

#[test]
fn secret_variables_stay_out_of_a_server_unless_named_and_its_results_are_redacted() {
    let s = Sandbox::new();
    s.write_config(&format!(
        "[mcp_servers.everything]\ncommand = \"{}\"\nenv_vars = [\"BROKER_PASSWORD\"]\n",
        server("mcp-server-everything")
    ));
    let mock = MockServer::start(vec![
        Step::stream(vec![call("c1", "mcp__everything", "get_env", json!({}))]),
        done(),
    ])
    .unwrap();
    let secrets = [
        ("OPENAI_API_KEY", "sk-live-openai-0000"),
        ("BROKER_PASSWORD", "broker-password-1111"),
        ("BROKER_PIN", "broker-pin-2222"),
        ("DB_PASS", "db-pass-3333"),
        ("GITHUB_PAT", "github-pat-4444"),
        ("JGT_CONFIG", "jgt-config-5555"),
        ("GPG_PASSPHRASE", "gpg-passphrase-6666"),
        // A base variable holding a URL with a password stays out too.
        ("TERM", "postgres://u:term-url-7777@db/x"),
    ];
    let mut cmd = s.exec(&mock, "responses");
    for (k, v) in secrets {
        cmd.env(k, v);
    }
    let out = run(cmd.env("PASSENGER_COUNT", "3").arg("--json").arg("env"));
    assert!(out.status.success(), "{}", stderr(&out));
    let env = output_for(&mock, "c1");
    for (name, _) in secrets {
        if name != "BROKER_PASSWORD" {
            assert!(!env.contains(&format!("\"{name}\"")), "{name}: {env}");
        }
    }
    // Named for the server, so passed on; but the model sees it redacted, as do the events.
    assert!(env.contains("[REDACTED:BROKER_PASSWORD]"), "{env}");
    for text in [env, stdout(&out)] {
        assert!(!text.contains("broker-password-1111"), "{text}");
    }
}

/// server-everything over streamable HTTP on 127.0.0.1, stopped when dropped.
struct HttpServer {
    child: Child,
    url: String,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_http_everything() -> HttpServer {
    let port = free_port();
    let loopback = workspace().join("tests/mcp/loopback.cjs");
    let mut child = Command::new(server("mcp-server-everything"))
        .arg("streamableHttp")
        .env("PORT", port.to_string())
        .env("NODE_OPTIONS", format!("--require {}", loopback.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It says when it listens.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let n = std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
        assert!(n > 0, "the HTTP server exited before listening");
        if line.contains("listening on port") {
            break;
        }
    }
    // Keep draining so the server never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    HttpServer {
        child,
        url: format!("http://127.0.0.1:{port}/mcp"),
    }
}

#[test]
fn a_streamable_http_server_shows_its_tools_and_answers_calls() {
    let http = start_http_everything();
    let s = Sandbox::new();
    s.write_config(&format!(
        "[mcp_servers.web]\nurl = \"{}\"\nbearer_token_env_var = \"WEB_TOKEN\"\n\
         http_headers = {{ \"X-Client\" = \"codex-tests\" }}\n",
        http.url
    ));
    let mock = MockServer::start(vec![
        Step::stream(vec![call(
            "c1",
            "mcp__web",
            "echo",
            json!({"message": "over http"}),
        )]),
        done(),
    ])
    .unwrap();
    let out = run(s
        .exec(&mock, "responses")
        .env("WEB_TOKEN", "t0ken")
        .arg("--json")
        .arg("echo"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(output_for(&mock, "c1").contains("Echo: over http"));
    let body = mock.model_requests().last().unwrap().body.clone();
    let namespace = body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "mcp__web")
        .expect("the HTTP server's tools are offered");
    assert!(namespace["tools"].as_array().unwrap().len() > 5);

    // A token variable that is not set is a startup failure with the reason, not a hang.
    let mock = MockServer::start(vec![
        Step::stream(vec![call(
            "c1",
            "mcp__web",
            "echo",
            json!({"message": "x"}),
        )]),
        done(),
    ])
    .unwrap();
    let out = run(s.exec(&mock, "responses").arg("--json").arg("echo"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(output_for(&mock, "c1").contains("`WEB_TOKEN`, which is not set"));
}

#[test]
fn mcp_add_list_get_remove_edit_config_toml_in_place() {
    let s = Sandbox::new();
    let config = s.write_config("# my settings\nmodel = \"o3\" # the good one\n");
    let ok = |args: &[&str]| {
        let out = run(s.codex().arg("mcp").args(args));
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    ok(&[
        "add",
        "docs",
        "--env",
        "API_KEY=s3cret",
        "--",
        "npx",
        "-y",
        "docs-server",
    ]);
    ok(&[
        "add",
        "web",
        "--url",
        "https://example.com/mcp",
        "--bearer-token-env-var",
        "WEB_TOKEN",
    ]);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.starts_with("# my settings\nmodel = \"o3\" # the good one\n"),
        "{text}"
    );
    assert!(
        text.contains("[mcp_servers.docs]\ncommand = \"npx\"\nargs = [\"-y\", \"docs-server\"]")
    );

    let listed = ok(&["list"]);
    assert!(listed.contains("docs  npx"), "{listed}");
    assert!(listed.contains("API_KEY=*****"), "{listed}");
    assert!(!listed.contains("s3cret"), "{listed}");
    assert!(
        listed.contains("https://example.com/mcp  WEB_TOKEN"),
        "{listed}"
    );
    let json: Value = serde_json::from_str(&ok(&["list", "--json"])).unwrap();
    assert_eq!(json[0]["name"], "docs");
    assert_eq!(json[0]["transport"]["type"], "stdio");
    assert_eq!(json[1]["transport"]["type"], "streamable_http");
    assert_eq!(json[1]["auth_status"], "bearer_token");
    let got: Value = serde_json::from_str(&ok(&["get", "web", "--json"])).unwrap();
    assert_eq!(got["transport"]["url"], "https://example.com/mcp");
    assert!(ok(&["get", "docs"]).contains("remove: codex mcp remove docs"));

    ok(&["remove", "docs"]);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(!text.contains("docs"), "{text}");
    assert!(text.contains("[mcp_servers.web]"), "{text}");
    assert!(ok(&["remove", "docs"]).contains("No MCP server named `docs`"));

    for bad in [
        vec!["add", "bad name", "--", "x"],
        vec!["add", "nothing"],
        vec!["add", "x", "--env", "NOEQUALS", "--", "cmd"],
        vec!["get", "nope"],
    ] {
        let out = run(s.codex().arg("mcp").args(&bad));
        assert!(!out.status.success(), "{bad:?} should fail");
        assert!(stderr(&out).contains("error"), "{bad:?}: {}", stderr(&out));
    }
}

#[test]
fn the_filesystem_and_memory_servers_work_through_the_engine() {
    let s = Sandbox::new();
    let work = s.work.path();
    std::fs::write(work.join("notes.txt"), "broker: demo account\n").unwrap();
    let memory_file = s.home.path().join("memory.jsonl");
    s.write_config(&format!(
        "[mcp_servers.fs]\ncommand = \"{}\"\nargs = [\"{}\"]\n\n\
         [mcp_servers.memory]\ncommand = \"{}\"\nenv = {{ MEMORY_FILE_PATH = \"{}\" }}\n",
        server("mcp-server-filesystem"),
        work.display(),
        server("mcp-server-memory"),
        memory_file.display()
    ));
    let entities = json!({"entities": [{"name": "EURUSD", "entityType": "instrument",
        "observations": ["traded on the demo account"]}]});
    let mock = MockServer::start(vec![
        Step::stream(vec![
            call(
                "c1",
                "mcp__fs",
                "read_text_file",
                json!({"path": work.join("notes.txt")}),
            ),
            call(
                "c2",
                "mcp__fs",
                "read_text_file",
                json!({"path": "/etc/passwd"}),
            ),
            call("c3", "mcp__memory", "create_entities", entities),
            call(
                "c4",
                "mcp__memory",
                "search_nodes",
                json!({"query": "EURUSD"}),
            ),
            // A long call that reports progress as it goes finishes like any other.
            Ev::FunctionCall {
                call_id: "c5".into(),
                name: "trigger_long_running_operation".into(),
                arguments: json!({"duration": 1, "steps": 3}).to_string(),
                namespace: Some("mcp__everything".into()),
            },
        ]),
        done(),
    ])
    .unwrap();
    // server-everything too, for the long-running call.
    let config = std::fs::read_to_string(s.home.path().join("config.toml")).unwrap();
    s.write_config(&format!(
        "{config}\n[mcp_servers.everything]\ncommand = \"{}\"\n",
        server("mcp-server-everything")
    ));
    let out = run(s.exec(&mock, "responses").arg("--json").arg("remember"));
    assert!(out.status.success(), "{}", stderr(&out));
    validate_thread_events(&json_lines(&out)).unwrap();
    assert!(output_for(&mock, "c1").contains("broker: demo account"));
    // The filesystem server keeps to the directories it was given.
    let outside = output_for(&mock, "c2");
    assert!(
        outside.contains("denied") || outside.contains("outside"),
        "{outside}"
    );
    assert!(output_for(&mock, "c3").contains("EURUSD"));
    assert!(output_for(&mock, "c4").contains("traded on the demo account"));
    assert!(
        std::fs::read_to_string(&memory_file)
            .unwrap()
            .contains("EURUSD")
    );
    let long = output_for(&mock, "c5");
    assert!(long.contains("completed"), "{long}");
}

#[test]
fn a_required_server_that_fails_fails_the_run() {
    let s = Sandbox::new();
    s.write_config("[mcp_servers.broker]\ncommand = \"/no/such/broker-server\"\nrequired = true\n");
    let mock = MockServer::start(vec![done()]).unwrap();
    let out = run(s.exec(&mock, "responses").arg("--json").arg("trade"));
    assert!(!out.status.success());
    let events = json_lines(&out);
    validate_thread_events(&events).unwrap();
    let failed = events
        .iter()
        .find(|e| e["type"] == "turn.failed")
        .expect("turn.failed");
    let message = failed["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("MCP server `broker` failed to start"),
        "{message}"
    );
    assert!(message.contains("marked `required`"), "{message}");
    // The model was never asked.
    assert!(mock.model_requests().is_empty());
}

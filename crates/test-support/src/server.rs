//! The server: a thread with its own runtime, so sync and async tests can both use it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use serde_json::{Value, json};
use tokio::io::BufReader;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::http::{self, Request};
use crate::invariants::check_call_pairs;
use crate::render::{Wire, render};
use crate::script::{Ev, Reply, Scenario, Step};

/// A request as the mock received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The JSON body (`Null` if it was not JSON).
    pub body: Value,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn wire(&self) -> Option<Wire> {
        Wire::from_path(&self.path)
    }

    /// Names of the tools offered, on any wire.
    pub fn tool_names(&self) -> Vec<String> {
        crate::render::tool_names(&self.body)
    }

    /// The text of every tool output sent back, in order, on any wire.
    pub fn tool_outputs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let items = self
            .body
            .get("input")
            .or_else(|| self.body.get("messages"))
            .and_then(Value::as_array);
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
        for item in items.into_iter().flatten() {
            let responses = matches!(
                item.get("type").and_then(Value::as_str),
                Some("function_call_output") | Some("custom_tool_call_output")
            );
            let chat = item.get("role").and_then(Value::as_str) == Some("tool");
            if responses || chat {
                let id = text(item.get("call_id").or_else(|| item.get("tool_call_id")));
                out.push((id, text(item.get("output").or_else(|| item.get("content")))));
                continue;
            }
            // Anthropic: `tool_result` blocks in user messages, their content a string or
            // text and image blocks.
            let blocks = item.get("content").and_then(Value::as_array);
            for block in blocks.into_iter().flatten() {
                if block.get("type").and_then(Value::as_str) != Some("tool_result") {
                    continue;
                }
                let content = match block.get("content") {
                    Some(Value::Array(parts)) => parts
                        .iter()
                        .filter_map(|p| p.get("text").and_then(Value::as_str))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    other => text(other),
                };
                out.push((text(block.get("tool_use_id")), content));
            }
        }
        out
    }
}

enum Responder {
    Script(VecDeque<Step>),
    Auto(Scenario),
}

struct State {
    responder: Responder,
    requests: Vec<RecordedRequest>,
    problems: Vec<String>,
}

pub struct MockServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Serves `steps` in order, one per model request.
    pub fn start(steps: Vec<Step>) -> std::io::Result<MockServer> {
        Self::start_with(Responder::Script(steps.into()), 0)
    }

    /// Serves `steps` in order on `port` (0: any free port).
    pub fn start_on(steps: Vec<Step>, port: u16) -> std::io::Result<MockServer> {
        Self::start_with(Responder::Script(steps.into()), port)
    }

    /// Answers every request according to `scenario`, with no script to run out of.
    pub fn start_scenario(scenario: Scenario, port: u16) -> std::io::Result<MockServer> {
        Self::start_with(Responder::Auto(scenario), port)
    }

    fn start_with(responder: Responder, port: u16) -> std::io::Result<MockServer> {
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            responder,
            requests: Vec::new(),
            problems: Vec::new(),
        }));
        let (stop, stop_rx) = watch::channel(false);
        let thread_state = state.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("mock-model-server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(std_listener) else {
                        return;
                    };
                    serve(listener, thread_state, stop_rx).await;
                });
            })?;
        Ok(MockServer {
            addr,
            state,
            stop,
            thread: Some(thread),
        })
    }

    /// Base URL including `/v1`, as a provider's `base_url`.
    pub fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Model requests only (`/responses`, `/chat/completions` or `/messages`).
    pub fn model_requests(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.wire().is_some())
            .collect()
    }

    /// Broken invariants and unmatched requests seen so far.
    pub fn problems(&self) -> Vec<String> {
        self.lock().problems.clone()
    }

    /// Scripted steps not yet used.
    pub fn remaining_steps(&self) -> usize {
        match &self.lock().responder {
            Responder::Script(steps) => steps.len(),
            Responder::Auto(_) => 0,
        }
    }

    /// Panics with the list of problems, if any (for tests).
    pub fn assert_clean(&self) {
        let problems = self.problems();
        assert!(
            problems.is_empty(),
            "mock model server saw problems: {problems:#?}"
        );
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(listener: TcpListener, state: Arc<Mutex<State>>, mut stop: watch::Receiver<bool>) {
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((socket, _)) = accepted {
                    let state = state.clone();
                    let stop = stop.clone();
                    tasks.spawn(async move {
                        let _ = handle(socket, state, stop).await;
                    });
                }
            }
            _ = stop.changed() => break,
        }
    }
    tasks.abort_all();
}

async fn handle(
    socket: TcpStream,
    state: Arc<Mutex<State>>,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(socket);
    let Some(request) = http::read_request(&mut reader).await? else {
        return Ok(());
    };
    let mut socket = reader.into_inner();
    let Request {
        method,
        path,
        headers,
        body,
    } = request;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let recorded = RecordedRequest {
        method,
        path,
        headers,
        body,
    };
    let Some(wire) = recorded.wire() else {
        state_lock(&state).requests.push(recorded);
        let body = json!({"error": {"message": "not found", "type": "invalid_request_error"}});
        return http::write_status(&mut socket, 404, &[], &body.to_string()).await;
    };
    let reply = {
        let mut st = state_lock(&state);
        for problem in check_call_pairs(wire, &recorded.body) {
            let n = st.requests.len() + 1;
            st.problems.push(format!("request {n}: {problem}"));
        }
        let reply = next_reply(&mut st, &recorded);
        st.requests.push(recorded.clone());
        reply
    };
    match reply {
        Reply::Status {
            code,
            retry_after,
            body,
        } => {
            let headers: Vec<(String, String)> = retry_after
                .map(|s| vec![("retry-after".to_string(), s.to_string())])
                .unwrap_or_default();
            http::write_status(&mut socket, code, &headers, &body).await
        }
        Reply::StatusWithHeaders {
            code,
            headers,
            body,
        } => http::write_status(&mut socket, code, &headers, &body).await,
        Reply::RawSse(raw) => {
            http::start_sse(&mut socket).await?;
            // In pieces, as a server flushing as it goes: the client then sees a long body as
            // many small reads however slowly it consumes them.
            let mut rest = raw.as_str();
            while !rest.is_empty() {
                let mut end = rest.len().min(64 * 1024);
                while !rest.is_char_boundary(end) {
                    end -= 1;
                }
                let (piece, tail) = rest.split_at(end);
                http::write_chunk(&mut socket, piece).await?;
                rest = tail;
            }
            http::end_chunks(&mut socket).await
        }
        Reply::Stream(events) => {
            http::start_sse(&mut socket).await?;
            for group in render(wire, &events, &recorded.body) {
                for frame in group {
                    http::write_chunk(&mut socket, &frame).await?;
                }
            }
            http::end_chunks(&mut socket).await
        }
        Reply::Disconnect { events, after } => {
            write_partial(&mut socket, wire, &events, after, &recorded.body).await
        }
        Reply::Hang => {
            let _ = stop.changed().await;
            Ok(())
        }
        Reply::Stall { events, after } => {
            write_partial(&mut socket, wire, &events, after, &recorded.body).await?;
            // Hold the connection open, sending nothing, until the server stops.
            let _ = stop.changed().await;
            Ok(())
        }
    }
}

/// The stream header and the first `after` events, then nothing: the chunked body is never
/// terminated, so a client sees the stream break off.
async fn write_partial(
    socket: &mut TcpStream,
    wire: Wire,
    events: &[Ev],
    after: usize,
    request: &Value,
) -> std::io::Result<()> {
    http::start_sse(socket).await?;
    for group in render(wire, events, request).into_iter().take(after + 1) {
        for frame in group {
            http::write_chunk(socket, &frame).await?;
        }
    }
    Ok(())
}

fn state_lock(state: &Arc<Mutex<State>>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

fn next_reply(st: &mut State, request: &RecordedRequest) -> Reply {
    match &mut st.responder {
        Responder::Auto(scenario) => auto_reply(*scenario, request),
        Responder::Script(steps) => match steps.pop_front() {
            None => {
                let n = st.requests.len() + 1;
                st.problems
                    .push(format!("request {n}: no scripted reply left"));
                Reply::Status {
                    code: 500,
                    retry_after: None,
                    body: json!({"error": {"message": "mock: no scripted reply left"}}).to_string(),
                }
            }
            Some(step) => {
                if let Some(when) = &step.when
                    && !when(request)
                {
                    let n = st.requests.len() + 1;
                    st.problems
                        .push(format!("request {n}: did not match its scripted step"));
                    return Reply::Status {
                        code: 500,
                        retry_after: None,
                        body: json!({"error": {"message": "mock: request did not match"}})
                            .to_string(),
                    };
                }
                step.reply
            }
        },
    }
}

fn auto_reply(scenario: Scenario, request: &RecordedRequest) -> Reply {
    let outputs = request.tool_outputs();
    let answered = !outputs.is_empty();
    let printed_hello = outputs.iter().any(|(_, out)| out.contains("hello"));
    let usage = Ev::Usage {
        input: 100,
        cached: 0,
        output: 10,
        reasoning: 0,
    };
    match scenario {
        Scenario::Shell if !answered => Reply::Stream(vec![
            Ev::ShellCall {
                call_id: "call_bench_1".into(),
                command: "echo hello".into(),
            },
            usage,
        ]),
        // The answer tells whether the command really ran, so a benchmark can check it.
        Scenario::Shell if printed_hello => {
            Reply::Stream(vec![Ev::Text("The command printed hello.".into()), usage])
        }
        Scenario::Shell => Reply::Stream(vec![
            Ev::Text("The command did not print what was expected.".into()),
            usage,
        ]),
        Scenario::Plain => Reply::Stream(vec![Ev::Text("Hello! How can I help?".into()), usage]),
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use codex_config::{ModelProviderInfo, ProviderAuth, WireApi};
use codex_protocol::{ReasoningSummary, ResponseItem};
use codex_providers::{
    ApiError, HttpModelClient, ModelClient, ModelSettings, Prompt, ResponseEvent, RetryNotice,
    ToolSpec,
};
use codex_test_support::{Ev, MockServer, Reply, Step};
use serde_json::json;

#[path = "wire/anthropic.rs"]
mod anthropic;
#[path = "wire/large.rs"]
mod large;

fn provider(server: &MockServer, wire: WireApi) -> ModelProviderInfo {
    ModelProviderInfo {
        id: "mock".into(),
        name: "Mock".into(),
        base_url: server.url(),
        wire_api: wire,
        env_key: Some("MOCK_API_KEY".into()),
        env_key_instructions: None,
        query_params: BTreeMap::from([("api-version".to_string(), "2025-01-01".to_string())]),
        http_headers: BTreeMap::from([("x-extra".to_string(), "1".to_string())]),
        request_max_retries: 3,
        request_max_retry_wait_secs: 120,
        stream_max_retries: 2,
        stream_idle_timeout_ms: 300,
        requires_openai_auth: false,
        auth: ProviderAuth::Bearer("test-key".into()),
    }
}

fn settings(model: &str) -> ModelSettings {
    ModelSettings {
        model: model.into(),
        reasoning_effort: None,
        reasoning_summary: ReasoningSummary::Auto,
        verbosity: None,
        max_output_tokens: None,
        session_id: "sess-1".into(),
        originator: "codex_cli_rs".into(),
        supports_reasoning: codex_config::find_family(model).supports_reasoning,
    }
}

fn prompt() -> Prompt {
    Prompt {
        instructions: "be helpful".into(),
        input: vec![ResponseItem::user_text("hi")].into(),
        tools: vec![ToolSpec::Function {
            name: "shell".into(),
            description: "run".into(),
            parameters: json!({"type": "object", "properties": {}}),
        }],
        output_schema: None,
        parallel_tool_calls: false,
        cyber_access_program: None,
    }
}

async fn collect(client: &HttpModelClient) -> Result<Vec<ResponseEvent>, ApiError> {
    let p = prompt();
    let mut stream = client.stream(&p).await?;
    let mut out = Vec::new();
    while let Some(ev) = stream.next().await {
        out.push(ev?);
    }
    Ok(out)
}

fn full_reply() -> Reply {
    Reply::Stream(vec![
        Ev::Reasoning("thinking it over".into()),
        Ev::Text("Hello there, friend".into()),
        Ev::ShellCall {
            call_id: "c1".into(),
            command: "ls -la".into(),
        },
        Ev::Usage {
            input: 50,
            cached: 10,
            output: 7,
            reasoning: 3,
        },
    ])
}

fn items(events: &[ResponseEvent]) -> Vec<ResponseItem> {
    events
        .iter()
        .filter_map(|e| match e {
            ResponseEvent::OutputItemDone(item) => Some(item.clone()),
            _ => None,
        })
        .collect()
}

async fn round_trip(wire: WireApi) {
    let server = MockServer::start(vec![Step::reply(full_reply())]).unwrap();
    let client = HttpModelClient::new(provider(&server, wire), settings("gpt-5-codex")).unwrap();
    let events = collect(&client).await.unwrap();
    let text: String = events
        .iter()
        .filter_map(|e| match e {
            ResponseEvent::OutputTextDelta(d) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(text, "Hello there, friend");
    let items = items(&events);
    assert!(
        items
            .iter()
            .any(|i| i.message_text().as_deref() == Some("Hello there, friend"))
    );
    let call = items
        .iter()
        .find_map(|i| match i {
            ResponseItem::FunctionCall {
                name,
                arguments,
                call_id,
                ..
            } => Some((name.clone(), arguments.clone(), call_id.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(call.0, "shell");
    assert_eq!(call.2, "c1");
    let args: serde_json::Value = serde_json::from_str(&call.1).unwrap();
    assert_eq!(args, json!({"command": ["bash", "-lc", "ls -la"]}));
    let Some(ResponseEvent::Completed { usage: Some(u), .. }) = events.last() else {
        panic!("no completion: {events:?}");
    };
    assert_eq!(
        (u.input_tokens, u.cached_input_tokens, u.output_tokens),
        (50, 10, 7)
    );
    // Anthropic counts thinking as output without a separate figure.
    let reasoning = if wire == WireApi::Anthropic { 0 } else { 3 };
    assert_eq!(u.reasoning_output_tokens, reasoning);

    let req = &server.model_requests()[0];
    if wire == WireApi::Anthropic {
        assert_eq!(req.header("x-api-key"), Some("test-key"));
        assert_eq!(req.header("authorization"), None);
    } else {
        assert_eq!(req.header("authorization"), Some("Bearer test-key"));
    }
    assert_eq!(req.header("x-extra"), Some("1"));
    assert!(req.path.contains("api-version=2025-01-01"), "{}", req.path);
    assert_eq!(req.body["stream"], true);
    assert_eq!(req.body["model"], "gpt-5-codex");
    server.assert_clean();
}

#[tokio::test]
async fn responses_wire_round_trip() {
    round_trip(WireApi::Responses).await;
}

#[tokio::test]
async fn chat_wire_round_trip() {
    round_trip(WireApi::Chat).await;
}

#[tokio::test]
async fn anthropic_wire_round_trip() {
    round_trip(WireApi::Anthropic).await;
}

#[tokio::test]
async fn responses_request_shape() {
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text("ok".into())])]).unwrap();
    let client = HttpModelClient::new(
        provider(&server, WireApi::Responses),
        settings("gpt-5-codex"),
    )
    .unwrap();
    let mut p = prompt();
    p.output_schema = Some(json!({"type": "object"}));
    let mut s = client.stream(&p).await.unwrap();
    while s.next().await.is_some() {}
    let body = &server.model_requests()[0].body;
    assert_eq!(body["store"], false);
    assert_eq!(body["instructions"], "be helpful");
    assert_eq!(body["tools"][0]["type"], "function");
    assert_eq!(body["tools"][0]["name"], "shell");
    assert_eq!(body["reasoning"]["effort"], "medium");
    assert_eq!(body["include"][0], "reasoning.encrypted_content");
    assert_eq!(body["prompt_cache_key"], "sess-1");
    assert_eq!(body["text"]["format"]["type"], "json_schema");
    assert_eq!(body["text"]["format"]["strict"], true);
    assert_eq!(body["input"][0]["role"], "user");
    let req = &server.model_requests()[0];
    assert_eq!(req.header("session_id"), Some("sess-1"));
    assert_eq!(req.header("originator"), Some("codex_cli_rs"));
}

#[tokio::test]
async fn chat_request_shape_with_schema() {
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text("{}".into())])]).unwrap();
    let client =
        HttpModelClient::new(provider(&server, WireApi::Chat), settings("llama3")).unwrap();
    let mut p = prompt();
    p.output_schema = Some(json!({"type": "object"}));
    let mut s = client.stream(&p).await.unwrap();
    while s.next().await.is_some() {}
    let body = &server.model_requests()[0].body;
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["tools"][0]["function"]["name"], "shell");
    assert_eq!(body["response_format"]["json_schema"]["strict"], true);
    assert!(body.get("reasoning_effort").is_none());
    assert!(
        server.model_requests()[0]
            .path
            .ends_with("/chat/completions?api-version=2025-01-01")
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    for wire in [WireApi::Responses, WireApi::Chat, WireApi::Anthropic] {
        let server = MockServer::start(vec![
            Step::reply(Reply::Status {
                code: 500,
                retry_after: None,
                body: "{}".into(),
            }),
            Step::reply(Reply::Status {
                code: 503,
                retry_after: None,
                body: "oops".into(),
            }),
            Step::reply(Reply::Status {
                code: 529,
                retry_after: Some(0),
                body: "overloaded".into(),
            }),
            Step::stream(vec![Ev::Text("ok".into())]),
        ])
        .unwrap();
        let client = HttpModelClient::new(provider(&server, wire), settings("m")).unwrap();
        let events = collect(&client).await.unwrap();
        assert!(matches!(
            events.last(),
            Some(ResponseEvent::Completed { .. })
        ));
        assert_eq!(server.model_requests().len(), 4);
    }
}

#[tokio::test]
async fn rate_limit_honours_retry_after() {
    let server = MockServer::start(vec![
        Step::reply(Reply::Status {
            code: 429,
            retry_after: Some(1),
            body: r#"{"error":{"message":"slow down"}}"#.into(),
        }),
        Step::stream(vec![Ev::Text("ok".into())]),
    ])
    .unwrap();
    let client =
        HttpModelClient::new(provider(&server, WireApi::Responses), settings("m")).unwrap();
    let started = Instant::now();
    collect(&client).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited as asked"
    );
}

/// The client's response to `server`'s script, with every retry notice it gave.
async fn collect_noticed(
    client: &HttpModelClient,
) -> (Result<Vec<ResponseEvent>, ApiError>, Vec<RetryNotice>) {
    let notices = std::sync::Mutex::new(Vec::new());
    let on_retry = |n: RetryNotice| notices.lock().unwrap().push(n);
    let p = prompt();
    let result = async {
        let mut stream = client.stream_with_notices(&p, &on_retry).await?;
        let mut out = Vec::new();
        while let Some(ev) = stream.next().await {
            out.push(ev?);
        }
        Ok(out)
    }
    .await;
    (result, notices.into_inner().unwrap())
}

fn status(code: u16, headers: &[(&str, &str)], message: &str) -> Step {
    Step::reply(Reply::StatusWithHeaders {
        code,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: json!({"error": {"message": message}}).to_string(),
    })
}

#[tokio::test]
async fn each_retry_is_reported_before_its_wait() {
    let server = MockServer::start(vec![
        status(
            429,
            &[("retry-after-ms", "20"), ("retry-after", "60")],
            "slow down",
        ),
        status(503, &[], "down"),
        Step::stream(vec![Ev::Text("ok".into())]),
    ])
    .unwrap();
    let client =
        HttpModelClient::new(provider(&server, WireApi::Responses), settings("m")).unwrap();
    let (result, notices) = collect_noticed(&client).await;
    result.unwrap();
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(notices[0].rate_limited);
    assert_eq!(
        notices[0].delay,
        Duration::from_millis(20),
        "retry-after-ms first"
    );
    assert_eq!(
        notices[0].to_string(),
        "rate limited by mock; retrying in 20 ms (attempt 1/3)"
    );
    assert!(!notices[1].rate_limited);
    assert_eq!(notices[1].attempt, 2);
    assert!(
        notices[1]
            .to_string()
            .starts_with("mock answered 503: down; retrying in "),
        "{}",
        notices[1]
    );
}

#[tokio::test]
async fn a_wait_beyond_the_limit_fails_at_once() {
    let server = MockServer::start(vec![
        status(429, &[("retry-after", "3600")], "slow down"),
        status(
            503,
            &[("retry-after", "Fri, 01 Jan 2100 00:00:00 GMT")],
            "maintenance",
        ),
        status(429, &[("retry-after", "2")], "slow down"),
    ])
    .unwrap();
    let mut p = provider(&server, WireApi::Chat);
    let client = HttpModelClient::new(p.clone(), settings("m")).unwrap();
    let (result, notices) = collect_noticed(&client).await;
    let err = result.unwrap_err();
    assert!(matches!(err, ApiError::WaitTooLong { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "rate limited by mock: the server asks to wait 3600 s, more than the configured limit of \
         120 s (request_max_retry_wait_secs); mock is rate limiting requests (429): slow down"
    );
    assert!(notices.is_empty());

    // An HTTP date: about 75 years from now.
    let (result, _) = collect_noticed(&client).await;
    let text = result.unwrap_err().to_string();
    assert!(
        text.starts_with("mock answered 503: maintenance: the server asks to wait ")
            && text.ends_with(
                " s, more than the configured limit of 120 s (request_max_retry_wait_secs)"
            ),
        "{text}"
    );

    p.request_max_retry_wait_secs = 1;
    let client = HttpModelClient::new(p, settings("m")).unwrap();
    let (result, _) = collect_noticed(&client).await;
    let text = result.unwrap_err().to_string();
    assert!(
        text.starts_with(
            "rate limited by mock: the server asks to wait 2 s, more than the configured limit \
             of 1 s"
        ),
        "{text}"
    );
    assert_eq!(server.model_requests().len(), 3, "none of them retried");
}

#[tokio::test]
async fn retries_run_out_with_a_clear_error() {
    let steps = (0..4)
        .map(|_| {
            Step::reply(Reply::Status {
                code: 502,
                retry_after: None,
                body: r#"{"error":{"message":"bad gateway"}}"#.into(),
            })
        })
        .collect();
    let server = MockServer::start(steps).unwrap();
    let client =
        HttpModelClient::new(provider(&server, WireApi::Responses), settings("m")).unwrap();
    let err = collect(&client).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("giving up after 4 attempts"), "{text}");
    assert!(text.contains("bad gateway"), "{text}");
}

#[tokio::test]
async fn unauthorized_names_the_env_var() {
    let server = MockServer::start(vec![Step::reply(Reply::Status {
        code: 401,
        retry_after: None,
        body: r#"{"error":{"message":"Incorrect API key provided"}}"#.into(),
    })])
    .unwrap();
    let client =
        HttpModelClient::new(provider(&server, WireApi::Responses), settings("m")).unwrap();
    let text = collect(&client).await.unwrap_err().to_string();
    assert!(
        text.contains("401") && text.contains("`MOCK_API_KEY`"),
        "{text}"
    );
    assert_eq!(server.model_requests().len(), 1, "401 is not retried");
}

#[tokio::test]
async fn missing_key_is_reported_before_any_request() {
    let server = MockServer::start(vec![]).unwrap();
    let mut p = provider(&server, WireApi::Chat);
    p.auth = ProviderAuth::Missing {
        env_key: "MOCK_API_KEY".into(),
        instructions: Some("Get one at example.com".into()),
    };
    let client = HttpModelClient::new(p, settings("m")).unwrap();
    let text = collect(&client).await.unwrap_err().to_string();
    assert!(
        text.contains("missing environment variable `MOCK_API_KEY`"),
        "{text}"
    );
    assert!(text.contains("Get one at example.com"), "{text}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn unknown_model_says_so() {
    let server = MockServer::start(vec![Step::reply(Reply::Status {
        code: 404,
        retry_after: None,
        body:
            r#"{"error":{"message":"The model `gpt-9` does not exist","code":"model_not_found"}}"#
                .into(),
    })])
    .unwrap();
    let client =
        HttpModelClient::new(provider(&server, WireApi::Responses), settings("gpt-9")).unwrap();
    let text = collect(&client).await.unwrap_err().to_string();
    assert!(text.starts_with("unknown model `gpt-9`"), "{text}");
}

#[tokio::test]
async fn disconnect_mid_stream_is_a_stream_error() {
    for wire in [WireApi::Responses, WireApi::Chat, WireApi::Anthropic] {
        let server = MockServer::start(vec![Step::reply(Reply::Disconnect {
            events: vec![Ev::Text("partial answer".into()), Ev::Text("more".into())],
            after: 1,
        })])
        .unwrap();
        let client = HttpModelClient::new(provider(&server, wire), settings("m")).unwrap();
        let err = collect(&client).await.unwrap_err();
        assert!(err.is_stream_retryable(), "{wire:?}: {err}");
    }
}

#[tokio::test]
async fn stalled_stream_times_out() {
    let server = MockServer::start(vec![Step::reply(Reply::Stall {
        events: vec![Ev::Text("partial".into())],
        after: 1,
    })])
    .unwrap();
    let client =
        HttpModelClient::new(provider(&server, WireApi::Responses), settings("m")).unwrap();
    let err = collect(&client).await.unwrap_err();
    assert!(err.to_string().contains("stream_idle_timeout_ms"), "{err}");
}

#[tokio::test]
async fn malformed_event_is_a_stream_error() {
    let server = MockServer::start(vec![Step::reply(Reply::RawSse(
        "event: response.created\ndata: {not json\n\n".into(),
    ))])
    .unwrap();
    let client =
        HttpModelClient::new(provider(&server, WireApi::Responses), settings("m")).unwrap();
    let err = collect(&client).await.unwrap_err();
    assert!(err.to_string().contains("malformed"), "{err}");
    assert!(err.is_stream_retryable());
}

#[tokio::test]
async fn response_failed_is_reported() {
    let server = MockServer::start(vec![Step::stream(vec![Ev::Failed {
        code: "context_length_exceeded".into(),
        message: "Your input exceeds the context window".into(),
    }])])
    .unwrap();
    let client =
        HttpModelClient::new(provider(&server, WireApi::Responses), settings("m")).unwrap();
    let err = collect(&client).await.unwrap_err();
    assert!(matches!(err, ApiError::ResponseFailed { .. }), "{err}");
    assert!(err.to_string().contains("context window"));
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    let server = MockServer::start(vec![]).unwrap();
    let mut p = provider(&server, WireApi::Responses);
    drop(server);
    p.request_max_retries = 1;
    let client = HttpModelClient::new(p, settings("m")).unwrap();
    let text = collect(&client).await.unwrap_err().to_string();
    assert!(
        text.contains("giving up after 2 attempts") && text.contains("cannot reach"),
        "{text}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_is_retried_then_reported() {
    let server =
        MockServer::start(vec![Step::reply(Reply::Hang), Step::reply(Reply::Hang)]).unwrap();
    let mut p = provider(&server, WireApi::Responses);
    p.request_max_retries = 1;
    let client = HttpModelClient::new(p, settings("m")).unwrap();
    let text = collect(&client).await.unwrap_err().to_string();
    assert!(
        text.contains("giving up after 2 attempts") && text.contains("no response"),
        "{text}"
    );
}

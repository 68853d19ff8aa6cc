//! The Anthropic wire through the HTTP client: what a request carries, and overloads retried.

use codex_config::WireApi;
use codex_providers::{HttpModelClient, ModelClient};
use codex_test_support::{Ev, MockServer, Reply, Step};

use super::{collect, collect_noticed, items, prompt, provider, settings};

#[tokio::test]
async fn anthropic_request_shape() {
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text("ok".into())])]).unwrap();
    let mut settings = settings("claude-sonnet-4-5");
    settings.max_output_tokens = Some(2048);
    let client = HttpModelClient::new(provider(&server, WireApi::Anthropic), settings).unwrap();
    let mut s = client.stream(&prompt()).await.unwrap();
    while s.next().await.is_some() {}
    let req = &server.model_requests()[0];
    assert!(
        req.path.ends_with("/v1/messages?api-version=2025-01-01"),
        "{}",
        req.path
    );
    assert_eq!(req.header("x-api-key"), Some("test-key"));
    assert_eq!(req.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(req.header("accept"), Some("text/event-stream"));
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.header("authorization"), None);
    assert_eq!(req.header("x-extra"), Some("1"));
    let body = &req.body;
    assert_eq!(body["model"], "claude-sonnet-4-5");
    assert_eq!(body["max_tokens"], 2048);
    assert_eq!(body["system"][0]["text"], "be helpful");
    assert_eq!(body["messages"][0]["role"], "user");
    assert_eq!(body["messages"][0]["content"][0]["text"], "hi");
    assert_eq!(body["tools"][0]["name"], "shell");
    assert_eq!(body["tools"][0]["input_schema"]["type"], "object");
    assert_eq!(body["tool_choice"]["type"], "auto");
    assert_eq!(body["stream"], true);
    assert!(body.get("thinking").is_none(), "no effort set");
    server.assert_clean();
}

#[tokio::test]
async fn anthropic_overload_is_retried() {
    let overloaded =
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
    let server = MockServer::start(vec![
        Step::reply(Reply::Status {
            code: 529,
            retry_after: None,
            body: overloaded.into(),
        }),
        Step::stream(vec![
            Ev::Text("partial".into()),
            Ev::Failed {
                code: "overloaded_error".into(),
                message: "Overloaded".into(),
            },
        ]),
        Step::stream(vec![Ev::Text("recovered".into())]),
    ])
    .unwrap();
    let client =
        HttpModelClient::new(provider(&server, WireApi::Anthropic), settings("claude")).unwrap();
    // The 529 is retried by the client; the overload reported mid-stream is a stream error,
    // which the caller re-requests.
    let (result, notices) = collect_noticed(&client).await;
    let err = result.unwrap_err();
    assert!(err.is_stream_retryable(), "{err}");
    assert!(err.to_string().contains("Overloaded"), "{err}");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0]
            .reason
            .starts_with("mock answered 529: Overloaded"),
        "{}",
        notices[0].reason
    );
    let events = collect(&client).await.unwrap();
    assert_eq!(
        items(&events)[0].message_text().as_deref(),
        Some("recovered")
    );
    assert_eq!(server.model_requests().len(), 3);
    server.assert_clean();
}

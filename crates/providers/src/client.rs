//! The model client: one HTTP request per turn step, retried on transport errors, 5xx and 429,
//! then a stream of [`ResponseEvent`]s with an idle timeout.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use codex_config::{ModelProviderInfo, ProviderAuth};
use codex_protocol::{ReasoningEffort, ReasoningSummary, Verbosity};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use reqwest::header::HeaderValue;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::decode::StreamDecoder;
use crate::error::{ApiError, RetryableError};
use crate::prompt::{Prompt, ResponseEvent};
use crate::retry::{RetryNotice, RetryObserver, backoff, requested_wait};
use crate::wire::{Wire, wire_for};

/// Per-session model settings sent with every request.
#[derive(Debug, Clone)]
pub struct ModelSettings {
    pub model: String,
    pub reasoning_effort: Option<ReasoningEffort>,
    pub reasoning_summary: ReasoningSummary,
    pub verbosity: Option<Verbosity>,
    pub max_output_tokens: Option<u64>,
    /// Sent as `session_id`/`conversation_id` and `prompt_cache_key`.
    pub session_id: String,
    pub originator: String,
    /// Whether the model takes reasoning parameters (from its family record, or because the
    /// user set an effort).
    pub supports_reasoning: bool,
}

/// The events of one response, in order. Dropping it stops reading.
pub struct ResponseStream {
    rx: mpsc::Receiver<Result<ResponseEvent, ApiError>>,
}

impl ResponseStream {
    pub async fn next(&mut self) -> Option<Result<ResponseEvent, ApiError>> {
        self.rx.recv().await
    }

    /// A stream of ready-made events (for scripted models in tests).
    pub fn from_events(events: Vec<Result<ResponseEvent, ApiError>>) -> Self {
        let (tx, rx) = mpsc::channel(events.len().max(1));
        for ev in events {
            let _ = tx.try_send(ev);
        }
        ResponseStream { rx }
    }
}

/// What the turn loop needs from a model.
pub trait ModelClient: Send + Sync {
    /// The response to `prompt`; `on_retry` hears of each retry of the request before the wait
    /// for it, so that a long wait is never silent.
    fn stream_with_notices<'a>(
        &'a self,
        prompt: &'a Prompt,
        on_retry: RetryObserver<'a>,
    ) -> BoxFuture<'a, Result<ResponseStream, ApiError>>;

    /// The response to `prompt`, retries unobserved.
    fn stream<'a>(&'a self, prompt: &'a Prompt) -> BoxFuture<'a, Result<ResponseStream, ApiError>> {
        self.stream_with_notices(prompt, &ignore_retry)
    }
    /// How many times a broken stream may be retried.
    fn stream_max_retries(&self) -> u64;
}

fn ignore_retry(_: RetryNotice) {}

/// A [`ModelClient`] over HTTP: the wire is chosen once from the provider's `wire_api`; retries,
/// credentials and timeouts are the same for every wire.
pub struct HttpModelClient {
    http: reqwest::Client,
    provider: ModelProviderInfo,
    settings: ModelSettings,
    wire: Box<dyn Wire>,
}

impl HttpModelClient {
    pub fn new(provider: ModelProviderInfo, settings: ModelSettings) -> Result<Self, ApiError> {
        let http = reqwest::Client::builder()
            .user_agent(format!("jgt-codex/{}", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ApiError::Stream(format!("cannot create the HTTP client: {e}")))?;
        let wire = wire_for(provider.wire_api);
        Ok(HttpModelClient {
            http,
            provider,
            settings,
            wire,
        })
    }

    fn url(&self) -> String {
        let base = self.provider.base_url.trim_end_matches('/');
        format!("{base}{}", self.wire.path())
    }

    async fn send_once(&self, body: &Bytes) -> Result<reqwest::Response, ApiError> {
        let mut request = self
            .http
            .post(self.url())
            .query(&self.provider.query_params)
            .header("accept", "text/event-stream")
            .header("originator", &self.settings.originator)
            .header("content-type", "application/json")
            // Shared, not copied, by each attempt.
            .body(body.clone());
        for (name, value) in self.wire.headers(&self.settings) {
            request = request.header(name, value);
        }
        for (k, v) in &self.provider.http_headers {
            request = request.header(k, v);
        }
        match &self.provider.auth {
            ProviderAuth::Bearer(key) => {
                let (name, value) = self.wire.credential(key);
                request = match HeaderValue::from_str(&value) {
                    Ok(mut value) => {
                        value.set_sensitive(true);
                        request.header(name, value)
                    }
                    // reqwest reports the bad value when the request is sent.
                    Err(_) => request.header(name, value),
                };
            }
            ProviderAuth::None => {}
            ProviderAuth::Missing {
                env_key,
                instructions,
            } => {
                return Err(ApiError::MissingEnvKey {
                    provider: self.provider.id.clone(),
                    env_key: env_key.clone(),
                    instructions: instructions.clone(),
                });
            }
        }
        // A server that takes the request but never answers is treated like a stalled stream.
        let idle = Duration::from_millis(self.provider.stream_idle_timeout_ms);
        let response = match tokio::time::timeout(idle, request.send()).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => {
                return Err(ApiError::Retryable(RetryableError {
                    message: format!("cannot reach {}: {}", self.url(), error_chain(&e)),
                    retry_after: None,
                    rate_limited: false,
                }));
            }
            Err(_) => {
                return Err(ApiError::Retryable(RetryableError {
                    message: format!(
                        "no response from {} within {} ms (stream_idle_timeout_ms)",
                        self.url(),
                        idle.as_millis()
                    ),
                    retry_after: None,
                    rate_limited: false,
                }));
            }
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        let retry_after = requested_wait(
            header("retry-after-ms").as_deref(),
            header("retry-after").as_deref(),
            SystemTime::now(),
        );
        let text = response.text().await.unwrap_or_default();
        let (message, code) = error_message(&text);
        let provider = self.provider.id.clone();
        Err(match status.as_u16() {
            401 => ApiError::Unauthorized {
                provider,
                message,
                hint: match &self.provider.env_key {
                    Some(var) => format!("Check that `{var}` holds a valid API key"),
                    None => "Check the provider's credentials".to_string(),
                },
            },
            404 | 400
                if code.as_deref() == Some("model_not_found")
                    || (status.as_u16() == 404 && message.to_lowercase().contains("model")) =>
            {
                ApiError::UnknownModel {
                    provider,
                    model: self.settings.model.clone(),
                    message,
                }
            }
            429 => ApiError::Retryable(RetryableError {
                message: format!("{provider} is rate limiting requests (429): {message}"),
                retry_after,
                rate_limited: true,
            }),
            s if s >= 500 => ApiError::Retryable(RetryableError {
                message: format!("{provider} answered {s}: {message}"),
                retry_after,
                rate_limited: false,
            }),
            s => ApiError::Http {
                provider,
                status: s,
                message,
            },
        })
    }

    async fn send_with_retries(
        &self,
        body: &Bytes,
        on_retry: RetryObserver<'_>,
    ) -> Result<reqwest::Response, ApiError> {
        let max_retries = self.provider.request_max_retries;
        let limit_secs = self.provider.request_max_retry_wait_secs;
        let limit = Duration::from_secs(limit_secs);
        let mut attempt = 0u64;
        loop {
            attempt += 1;
            match self.send_once(body).await {
                Err(ApiError::Retryable(e)) if attempt <= max_retries => {
                    let delay = match e.retry_after {
                        // Waiting longer than the user allows would look like a hang: fail
                        // now, saying why.
                        Some(wait) if wait > limit => {
                            let provider = &self.provider.id;
                            let (what, detail) = if e.rate_limited {
                                (format!("rate limited by {provider}"), Some(e.message))
                            } else {
                                (e.message, None)
                            };
                            return Err(ApiError::WaitTooLong {
                                what,
                                wait,
                                limit_secs,
                                detail,
                            });
                        }
                        Some(wait) => wait,
                        None => backoff(attempt),
                    };
                    tracing::warn!(attempt, error = %e.message, "retrying model request");
                    on_retry(RetryNotice {
                        provider: self.provider.id.clone(),
                        rate_limited: e.rate_limited,
                        reason: e.message,
                        delay,
                        attempt,
                        max: max_retries,
                    });
                    tokio::time::sleep(delay).await;
                }
                Err(ApiError::Retryable(e)) => {
                    return Err(ApiError::RetriesExhausted {
                        provider: self.provider.id.clone(),
                        attempts: attempt,
                        last: e.message,
                    });
                }
                other => return other,
            }
        }
    }
}

impl ModelClient for HttpModelClient {
    fn stream_with_notices<'a>(
        &'a self,
        prompt: &'a Prompt,
        on_retry: RetryObserver<'a>,
    ) -> BoxFuture<'a, Result<ResponseStream, ApiError>> {
        Box::pin(async move {
            let body = Bytes::from(self.wire.request_body(prompt, &self.settings));
            let response = self.send_with_retries(&body, on_retry).await?;
            let (tx, rx) = mpsc::channel(64);
            let idle = Duration::from_millis(self.provider.stream_idle_timeout_ms);
            let decoder = StreamDecoder::with_parser(self.wire.new_parser(prompt));
            tokio::spawn(pump(response, decoder, idle, tx));
            Ok(ResponseStream { rx })
        })
    }

    fn stream_max_retries(&self) -> u64 {
        self.provider.stream_max_retries
    }
}

/// Reads the body, decodes SSE, and forwards events until completion, an error, or the reader
/// going away.
async fn pump(
    response: reqwest::Response,
    mut decoder: StreamDecoder,
    idle: Duration,
    tx: mpsc::Sender<Result<ResponseEvent, ApiError>>,
) {
    let mut body = response.bytes_stream();
    loop {
        let next = match tokio::time::timeout(idle, body.next()).await {
            Ok(next) => next,
            Err(_) => {
                let _ = tx
                    .send(Err(ApiError::Stream(format!(
                        "no data from the model for {} ms (stream_idle_timeout_ms)",
                        idle.as_millis()
                    ))))
                    .await;
                return;
            }
        };
        let (events, end) = match next {
            Some(Ok(bytes)) => (decoder.push(&bytes), false),
            Some(Err(e)) => {
                let _ = tx
                    .send(Err(ApiError::Stream(format!(
                        "the model stream broke off: {}",
                        error_chain(&e)
                    ))))
                    .await;
                return;
            }
            None => (decoder.finish(), true),
        };
        for ev in events {
            if tx.send(ev).await.is_err() {
                return;
            }
        }
        if end || decoder.is_done() {
            return;
        }
    }
}

/// The message (and code) of an API error body, or the raw text.
fn error_message(text: &str) -> (String, Option<String>) {
    let parsed: Option<Value> = serde_json::from_str(text).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let message = error
        .and_then(|e| {
            e.get("message")
                .and_then(Value::as_str)
                .or_else(|| e.as_str())
        })
        .map(String::from)
        .unwrap_or_else(|| {
            let t = text.trim();
            if t.is_empty() {
                "no details".to_string()
            } else {
                t.chars().take(500).collect()
            }
        });
    let code = error
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .map(String::from);
    (message, code)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

//! The streamable-HTTP transport's HTTP side, on the same `reqwest` the model providers use
//! (one HTTP stack and one TLS setup in the binary). The protocol side — sessions, SSE
//! reconnection, request correlation — is `rmcp`'s worker; this only sends requests and
//! classifies responses.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use http::{HeaderName, HeaderValue, StatusCode};
use rmcp::model::{ClientJsonRpcMessage, JsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::streamable_http_client::{
    AuthRequiredError, SseError, StreamableHttpClient, StreamableHttpError,
    StreamableHttpPostResponse,
};
use sse_stream::{Sse, SseStream};

const SESSION_ID: &str = "mcp-session-id";
const LAST_EVENT_ID: &str = "last-event-id";
const ACCEPT_BOTH: &str = "text/event-stream, application/json";
/// The most of a JSON response body read into memory; a bigger one is an error, not an OOM.
const MAX_JSON_BODY: usize = 64 * 1024 * 1024;
/// How much of an error body is kept for the message.
const MAX_ERROR_BODY: usize = 4 * 1024;

/// A `reqwest` client speaking to one MCP server.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
}

impl HttpClient {
    pub fn new() -> Result<Self, reqwest::Error> {
        // Redirects would replay the session id and headers to wherever they point.
        let inner = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(HttpClient { inner })
    }
}

type Error = StreamableHttpError<reqwest::Error>;

fn client_error(e: reqwest::Error) -> Error {
    StreamableHttpError::Client(e)
}

fn request(
    mut builder: reqwest::RequestBuilder,
    session_id: Option<&str>,
    auth: Option<String>,
    headers: HashMap<HeaderName, HeaderValue>,
) -> reqwest::RequestBuilder {
    builder = builder.header(reqwest::header::ACCEPT, ACCEPT_BOTH);
    if let Some(id) = session_id {
        builder = builder.header(SESSION_ID, id);
    }
    if let Some(token) = auth {
        builder = builder.bearer_auth(token);
    }
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    builder
}

fn media_type(response: &reqwest::Response) -> Option<String> {
    let value = response.headers().get(reqwest::header::CONTENT_TYPE)?;
    let text = String::from_utf8_lossy(value.as_bytes()).to_ascii_lowercase();
    Some(text.split(';').next().unwrap_or("").trim().to_string())
}

/// Reads at most `limit` bytes of the body; `Err(true)` when it was longer.
async fn read_body(response: reqwest::Response, limit: usize) -> Result<Vec<u8>, Option<Error>> {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Some(client_error(e)))?;
        if body.len() + chunk.len() > limit {
            body.extend_from_slice(&chunk[..limit - body.len()]);
            return Err(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn sse(response: reqwest::Response) -> BoxStream<'static, Result<Sse, SseError>> {
    SseStream::from_bytes_stream(response.bytes_stream()).boxed()
}

fn auth_required(response: &reqwest::Response) -> Option<Error> {
    if response.status() != StatusCode::UNAUTHORIZED {
        return None;
    }
    let header = response.headers().get(reqwest::header::WWW_AUTHENTICATE)?;
    Some(StreamableHttpError::AuthRequired(AuthRequiredError::new(
        String::from_utf8_lossy(header.as_bytes()).into_owned(),
    )))
}

impl StreamableHttpClient for HttpClient {
    type Error = reqwest::Error;

    async fn post_message(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth: Option<String>,
        headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<StreamableHttpPostResponse, Error> {
        let builder = request(
            self.inner.post(uri.as_ref()),
            session_id.as_deref(),
            auth,
            headers,
        );
        let body = serde_json::to_vec(&message).map_err(StreamableHttpError::Deserialize)?;
        let response = builder
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(client_error)?;
        if let Some(error) = auth_required(&response) {
            return Err(error);
        }
        let status = response.status();
        if matches!(status, StatusCode::ACCEPTED | StatusCode::NO_CONTENT) {
            return Ok(StreamableHttpPostResponse::Accepted);
        }
        if status == StatusCode::NOT_FOUND && session_id.is_some() {
            return Err(StreamableHttpError::SessionExpired);
        }
        let new_session = response
            .headers()
            .get(SESSION_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        // Notifications and replies wait for nothing: whatever a server answers is fine.
        let awaits_nothing = !matches!(message, JsonRpcMessage::Request(_));
        let kind = media_type(&response);
        if !status.is_success() {
            let body = match read_body(response, MAX_ERROR_BODY).await {
                Ok(body) => body,
                Err(Some(e)) => return Err(e),
                Err(None) => Vec::new(),
            };
            if let Ok(error @ JsonRpcMessage::Error(_)) =
                serde_json::from_slice::<ServerJsonRpcMessage>(&body)
            {
                return Ok(StreamableHttpPostResponse::Json(error, new_session));
            }
            let text = String::from_utf8_lossy(&body);
            return Err(StreamableHttpError::UnexpectedServerResponse(Cow::Owned(
                format!("HTTP {status}: {}", text.trim()),
            )));
        }
        match kind.as_deref() {
            Some("text/event-stream") => {
                Ok(StreamableHttpPostResponse::Sse(sse(response), new_session))
            }
            Some("application/json") => {
                let body = match read_body(response, MAX_JSON_BODY).await {
                    Ok(body) => body,
                    Err(Some(e)) => return Err(e),
                    Err(None) => {
                        return Err(StreamableHttpError::ResponseBodyTooLarge {
                            max_size: MAX_JSON_BODY,
                        });
                    }
                };
                match serde_json::from_slice::<ServerJsonRpcMessage>(&body) {
                    Ok(parsed) => Ok(StreamableHttpPostResponse::Json(parsed, new_session)),
                    Err(_) if awaits_nothing => Ok(StreamableHttpPostResponse::Accepted),
                    Err(e) => Err(StreamableHttpError::Deserialize(e)),
                }
            }
            _ if awaits_nothing => Ok(StreamableHttpPostResponse::Accepted),
            _ => Err(StreamableHttpError::UnexpectedContentType(kind)),
        }
    }

    async fn delete_session(
        &self,
        uri: Arc<str>,
        session_id: Arc<str>,
        auth: Option<String>,
        headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<(), Error> {
        let builder = request(
            self.inner.delete(uri.as_ref()),
            Some(&session_id),
            auth,
            headers,
        );
        let response = builder.send().await.map_err(client_error)?;
        if response.status() == StatusCode::METHOD_NOT_ALLOWED {
            return Ok(());
        }
        response.error_for_status().map_err(client_error)?;
        Ok(())
    }

    async fn get_stream(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth: Option<String>,
        headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<BoxStream<'static, Result<Sse, SseError>>, Error> {
        let mut builder = request(
            self.inner.get(uri.as_ref()),
            session_id.as_deref(),
            auth,
            headers,
        );
        if let Some(id) = last_event_id {
            builder = builder.header(LAST_EVENT_ID, id);
        }
        let response = builder.send().await.map_err(client_error)?;
        if response.status() == StatusCode::METHOD_NOT_ALLOWED {
            return Err(StreamableHttpError::ServerDoesNotSupportSse);
        }
        if let Some(error) = auth_required(&response) {
            return Err(error);
        }
        let response = response.error_for_status().map_err(client_error)?;
        match media_type(&response).as_deref() {
            Some("text/event-stream") => Ok(sse(response)),
            other => Err(StreamableHttpError::UnexpectedContentType(
                other.map(str::to_string),
            )),
        }
    }
}

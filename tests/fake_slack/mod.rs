//! A local stand-in for Slack on 127.0.0.1 (port 0) that answers as Slack does: an incoming
//! webhook answers `200 ok` (text), the Web API answers JSON with `ok`, `channel` and `ts`,
//! errors as `200 {"ok": false, "error": ...}`, rate limits as `429` with `Retry-After`.
//! Tests can script the next answers and read back every request.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// A scripted answer; when none is scripted the server answers success.
#[derive(Debug, Clone)]
pub enum Reply {
    /// `200` with a JSON body.
    Json(Value),
    /// Any status, content type and body, with extra headers.
    Raw {
        status: u16,
        content_type: &'static str,
        body: String,
        headers: Vec<(&'static str, String)>,
    },
    /// Never answer (for timeouts).
    Hang,
}

impl Reply {
    /// The Web API's error answer: HTTP 200 with `ok: false`.
    pub fn api_error(code: &str) -> Reply {
        Reply::Json(json!({"ok": false, "error": code}))
    }

    /// HTTP 429 with `Retry-After`, as Slack rate-limits.
    pub fn rate_limited(retry_after_secs: u64) -> Reply {
        Reply::Raw {
            status: 429,
            content_type: "application/json; charset=utf-8",
            body: json!({"ok": false, "error": "ratelimited"}).to_string(),
            headers: vec![("Retry-After", retry_after_secs.to_string())],
        }
    }

    /// A bare status with a text body (a webhook's error, a proxy's 5xx).
    pub fn status(status: u16, body: &str) -> Reply {
        Reply::Raw {
            status,
            content_type: "text/html",
            body: body.to_string(),
            headers: Vec::new(),
        }
    }
}

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    replies: VecDeque<Reply>,
    next_ts: u64,
}

/// The running fake; it stops with the test's runtime.
pub struct FakeSlack {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State {
            next_ts: 1,
            ..State::default()
        }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, state).await;
                });
            }
        });
        FakeSlack { addr, state }
    }

    /// Base URL of the fake Web API (`SLACK_API_URL`).
    pub fn api_url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    /// A webhook URL on the fake; `secret` is its secret last segment.
    pub fn webhook_url(&self, secret: &str) -> String {
        format!("http://{}/services/T0001/B0001/{secret}", self.addr)
    }

    /// Answers the next requests with these, in order, then succeeds again.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.lock().expect("state").replies.extend(replies);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("state").requests.clone()
    }
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        // A TLS ClientHello (record type 0x16) to this plain-http server: answer as an http
        // server does, which the client's TLS layer then rejects.
        if buf.first() == Some(&0x16) {
            stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                .await?;
            return stream.shutdown().await;
        }
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("").to_string();
    let path = request_line.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[header_end..]).to_string();
    let recorded = Recorded {
        method,
        path,
        headers,
        body,
    };

    let reply = {
        let mut state = state.lock().expect("state");
        state.requests.push(recorded.clone());
        match state.replies.pop_front() {
            Some(reply) => reply,
            None => success(&recorded, &mut state),
        }
    };
    let (status, content_type, body, extra) = match reply {
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            return Ok(());
        }
        Reply::Json(value) => (
            200,
            "application/json; charset=utf-8",
            value.to_string(),
            Vec::new(),
        ),
        Reply::Raw {
            status,
            content_type,
            body,
            headers,
        } => (status, content_type, body, headers),
    };
    let mut response = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason(status),
        body.len()
    );
    for (k, v) in extra {
        response.push_str(&format!("{k}: {v}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&body);
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// Slack's success answers: `ok` for a webhook, the posted message for `chat.postMessage`.
fn success(request: &Recorded, state: &mut State) -> Reply {
    if request.path.ends_with("/chat.postMessage") {
        let sent = request.json();
        let channel = sent["channel"].as_str().unwrap_or("");
        // Slack answers with the channel's ID even when given its name.
        let channel_id = if channel.starts_with('C') {
            channel.to_string()
        } else {
            "C0NAMED0001".to_string()
        };
        let ts = format!("1700000000.{:06}", state.next_ts);
        state.next_ts += 1;
        Reply::Json(json!({
            "ok": true,
            "channel": channel_id,
            "ts": ts,
            "message": {
                "type": "message",
                "subtype": "bot_message",
                "text": sent["text"],
                "ts": ts,
                "bot_id": "B0BOT0001",
                "blocks": sent["blocks"],
            },
        }))
    } else {
        Reply::Raw {
            status: 200,
            content_type: "text/html",
            body: "ok".to_string(),
            headers: Vec::new(),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

//! A release download server on 127.0.0.1: `GET /vVERSION/FILE` answers FILE from one directory,
//! as GitHub's release downloads would, and counts the requests so a test can tell a cached
//! install (no request) from a download.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct ReleaseServer {
    /// `http://127.0.0.1:PORT`, the install script's base URL.
    pub base_url: String,
    requests: Arc<AtomicUsize>,
}

impl ReleaseServer {
    /// Serves the files of `dir` for release `version`; runs until the test process exits.
    pub fn start(dir: PathBuf, version: &str) -> ReleaseServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&requests);
        let prefix = format!("/v{version}/");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                let mut reader = BufReader::new(&stream);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                // Read the headers to their end so the client sees a clean close.
                let mut line = String::new();
                while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                    line.clear();
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("");
                let file = path
                    .strip_prefix(&prefix)
                    .filter(|f| !f.is_empty() && !f.contains('/') && !f.starts_with('.'))
                    .and_then(|f| std::fs::read(dir.join(f)).ok());
                let response = match file {
                    Some(body) => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(&body);
                        r
                    }
                    None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found".to_vec(),
                };
                let _ = stream.write_all(&response);
            }
        });
        ReleaseServer { base_url, requests }
    }

    /// Requests served so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

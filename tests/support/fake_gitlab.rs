//! A stateful fake GitLab REST API v4 on 127.0.0.1 (port 0) for the notifier tests: one project
//! (by id `42` or path `acme/infra`), merge requests with labels and states, notes with ids and
//! authors (the token's user), commit comments, commit -> merge requests; authentication by
//! `PRIVATE-TOKEN` or `JOB-TOKEN`; GitLab's pagination headers (`x-next-page`, `x-total`, `Link`)
//! and rate-limit headers (`RateLimit-*`, `Retry-After` on 429); error bodies
//! `{"message": ...}` with real status codes; the 1,000,000-character note limit (400);
//! injectable faults. It also runs quick actions the way GitLab's extractor finds them (a line
//! starting with `/`, outside code fenced by exactly three backticks) and records every one it
//! would have executed, so a test can prove none was.
//!
//! GitLab publishes no OpenAPI description of the notes, merge request and commit endpoints
//! that a registry here ships (its `openapi_v2.yaml` covers a few other endpoints and is not
//! packaged), so requests are checked against the endpoint table below, written from GitLab's
//! REST documentation: method, path shape and required parameters.

#![allow(dead_code)]

#[path = "http_server.rs"]
mod http_server;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

pub use http_server::HttpRequest;
use http_server::HttpResponse;

pub const PROJECT_ID: u64 = 42;
pub const PROJECT_PATH: &str = "acme/infra";
pub const NOTE_MAX_CHARS: usize = 1_000_000;

/// A token's user, and whether it is a CI job token.
#[derive(Debug, Clone)]
pub struct FakeUser {
    pub id: u64,
    pub username: String,
    pub job_token: bool,
}

#[derive(Debug, Clone)]
pub struct FakeNote {
    pub id: u64,
    pub mr: u64,
    pub author: u64,
    pub body: String,
    pub system: bool,
}

#[derive(Debug, Clone)]
pub struct FakeMergeRequest {
    pub iid: u64,
    pub state: String,
    pub sha: String,
    pub merge_commit_sha: Option<String>,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CommitComment {
    pub sha: String,
    pub author: u64,
    pub note: String,
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The path after `/api/v4`, project as sent (`/projects/42/...`).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub private_token: Option<String>,
    pub job_token: Option<String>,
}

/// Served instead of the real answer to the next `times` requests matching.
#[derive(Debug, Clone)]
pub enum Fault {
    /// This status with `{"message": ...}`.
    Status(u16),
    /// 429 with `Retry-After: secs`.
    RateLimited { retry_after: u64 },
    /// Never answer.
    Hang,
}

#[derive(Debug, Clone)]
struct FaultRule {
    method: String,
    path_contains: String,
    fault: Fault,
    times: usize,
}

#[derive(Default)]
pub struct State {
    pub tokens: BTreeMap<String, FakeUser>,
    pub users: BTreeMap<u64, String>,
    pub merge_requests: BTreeMap<u64, FakeMergeRequest>,
    /// Project labels: name -> colour (`#rrggbb`). Adding a missing one to a merge request
    /// creates it grey, as GitLab does.
    pub labels: BTreeMap<String, String>,
    pub notes: Vec<FakeNote>,
    pub commit_comments: Vec<CommitComment>,
    next_note: u64,
    pub requests: Vec<Recorded>,
    /// Quick actions GitLab would have run, as `(merge request, line)`.
    pub executed_quick_actions: Vec<(u64, String)>,
    /// Answer listings with `Link` only, as some proxies leave GitLab's own headers out.
    pub link_only: bool,
    /// Whether a CI job token may write notes (GitLab's allowlist decides; off by default).
    pub job_token_writes: bool,
    faults: Vec<FaultRule>,
}

pub struct FakeGitlab {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl FakeGitlab {
    pub fn start() -> FakeGitlab {
        let state = Arc::new(Mutex::new(State {
            next_note: 500,
            ..State::default()
        }));
        let shared = state.clone();
        let port = http_server::serve(move |request| handle(request, &shared));
        FakeGitlab { port, state }
    }

    /// `CI_API_V4_URL` for this fake.
    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/v4", self.port)
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add_token(&self, token: &str, id: u64, username: &str, job_token: bool) {
        let mut st = self.lock();
        st.users.insert(id, username.into());
        st.tokens.insert(
            token.into(),
            FakeUser {
                id,
                username: username.into(),
                job_token,
            },
        );
    }

    pub fn add_merge_request(&self, iid: u64, state: &str, sha: &str, merge_commit: Option<&str>) {
        self.lock().merge_requests.insert(
            iid,
            FakeMergeRequest {
                iid,
                state: state.into(),
                sha: sha.into(),
                merge_commit_sha: merge_commit.map(str::to_string),
                labels: Vec::new(),
            },
        );
    }

    /// A note written by someone else (or by the token's user in an earlier run).
    pub fn seed_note(&self, mr: u64, author: u64, body: &str, system: bool) -> u64 {
        let mut st = self.lock();
        st.next_note += 1;
        let id = st.next_note;
        st.notes.push(FakeNote {
            id,
            mr,
            author,
            body: body.into(),
            system,
        });
        id
    }

    pub fn inject(&self, method: &str, path_contains: &str, fault: Fault, times: usize) {
        self.lock().faults.push(FaultRule {
            method: method.into(),
            path_contains: path_contains.into(),
            fault,
            times,
        });
    }

    pub fn notes_of(&self, mr: u64) -> Vec<FakeNote> {
        self.lock()
            .notes
            .iter()
            .filter(|n| n.mr == mr)
            .cloned()
            .collect()
    }

    pub fn merge_request(&self, iid: u64) -> FakeMergeRequest {
        self.lock().merge_requests[&iid].clone()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }
}

/// The endpoints tfpost may call, from GitLab's REST documentation: method, path pattern
/// (`:id` the project, `:n` a number, `:sha` a commit), and the body fields each requires.
pub const ENDPOINTS: &[(&str, &str, &[&str])] = &[
    ("GET", "/user", &[]),
    ("GET", "/projects/:id/merge_requests/:n", &[]),
    ("PUT", "/projects/:id/merge_requests/:n", &[]),
    ("GET", "/projects/:id/merge_requests/:n/notes", &[]),
    ("POST", "/projects/:id/merge_requests/:n/notes", &["body"]),
    ("PUT", "/projects/:id/merge_requests/:n/notes/:n", &["body"]),
    ("DELETE", "/projects/:id/merge_requests/:n/notes/:n", &[]),
    ("POST", "/projects/:id/labels", &["name", "color"]),
    (
        "GET",
        "/projects/:id/repository/commits/:sha/merge_requests",
        &[],
    ),
    ("GET", "/projects/:id/repository/commits/:sha/comments", &[]),
    (
        "POST",
        "/projects/:id/repository/commits/:sha/comments",
        &["note"],
    ),
];

/// Why a recorded request does not match any documented endpoint, if it does not.
pub fn check_documented(request: &Recorded) -> Result<(), String> {
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let found = ENDPOINTS.iter().find(|(method, pattern, _)| {
        let pattern: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
        *method == request.method
            && pattern.len() == segments.len()
            && pattern.iter().zip(&segments).all(|(p, s)| match *p {
                ":id" => !s.is_empty(),
                ":n" => s.parse::<u64>().is_ok(),
                ":sha" => !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit()),
                literal => literal == *s,
            })
    });
    let Some((_, _, required)) = found else {
        return Err(format!(
            "{} {} is not a documented endpoint",
            request.method, request.path
        ));
    };
    for field in *required {
        let present = request
            .body
            .as_ref()
            .and_then(|b| b.get(field))
            .is_some_and(Value::is_string);
        if !present {
            return Err(format!(
                "{} {} lacks `{field}`",
                request.method, request.path
            ));
        }
    }
    for (key, value) in &request.query {
        let ok = match key.as_str() {
            "page" | "per_page" => value
                .parse::<u32>()
                .is_ok_and(|n| n >= 1 && (key == "page" || n <= 100)),
            "sort" => value == "asc" || value == "desc",
            "order_by" => value == "created_at" || value == "updated_at",
            _ => false,
        };
        if !ok {
            return Err(format!(
                "{} {}: query {key}={value} is not documented",
                request.method, request.path
            ));
        }
    }
    Ok(())
}

fn respond(status: u16, body: Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: rate_limit_headers(),
        body: if body.is_null() {
            String::new()
        } else {
            body.to_string()
        },
    }
}

fn message(status: u16, text: &str) -> HttpResponse {
    respond(status, json!({ "message": text }))
}

fn rate_limit_headers() -> Vec<(String, String)> {
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() + 60)
        .unwrap_or(0);
    vec![
        ("ratelimit-limit".into(), "2000".into()),
        ("ratelimit-remaining".into(), "1999".into()),
        ("ratelimit-reset".into(), reset.to_string()),
    ]
}

fn handle(request: &HttpRequest, state: &Arc<Mutex<State>>) -> Option<HttpResponse> {
    let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
    let path = request
        .path()
        .strip_prefix("/api/v4")
        .unwrap_or(request.path())
        .to_string();
    let body: Option<Value> = serde_json::from_slice(&request.body).ok();
    st.requests.push(Recorded {
        method: request.method.clone(),
        path: path.clone(),
        query: request.query(),
        body: body.clone(),
        private_token: request.header("private-token").map(str::to_string),
        job_token: request.header("job-token").map(str::to_string),
    });
    if let Some(index) = st
        .faults
        .iter()
        .position(|f| f.times > 0 && f.method == request.method && path.contains(&f.path_contains))
    {
        st.faults[index].times -= 1;
        return match st.faults[index].fault.clone() {
            Fault::Hang => None,
            Fault::Status(status) => Some(message(status, &format!("{status} fault injected"))),
            Fault::RateLimited { retry_after } => {
                let mut r = message(429, "Retry later");
                r.headers
                    .push(("retry-after".into(), retry_after.to_string()));
                Some(r)
            }
        };
    }
    let token = request
        .header("private-token")
        .map(|t| (t, false))
        .or_else(|| request.header("job-token").map(|t| (t, true)));
    let user = match token.and_then(|(t, job)| st.tokens.get(t).filter(|u| u.job_token == job)) {
        Some(user) => user.clone(),
        None => return Some(message(401, "401 Unauthorized")),
    };
    let mut query = request.query();
    Some(route(
        &mut st,
        &request.method,
        &path,
        &mut query,
        body,
        &user,
    ))
}

fn route(
    st: &mut State,
    method: &str,
    path: &str,
    query: &mut [(String, String)],
    body: Option<Value>,
    user: &FakeUser,
) -> HttpResponse {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if segments == ["user"] && method == "GET" {
        if user.job_token {
            return message(401, "401 Unauthorized");
        }
        return respond(
            200,
            json!({ "id": user.id, "username": user.username, "name": "tfpost bot", "state": "active" }),
        );
    }
    let project_ok = segments.len() >= 2
        && segments[0] == "projects"
        && (segments[1] == PROJECT_ID.to_string() || segments[1] == "acme%2Finfra");
    if !project_ok {
        return message(404, "404 Project Not Found");
    }
    let writes = method != "GET";
    if user.job_token && writes && !st.job_token_writes {
        return message(403, "403 Forbidden");
    }
    match &segments[2..] {
        ["merge_requests", iid] => {
            let Some(iid) = iid
                .parse::<u64>()
                .ok()
                .filter(|i| st.merge_requests.contains_key(i))
            else {
                return message(404, "404 Not found");
            };
            match method {
                "GET" => respond(200, mr_json(&st.merge_requests[&iid])),
                "PUT" => {
                    let field = |name: &str| -> Vec<String> {
                        body.as_ref()
                            .and_then(|b| b.get(name))
                            .and_then(Value::as_str)
                            .map(|s| {
                                s.split(',')
                                    .map(|l| l.trim().to_string())
                                    .filter(|l| !l.is_empty())
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    let (add, remove) = (field("add_labels"), field("remove_labels"));
                    for label in &add {
                        st.labels
                            .entry(label.clone())
                            .or_insert_with(|| "#808080".into());
                    }
                    let mr = st.merge_requests.get_mut(&iid).expect("checked");
                    for label in add {
                        if !mr.labels.contains(&label) {
                            mr.labels.push(label);
                        }
                    }
                    mr.labels.retain(|l| !remove.contains(l));
                    respond(200, mr_json(mr))
                }
                _ => message(405, "405 Method Not Allowed"),
            }
        }
        ["merge_requests", iid, "notes", rest @ ..] => {
            let Some(iid) = iid
                .parse::<u64>()
                .ok()
                .filter(|i| st.merge_requests.contains_key(i))
            else {
                return message(404, "404 Not found");
            };
            notes(st, method, iid, rest, query, body, user)
        }
        ["labels"] if method == "POST" => {
            let field = |name: &str| {
                body.as_ref()
                    .and_then(|b| b.get(name))
                    .and_then(Value::as_str)
            };
            let (Some(name), Some(color)) = (field("name"), field("color")) else {
                return respond(400, json!({ "error": "name is missing, color is missing" }));
            };
            let valid = color.len() == 7
                && color.starts_with('#')
                && color[1..].chars().all(|c| c.is_ascii_hexdigit());
            if !valid {
                return respond(
                    400,
                    json!({ "message": { "color": ["must be a valid color code"] } }),
                );
            }
            if st.labels.contains_key(name) {
                return message(409, "Label already exists");
            }
            st.labels.insert(name.to_string(), color.to_string());
            respond(
                201,
                json!({ "id": st.labels.len(), "name": name, "color": color,
                        "description": field("description") }),
            )
        }
        ["repository", "commits", sha, "merge_requests"] if method == "GET" => {
            let items: Vec<Value> = st
                .merge_requests
                .values()
                .filter(|mr| mr.sha == *sha || mr.merge_commit_sha.as_deref() == Some(*sha))
                .map(mr_json)
                .collect();
            paginate(st, items, query, path)
        }
        ["repository", "commits", sha, "comments"] => match method {
            "GET" => {
                let items: Vec<Value> = st
                    .commit_comments
                    .iter()
                    .filter(|c| c.sha == *sha)
                    .map(|c| json!({ "note": c.note, "author": user_json(st, c.author) }))
                    .collect();
                paginate(st, items, query, path)
            }
            "POST" => {
                let Some(note) = body
                    .as_ref()
                    .and_then(|b| b.get("note"))
                    .and_then(Value::as_str)
                else {
                    return respond(400, json!({ "error": "note is missing" }));
                };
                if note.chars().count() > NOTE_MAX_CHARS {
                    return too_long();
                }
                st.commit_comments.push(CommitComment {
                    sha: sha.to_string(),
                    author: user.id,
                    note: note.to_string(),
                });
                respond(
                    201,
                    json!({ "note": note, "author": user_json(st, user.id) }),
                )
            }
            _ => message(405, "405 Method Not Allowed"),
        },
        _ => message(404, "404 Not Found"),
    }
}

fn notes(
    st: &mut State,
    method: &str,
    iid: u64,
    rest: &[&str],
    query: &mut [(String, String)],
    body: Option<Value>,
    user: &FakeUser,
) -> HttpResponse {
    let text = body
        .as_ref()
        .and_then(|b| b.get("body"))
        .and_then(Value::as_str)
        .map(str::to_string);
    match (method, rest) {
        ("GET", []) => {
            let mut items: Vec<&FakeNote> = st.notes.iter().filter(|n| n.mr == iid).collect();
            // GitLab's default order is newest first; `sort=asc` gives oldest first.
            if !query.iter().any(|(k, v)| k == "sort" && v == "asc") {
                items.reverse();
            }
            let items: Vec<Value> = items.into_iter().map(|n| note_json(st, n)).collect();
            let path = format!("/projects/{PROJECT_ID}/merge_requests/{iid}/notes");
            paginate(st, items, query, &path)
        }
        ("POST", []) => {
            let Some(text) = text else {
                return respond(400, json!({ "error": "body is missing" }));
            };
            if text.chars().count() > NOTE_MAX_CHARS {
                return too_long();
            }
            run_quick_actions(st, iid, &text);
            st.next_note += 1;
            let note = FakeNote {
                id: st.next_note,
                mr: iid,
                author: user.id,
                body: text,
                system: false,
            };
            st.notes.push(note.clone());
            respond(201, note_json(st, &note))
        }
        (_, [id]) => {
            let Some(index) = id
                .parse::<u64>()
                .ok()
                .and_then(|id| st.notes.iter().position(|n| n.id == id && n.mr == iid))
            else {
                return message(404, "404 Not found");
            };
            // Only the author (or an admin, which tfpost never is) may change a note.
            if st.notes[index].author != user.id && method != "GET" {
                return message(403, "403 Forbidden");
            }
            match method {
                "PUT" => {
                    let Some(text) = text else {
                        return respond(400, json!({ "error": "body is missing" }));
                    };
                    if text.chars().count() > NOTE_MAX_CHARS {
                        return too_long();
                    }
                    run_quick_actions(st, iid, &text);
                    st.notes[index].body = text;
                    let note = st.notes[index].clone();
                    respond(200, note_json(st, &note))
                }
                "DELETE" => {
                    st.notes.remove(index);
                    respond(204, Value::Null)
                }
                "GET" => {
                    let note = st.notes[index].clone();
                    respond(200, note_json(st, &note))
                }
                _ => message(405, "405 Method Not Allowed"),
            }
        }
        _ => message(404, "404 Not Found"),
    }
}

fn too_long() -> HttpResponse {
    respond(
        400,
        json!({ "message": { "note": [format!("is too long (maximum is {NOTE_MAX_CHARS} characters)")] } }),
    )
}

/// Finds quick actions as GitLab's extractor does: lines starting with `/` and a command name,
/// except inside blocks that start with a line beginning ```` ``` ```` and end at the next line
/// that is exactly ```` ``` ````. Each is recorded; `/close`, `/merge` and `/label ~x` also act.
fn run_quick_actions(st: &mut State, iid: u64, text: &str) {
    let mut in_code = false;
    for line in text.split('\n') {
        if in_code {
            if line == "```" {
                in_code = false;
            }
            continue;
        }
        if line.starts_with("```") {
            in_code = true;
            continue;
        }
        let Some(command) = line.strip_prefix('/') else {
            continue;
        };
        let name: String = command
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        st.executed_quick_actions.push((iid, line.to_string()));
        let Some(mr) = st.merge_requests.get_mut(&iid) else {
            continue;
        };
        match name.as_str() {
            "close" => mr.state = "closed".into(),
            "merge" => mr.state = "merged".into(),
            "label" => {
                for label in command.split_whitespace().skip(1) {
                    mr.labels.push(label.trim_start_matches('~').to_string());
                }
            }
            _ => {}
        }
    }
}

fn user_json(st: &State, id: u64) -> Value {
    let username = st
        .users
        .get(&id)
        .cloned()
        .unwrap_or_else(|| format!("user{id}"));
    json!({ "id": id, "username": username, "name": username, "state": "active" })
}

fn note_json(st: &State, note: &FakeNote) -> Value {
    json!({
        "id": note.id, "type": null, "body": note.body, "author": user_json(st, note.author),
        "system": note.system, "noteable_type": "MergeRequest", "noteable_iid": note.mr,
        "created_at": "2026-11-29T20:00:00.000Z", "resolvable": false,
    })
}

fn mr_json(mr: &FakeMergeRequest) -> Value {
    json!({
        "id": 9000 + mr.iid, "iid": mr.iid, "project_id": PROJECT_ID, "state": mr.state,
        "title": "Change infra", "sha": mr.sha, "merge_commit_sha": mr.merge_commit_sha,
        "squash_commit_sha": null, "labels": mr.labels,
        "web_url": format!("https://gitlab.example/{PROJECT_PATH}/-/merge_requests/{}", mr.iid),
    })
}

/// A page of `items` with GitLab's headers (`x-page`, `x-per-page`, `x-next-page`, `x-total`,
/// `Link`), 20 a page unless `per_page` asks otherwise (100 at most).
fn paginate(st: &State, items: Vec<Value>, query: &[(String, String)], path: &str) -> HttpResponse {
    let number = |name: &str, default: usize| -> usize {
        query
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(default)
    };
    let per_page = number("per_page", 20).clamp(1, 100);
    let page = number("page", 1).max(1);
    let total = items.len();
    let pages = total.div_ceil(per_page).max(1);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let mut response = respond(200, Value::Array(slice));
    let next = if page < pages {
        (page + 1).to_string()
    } else {
        String::new()
    };
    let url =
        |p: usize| format!("<https://gitlab.example/api/v4{path}?page={p}&per_page={per_page}>");
    let mut links = vec![
        format!("{}; rel=\"first\"", url(1)),
        format!("{}; rel=\"last\"", url(pages)),
    ];
    if page < pages {
        links.insert(0, format!("{}; rel=\"next\"", url(page + 1)));
    }
    response.headers.push(("link".into(), links.join(", ")));
    if !st.link_only {
        for (k, v) in [
            ("x-page", page.to_string()),
            ("x-per-page", per_page.to_string()),
            ("x-next-page", next),
            (
                "x-prev-page",
                if page > 1 {
                    (page - 1).to_string()
                } else {
                    String::new()
                },
            ),
            ("x-total", total.to_string()),
            ("x-total-pages", pages.to_string()),
        ] {
            response.headers.push((k.into(), v));
        }
    }
    response
}

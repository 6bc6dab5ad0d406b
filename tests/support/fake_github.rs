//! A stateful fake GitHub on 127.0.0.1 (port 0) for the notifier tests: issue and commit
//! comments with ids, authors and bodies; pagination with real `Link` headers; PATCH; GraphQL
//! `minimizeComment`; labels (auto-created when added, as GitHub does); commit -> pulls; real
//! status codes and error bodies; rate-limit headers; injectable faults (5xx, secondary rate
//! limit, a hang); gates that hold requests until several have arrived, so tests can make
//! concurrent clients meet at one step without sleeping. Every request is recorded for checks
//! against GitHub's OpenAPI description.
//!
//! Served by the shared hand-written HTTP/1.1 loop of `http_server.rs`: nothing to install, full
//! control over what goes on the wire.

#![allow(dead_code)]

#[path = "http_server.rs"]
pub mod http_server;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use http_server::{HttpRequest as Request, HttpResponse, percent_decode, reason};

use serde_json::{Value, json};

pub const DOCS: &str = "https://docs.github.com/rest";
/// The repository's numeric id, as GitHub's `Link` URLs use it.
pub const REPOSITORY_ID: u64 = 123456;

#[derive(Debug, Clone)]
pub struct FakeComment {
    pub id: u64,
    pub node_id: String,
    pub author: String,
    pub author_type: String,
    pub body: String,
    pub issue: Option<u64>,
    pub commit: Option<String>,
    pub minimized: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path without the base prefix (`/repos/...`, `/graphql`), without the query.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub authorization: Option<String>,
}

/// A fault served instead of the real answer, to the next `times` requests matching.
#[derive(Debug, Clone)]
pub enum Fault {
    /// A status with GitHub's error body (e.g. 502 Bad Gateway).
    Status(u16),
    /// 403 secondary rate limit with `Retry-After: secs`.
    SecondaryRateLimit { retry_after: u64 },
    /// 403 primary rate limit: `x-ratelimit-remaining: 0`, reset `in_secs` from now.
    RateLimitExhausted { in_secs: u64 },
    /// Accept the request and never answer.
    Hang,
    /// Do what the request asks, then answer with this status anyway (GitHub's 502 after a
    /// comment was created).
    StatusAfterDoing(u16),
    /// Do what the request asks, then never answer (a timeout that hides a success).
    HangAfterDoing,
    /// 422 "Validation Failed" with this message for the `body` field, as GitHub refuses a
    /// comment.
    ValidationFailed(String),
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
    pub comments: Vec<FakeComment>,
    next_id: u64,
    /// token -> (login, type); a token with type "Bot" gets 403 on GET /user like an App token.
    pub tokens: HashMap<String, (String, String)>,
    /// Repository labels: name -> (color, description).
    pub repo_labels: BTreeMap<String, (String, String)>,
    pub issue_labels: BTreeMap<u64, Vec<String>>,
    /// Pull requests: number -> (state, head sha, merge commit sha, merged).
    pub pulls: BTreeMap<u64, (String, String, Option<String>, bool)>,
    pub locked: Vec<u64>,
    pub requests: Vec<Recorded>,
    faults: Vec<FaultRule>,
    /// GitHub's secondary limit on content creation (see [`FakeGithub::limit_content_creation`]).
    creation_limit: Option<(usize, Duration)>,
    /// When each content-creating request within the window was accepted.
    created_at: Vec<std::time::Instant>,
    /// A burst of refusals after this many content-creating requests, however fast they came
    /// (see [`FakeGithub::refuse_creations_after`]): (after, how many, refused so far).
    creation_burst: Option<(usize, usize, usize)>,
    /// Content-creating requests seen, accepted or not.
    creations_seen: usize,
    /// Content-creating requests refused by that limit.
    pub creations_refused: usize,
    pub owner: String,
    pub repo: String,
}

pub struct FakeGithub {
    pub port: u16,
    /// `/api/v3` for an Enterprise-style layout, empty for api.github.com's.
    pub prefix: String,
    pub state: Arc<Mutex<State>>,
    gates: Arc<Gates>,
}

/// A rendezvous: the next `size` requests matching are each held until all `size` have
/// arrived, then all are answered.
#[derive(Debug)]
struct Gate {
    method: String,
    path_contains: String,
    size: usize,
    arrived: usize,
}

/// How long a gated request waits for the others before it is answered anyway, so a client
/// that never sends its request fails the test's assertions instead of hanging it.
const GATE_LIMIT: Duration = Duration::from_secs(20);

#[derive(Default)]
struct Gates {
    open: Mutex<Vec<Gate>>,
    changed: Condvar,
    /// Gates that let their requests through on [`GATE_LIMIT`] rather than by all arriving.
    timed_out: Mutex<usize>,
}

impl Gates {
    /// Holds a request that matches a gate with room until the gate is full.
    fn pass(&self, method: &str, target: &str) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let Some(index) = open.iter().position(|g| {
            g.arrived < g.size && g.method == method && target.contains(&g.path_contains)
        }) else {
            return;
        };
        open[index].arrived += 1;
        self.changed.notify_all();
        let (open, timeout) = self
            .changed
            .wait_timeout_while(open, GATE_LIMIT, |open| {
                open[index].arrived < open[index].size
            })
            .unwrap_or_else(|e| e.into_inner());
        drop(open);
        if timeout.timed_out() {
            *self.timed_out.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        }
    }
}

impl FakeGithub {
    /// A fake at `http://127.0.0.1:PORT` (api.github.com layout: GraphQL at `/graphql`).
    pub fn start() -> FakeGithub {
        FakeGithub::start_with_prefix("")
    }

    /// An Enterprise-style fake: REST under `/api/v3`, GraphQL at `/api/graphql`.
    pub fn start_enterprise() -> FakeGithub {
        FakeGithub::start_with_prefix("/api/v3")
    }

    fn start_with_prefix(prefix: &str) -> FakeGithub {
        let state = Arc::new(Mutex::new(State {
            next_id: 1000,
            owner: "acme".into(),
            repo: "infra".into(),
            ..State::default()
        }));
        let gates = Arc::new(Gates::default());
        // The answers' `Link` URLs name the port, known once the server listens.
        let own_port = Arc::new(OnceLock::new());
        let port = {
            let (state, gates, prefix, own_port) = (
                state.clone(),
                gates.clone(),
                prefix.to_string(),
                own_port.clone(),
            );
            http_server::serve(move |request| {
                gates.pass(&request.method, &request.target);
                let port = *own_port.get().unwrap_or(&0);
                handle(request, &state, &prefix, port).map(to_http)
            })
        };
        let _ = own_port.set(port);
        FakeGithub {
            port,
            prefix: prefix.to_string(),
            state,
            gates,
        }
    }

    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.port, self.prefix)
    }

    pub fn add_token(&self, token: &str, login: &str, account_type: &str) {
        self.lock()
            .tokens
            .insert(token.into(), (login.into(), account_type.into()));
    }

    pub fn add_pull(&self, number: u64, state: &str, head: &str, merge_commit: Option<&str>) {
        let merged = merge_commit.is_some() && state == "closed";
        self.lock().pulls.insert(
            number,
            (
                state.into(),
                head.into(),
                merge_commit.map(Into::into),
                merged,
            ),
        );
    }

    /// Adds a comment directly (someone else's, or one of tfpost's from an earlier version).
    pub fn seed_comment(&self, issue: u64, author: &str, author_type: &str, body: &str) -> u64 {
        let mut state = self.lock();
        state.next_id += 1;
        let id = state.next_id;
        state.comments.push(FakeComment {
            id,
            node_id: format!("IC_kw{id}"),
            author: author.into(),
            author_type: author_type.into(),
            body: body.into(),
            issue: Some(issue),
            commit: None,
            minimized: None,
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

    /// Refuses content-creating requests (POST of a comment, a commit comment, a label) beyond
    /// `max` per `window`, as GitHub's secondary rate limit does ("about 80 a minute"): 403 with
    /// its message and a `Retry-After` of the seconds until the oldest one leaves the window.
    pub fn limit_content_creation(&self, max: usize, window: Duration) {
        self.lock().creation_limit = Some((max, window));
    }

    /// Refuses the `times` content-creating requests that follow the first `after`, as the
    /// secondary rate limit does, with `Retry-After: 1`. Unlike the window of
    /// [`FakeGithub::limit_content_creation`] it is met however slowly the clients run (a
    /// loaded CI machine), so a test can count on it.
    pub fn refuse_creations_after(&self, after: usize, times: usize) {
        self.lock().creation_burst = Some((after, times, 0));
    }

    /// Holds the next `size` requests whose method is `method` and whose path contains
    /// `path_contains` until all `size` have arrived: `size` clients then pass that step
    /// together (e.g. all list the comments before any of them posts).
    pub fn gate(&self, method: &str, path_contains: &str, size: usize) {
        self.gates
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Gate {
                method: method.into(),
                path_contains: path_contains.into(),
                size,
                arrived: 0,
            });
    }

    /// How many gates are still waiting for requests that have not all come.
    pub fn gates_pending(&self) -> usize {
        self.gates
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|g| g.arrived < g.size)
            .count()
    }

    /// How many gated requests were let through because the others never came.
    pub fn gate_timeouts(&self) -> usize {
        *self
            .gates
            .timed_out
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The comments of an issue that a reader sees (not minimized), oldest first.
    pub fn visible_comments(&self, issue: u64) -> Vec<FakeComment> {
        self.lock()
            .comments
            .iter()
            .filter(|c| c.issue == Some(issue) && c.minimized.is_none())
            .cloned()
            .collect()
    }

    pub fn comments_of(&self, issue: u64) -> Vec<FakeComment> {
        self.lock()
            .comments
            .iter()
            .filter(|c| c.issue == Some(issue))
            .cloned()
            .collect()
    }

    pub fn commit_comments(&self, sha: &str) -> Vec<FakeComment> {
        self.lock()
            .comments
            .iter()
            .filter(|c| c.commit.as_deref() == Some(sha))
            .cloned()
            .collect()
    }

    pub fn labels_of(&self, issue: u64) -> Vec<String> {
        self.lock()
            .issue_labels
            .get(&issue)
            .cloned()
            .unwrap_or_default()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

fn answer(status: u16, body: Value) -> Response {
    Response {
        status,
        headers: Vec::new(),
        body,
    }
}

fn error(status: u16, message: &str) -> Response {
    answer(
        status,
        json!({ "message": message, "documentation_url": DOCS, "status": status.to_string() }),
    )
}

/// The answer on the wire: JSON with GitHub's media-type header.
fn to_http(response: Response) -> HttpResponse {
    let mut headers = vec![(
        "x-github-media-type".to_string(),
        "github.v3; format=json".to_string(),
    )];
    headers.extend(response.headers);
    HttpResponse {
        status: response.status,
        headers,
        body: if response.body.is_null() {
            String::new()
        } else {
            response.body.to_string()
        },
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn handle(req: &Request, state: &Arc<Mutex<State>>, prefix: &str, port: u16) -> Option<Response> {
    let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
    let (raw_path, raw_query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    // GraphQL lives beside REST: /graphql, or /api/graphql for Enterprise's /api/v3.
    let graphql_path = format!("{}/graphql", prefix.strip_suffix("/v3").unwrap_or(prefix));
    let path = if raw_path == graphql_path {
        "/graphql".to_string()
    } else {
        match raw_path.strip_prefix(prefix) {
            Some(p) if p.starts_with('/') => p.to_string(),
            _ => return Some(error(404, "Not Found")),
        }
    };
    let query: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let body: Option<Value> = if req.body.is_empty() {
        None
    } else {
        match serde_json::from_slice(&req.body) {
            Ok(v) => Some(v),
            Err(_) => return Some(error(400, "Problems parsing JSON")),
        }
    };
    st.requests.push(Recorded {
        method: req.method.clone(),
        path: path.clone(),
        query: query.clone(),
        body: body.clone(),
        authorization: req.headers.get("authorization").cloned(),
    });

    let path = match path.strip_prefix(&format!("/repositories/{REPOSITORY_ID}/")) {
        Some(rest) => format!("/repos/{}/{}/{rest}", st.owner, st.repo),
        None => path,
    };
    let fault = st
        .faults
        .iter_mut()
        .find(|f| f.times > 0 && f.method == req.method && path.contains(&f.path_contains));
    let fault = fault.map(|rule| {
        rule.times -= 1;
        rule.fault.clone()
    });
    if req.method == "POST" && path != "/graphql" {
        st.creations_seen += 1;
        let seen = st.creations_seen;
        if let Some((after, times, refused)) = &mut st.creation_burst
            && seen > *after
            && *refused < *times
        {
            *refused += 1;
            st.creations_refused += 1;
            return fault_response(Fault::SecondaryRateLimit { retry_after: 1 });
        }
    }
    if let Some((max, window)) = st.creation_limit
        && req.method == "POST"
        && path != "/graphql"
    {
        let now = std::time::Instant::now();
        st.created_at.retain(|t| now.duration_since(*t) < window);
        if st.created_at.len() >= max {
            st.creations_refused += 1;
            let oldest = st.created_at[0];
            let wait = window.saturating_sub(now.duration_since(oldest));
            return fault_response(Fault::SecondaryRateLimit {
                retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            });
        }
        st.created_at.push(now);
    }
    let mut after_doing = None;
    let mut hang_after_doing = false;
    match fault {
        Some(Fault::StatusAfterDoing(status)) => after_doing = Some(status),
        Some(Fault::HangAfterDoing) => hang_after_doing = true,
        Some(fault) => return fault_response(fault),
        None => {}
    }

    let token = req
        .headers
        .get("authorization")
        .and_then(|a| {
            a.strip_prefix("Bearer ")
                .or_else(|| a.strip_prefix("token "))
        })
        .unwrap_or("");
    let Some((login, account_type)) = st.tokens.get(token).cloned() else {
        return Some(error(401, "Bad credentials"));
    };
    let mut response = route(
        &mut st,
        &req.method,
        &path,
        &query,
        body,
        &login,
        &account_type,
        prefix,
        port,
    );
    if hang_after_doing {
        return None;
    }
    if let Some(status) = after_doing {
        response = error(status, reason(status));
    }
    response
        .headers
        .push(("x-ratelimit-limit".into(), "5000".into()));
    response
        .headers
        .push(("x-ratelimit-remaining".into(), "4999".into()));
    response
        .headers
        .push(("x-ratelimit-reset".into(), (now() + 3600).to_string()));
    Some(response)
}

fn user_json(login: &str, account_type: &str) -> Value {
    json!({ "login": login, "id": 1, "node_id": "U_1", "type": account_type, "site_admin": false })
}

fn comment_json(c: &FakeComment, owner: &str, repo: &str) -> Value {
    let html_url = match (&c.issue, &c.commit) {
        (Some(n), _) => format!(
            "https://github.com/{owner}/{repo}/pull/{n}#issuecomment-{}",
            c.id
        ),
        (_, Some(sha)) => format!(
            "https://github.com/{owner}/{repo}/commit/{sha}#commitcomment-{}",
            c.id
        ),
        _ => String::new(),
    };
    json!({
        "id": c.id,
        "node_id": c.node_id,
        "url": format!("https://api.github.com/repos/{owner}/{repo}/issues/comments/{}", c.id),
        "html_url": html_url,
        "body": c.body,
        "user": user_json(&c.author, &c.author_type),
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "author_association": "MEMBER",
    })
}

fn label_json(name: &str, color: &str, description: &str) -> Value {
    json!({ "id": 1, "node_id": "LA_1", "url": "", "name": name, "color": color,
            "description": description, "default": false })
}

fn paginate(items: Vec<Value>, query: &[(String, String)], link_base: &str) -> Response {
    let per_page: usize = query
        .iter()
        .find(|(k, _)| k == "per_page")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page: usize = query
        .iter()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let mut r = answer(200, Value::Array(slice));
    let mut links = Vec::new();
    let url = |p: usize| format!("<{link_base}?per_page={per_page}&page={p}>");
    if page < last {
        links.push(format!("{}; rel=\"next\"", url(page + 1)));
        links.push(format!("{}; rel=\"last\"", url(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", url(1)));
        links.push(format!("{}; rel=\"prev\"", url(page - 1)));
    }
    if !links.is_empty() {
        r.headers.push(("link".into(), links.join(", ")));
    }
    r
}

#[allow(clippy::too_many_arguments)]
fn route(
    st: &mut State,
    method: &str,
    path: &str,
    query: &[(String, String)],
    body: Option<Value>,
    login: &str,
    account_type: &str,
    prefix: &str,
    port: u16,
) -> Response {
    let segs: Vec<String> = path.split('/').skip(1).map(percent_decode).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let body_str = |field: &str| {
        body.as_ref()
            .and_then(|b| b.get(field))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if path == "/user" && method == "GET" {
        if account_type == "Bot" {
            return error(403, "Resource not accessible by integration");
        }
        return answer(200, user_json(login, account_type));
    }
    if path == "/graphql" && method == "POST" {
        return graphql(st, body.unwrap_or(Value::Null));
    }
    if segs.len() < 3 || segs[0] != "repos" {
        return error(404, "Not Found");
    }
    if segs[1] != st.owner || segs[2] != st.repo {
        return error(404, "Not Found");
    }
    let (owner, repo) = (st.owner.clone(), st.repo.clone());
    // GitHub's Link headers name the repository by id, not by owner/name.
    let link_base = format!(
        "http://127.0.0.1:{port}{prefix}/repositories/{REPOSITORY_ID}/{}",
        segs[3..].join("/")
    );
    let rest: Vec<&str> = segs[3..].to_vec();
    match (method, rest.as_slice()) {
        ("GET", ["issues", n, "comments"]) => {
            let Ok(n) = n.parse::<u64>() else {
                return error(404, "Not Found");
            };
            if !st.pulls.contains_key(&n) {
                return error(404, "Not Found");
            }
            let items = st
                .comments
                .iter()
                .filter(|c| c.issue == Some(n))
                .map(|c| comment_json(c, &owner, &repo))
                .collect();
            paginate(items, query, &link_base)
        }
        ("POST", ["issues", n, "comments"]) => {
            let Ok(n) = n.parse::<u64>() else {
                return error(404, "Not Found");
            };
            if !st.pulls.contains_key(&n) {
                return error(404, "Not Found");
            }
            if st.locked.contains(&n) {
                return error(403, "Unable to create comment because issue is locked.");
            }
            let Some(text) = body_str("body") else {
                return validation_failed(
                    "IssueComment",
                    "body",
                    "missing_field",
                    "body wasn't supplied",
                );
            };
            if text.chars().count() > 65536 {
                return validation_failed(
                    "IssueComment",
                    "body",
                    "custom",
                    "body is too long (maximum is 65536 characters)",
                );
            }
            st.next_id += 1;
            let id = st.next_id;
            let c = FakeComment {
                id,
                node_id: format!("IC_kw{id}"),
                author: login.into(),
                author_type: account_type.into(),
                body: text,
                issue: Some(n),
                commit: None,
                minimized: None,
            };
            let json = comment_json(&c, &owner, &repo);
            st.comments.push(c);
            answer(201, json)
        }
        ("PATCH", ["issues", "comments", id]) | ("PATCH", ["comments", id]) => {
            let is_issue = rest[0] == "issues";
            let Ok(id) = id.parse::<u64>() else {
                return error(404, "Not Found");
            };
            let Some(text) = body_str("body") else {
                return validation_failed(
                    "IssueComment",
                    "body",
                    "missing_field",
                    "body wasn't supplied",
                );
            };
            if text.chars().count() > 65536 {
                return validation_failed(
                    "IssueComment",
                    "body",
                    "custom",
                    "body is too long (maximum is 65536 characters)",
                );
            }
            let Some(c) = st
                .comments
                .iter_mut()
                .find(|c| c.id == id && c.issue.is_some() == is_issue)
            else {
                return error(404, "Not Found");
            };
            c.body = text;
            let c = c.clone();
            answer(200, comment_json(&c, &owner, &repo))
        }
        ("GET", ["commits", sha, "comments"]) => {
            let items = st
                .comments
                .iter()
                .filter(|c| c.commit.as_deref() == Some(*sha))
                .map(|c| comment_json(c, &owner, &repo))
                .collect();
            paginate(items, query, &link_base)
        }
        ("POST", ["commits", sha, "comments"]) => {
            let Some(text) = body_str("body") else {
                return validation_failed(
                    "CommitComment",
                    "body",
                    "missing_field",
                    "body wasn't supplied",
                );
            };
            if text.chars().count() > 65536 {
                return validation_failed(
                    "CommitComment",
                    "body",
                    "custom",
                    "body is too long (maximum is 65536 characters)",
                );
            }
            st.next_id += 1;
            let id = st.next_id;
            let c = FakeComment {
                id,
                node_id: format!("CC_kw{id}"),
                author: login.into(),
                author_type: account_type.into(),
                body: text,
                issue: None,
                commit: Some(sha.to_string()),
                minimized: None,
            };
            let json = comment_json(&c, &owner, &repo);
            st.comments.push(c);
            answer(201, json)
        }
        ("GET", ["commits", sha, "pulls"]) => {
            let items: Vec<Value> = st
                .pulls
                .iter()
                .filter(|(_, (_, head, merge, _))| head == sha || merge.as_deref() == Some(*sha))
                .map(|(n, (state, head, merge, merged))| {
                    json!({ "number": n, "state": state, "merged_at": if *merged { json!("2026-01-01T00:00:00Z") } else { Value::Null },
                            "merge_commit_sha": merge, "head": { "sha": head, "ref": "feature" }, "base": { "sha": "0000", "ref": "main" } })
                })
                .collect();
            paginate(items, query, &link_base)
        }
        ("GET", ["issues", n, "labels"]) => {
            let Ok(n) = n.parse::<u64>() else {
                return error(404, "Not Found");
            };
            let names = st.issue_labels.get(&n).cloned().unwrap_or_default();
            let items = names
                .iter()
                .map(|l| {
                    let (c, d) = st.repo_labels.get(l).cloned().unwrap_or_default();
                    label_json(l, &c, &d)
                })
                .collect();
            paginate(items, query, &link_base)
        }
        ("POST", ["issues", n, "labels"]) => {
            let Ok(n) = n.parse::<u64>() else {
                return error(404, "Not Found");
            };
            if !st.pulls.contains_key(&n) {
                return error(404, "Not Found");
            }
            let names: Vec<String> = body
                .as_ref()
                .and_then(|b| b.get("labels"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            for name in &names {
                // GitHub creates a label missing from the repository, grey.
                st.repo_labels
                    .entry(name.clone())
                    .or_insert_with(|| ("ededed".into(), String::new()));
                let on = st.issue_labels.entry(n).or_default();
                if !on.contains(name) {
                    on.push(name.clone());
                }
            }
            let on = st.issue_labels.get(&n).cloned().unwrap_or_default();
            let items = on
                .iter()
                .map(|l| {
                    let (c, d) = st.repo_labels.get(l).cloned().unwrap_or_default();
                    label_json(l, &c, &d)
                })
                .collect();
            answer(200, Value::Array(items))
        }
        ("DELETE", ["issues", "comments", id]) | ("DELETE", ["comments", id]) => {
            let is_issue = rest[0] == "issues";
            let Ok(id) = id.parse::<u64>() else {
                return error(404, "Not Found");
            };
            let Some(pos) = st
                .comments
                .iter()
                .position(|c| c.id == id && c.issue.is_some() == is_issue)
            else {
                return error(404, "Not Found");
            };
            st.comments.remove(pos);
            answer(204, Value::Null)
        }
        ("DELETE", ["issues", n, "labels", name]) => {
            let Ok(n) = n.parse::<u64>() else {
                return error(404, "Not Found");
            };
            let on = st.issue_labels.entry(n).or_default();
            let Some(pos) = on.iter().position(|l| l == name) else {
                return error(404, "Label does not exist");
            };
            on.remove(pos);
            let on = on.clone();
            let items = on
                .iter()
                .map(|l| {
                    let (c, d) = st.repo_labels.get(l).cloned().unwrap_or_default();
                    label_json(l, &c, &d)
                })
                .collect();
            answer(200, Value::Array(items))
        }
        ("POST", ["labels"]) => {
            let Some(name) = body_str("name") else {
                return validation_failed("Label", "name", "missing_field", "name wasn't supplied");
            };
            if st.repo_labels.contains_key(&name) {
                return validation_failed("Label", "name", "already_exists", "already_exists");
            }
            let color = body_str("color").unwrap_or_else(|| "ededed".into());
            let description = body_str("description").unwrap_or_default();
            st.repo_labels
                .insert(name.clone(), (color.clone(), description.clone()));
            answer(201, label_json(&name, &color, &description))
        }
        ("PATCH", ["labels", name]) => {
            let Some(entry) = st.repo_labels.get_mut(*name) else {
                return error(404, "Not Found");
            };
            if let Some(c) = body_str("color") {
                entry.0 = c;
            }
            if let Some(d) = body_str("description") {
                entry.1 = d;
            }
            let (c, d) = entry.clone();
            answer(200, label_json(name, &c, &d))
        }
        _ => error(404, "Not Found"),
    }
}

fn validation_failed(resource: &str, field: &str, code: &str, message: &str) -> Response {
    answer(
        422,
        json!({ "message": "Validation Failed", "documentation_url": DOCS, "status": "422",
                "errors": [{ "resource": resource, "field": field, "code": code, "message": message }] }),
    )
}

/// Only what tfpost sends: `minimizeComment` mutations, possibly several under aliases with
/// variables. The classifier must be one of GitHub's `ReportedContentClassifiers`.
fn graphql(st: &mut State, payload: Value) -> Response {
    let query = payload.get("query").and_then(Value::as_str).unwrap_or("");
    let variables = payload.get("variables").cloned().unwrap_or(json!({}));
    let re = regex::Regex::new(
        r"(\w+)\s*:\s*minimizeComment\(\s*input\s*:\s*\{\s*subjectId\s*:\s*\$(\w+)\s*,\s*classifier\s*:\s*(\w+)\s*\}\s*\)",
    )
    .expect("regex");
    let mut data = serde_json::Map::new();
    let mut errors = Vec::new();
    let mut found = 0;
    for cap in re.captures_iter(query) {
        found += 1;
        let alias = &cap[1];
        let var = &cap[2];
        let classifier = &cap[3];
        if ![
            "SPAM",
            "ABUSE",
            "OFF_TOPIC",
            "OUTDATED",
            "DUPLICATE",
            "RESOLVED",
        ]
        .contains(&classifier)
        {
            errors.push(json!({ "message": format!("Argument 'classifier' has an invalid value ({classifier})."), "type": "INVALID" }));
            continue;
        }
        let Some(id) = variables.get(var).and_then(Value::as_str) else {
            errors.push(json!({ "message": format!("Variable ${var} of type ID! was provided invalid value"), "type": "INVALID" }));
            continue;
        };
        match st.comments.iter_mut().find(|c| c.node_id == id) {
            Some(c) => {
                c.minimized = Some(classifier.to_lowercase());
                data.insert(alias.into(), json!({ "minimizedComment": { "isMinimized": true, "minimizedReason": "outdated" } }));
            }
            None => {
                data.insert(alias.into(), Value::Null);
                errors.push(json!({ "type": "NOT_FOUND", "path": [alias], "message": format!("Could not resolve to a node with the global id of '{id}'") }));
            }
        }
    }
    if found == 0 {
        return answer(
            200,
            json!({ "errors": [{ "message": "tfpost fake: unsupported query" }] }),
        );
    }
    if errors.is_empty() {
        answer(200, json!({ "data": data }))
    } else {
        answer(200, json!({ "data": data, "errors": errors }))
    }
}

fn fault_response(fault: Fault) -> Option<Response> {
    match fault {
        Fault::Hang | Fault::StatusAfterDoing(_) | Fault::HangAfterDoing => None,
        Fault::Status(status) => Some(error(status, reason(status))),
        Fault::ValidationFailed(message) => Some(validation_failed(
            "IssueComment",
            "body",
            "custom",
            &message,
        )),
        Fault::SecondaryRateLimit { retry_after } => {
            let mut r = error(
                403,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            );
            r.headers
                .push(("retry-after".into(), retry_after.to_string()));
            Some(r)
        }
        Fault::RateLimitExhausted { in_secs } => {
            let mut r = error(403, "API rate limit exceeded for user ID 1.");
            r.headers.push(("x-ratelimit-limit".into(), "5000".into()));
            r.headers.push(("x-ratelimit-remaining".into(), "0".into()));
            r.headers
                .push(("x-ratelimit-reset".into(), (now() + in_secs).to_string()));
            Some(r)
        }
    }
}

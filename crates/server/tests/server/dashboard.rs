//! The dashboard at `/` of the real `serve --http` binary over real HTTP, as a browser talks to
//! it (cookies, forms, redirects): no session → redirect to the login page (GET) or 401 (POST);
//! a wrong token does not log in; a read session sees every page but cannot run an action
//! (403, file untouched); a POST without or with a wrong CSRF token, or from another origin, is
//! refused (403, file untouched); deploy and rollback through the confirmation forms change
//! the file and back; logout and a revoked token end the session; every page renders for a
//! seeded machine with the security headers, and a canary secret (in the secret store and in a
//! live client file) appears in no page.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;

use crate::http::Server;
use crate::stdio::binary;
use crate::support::Env;

const CANARY: &str = "canary-dash-5e1f0c9a7b";
const IN_FILE: &str = "canary-dash-file-3c8d2e";

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
    fn cookies(&self) -> Vec<String> {
        self.head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }
}

/// A browser of one: a cookie jar and requests with `Connection: close`.
struct Browser {
    addr: String,
    jar: Vec<(String, String)>,
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail.get(size + 2..).unwrap_or_default();
    }
    out
}

impl Browser {
    fn new(server: &Server) -> Self {
        Browser { addr: server.addr.clone(), jar: Vec::new() }
    }

    fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn send(&mut self, method: &str, path: &str, form: &[(&str, &str)], extra: &[(&str, &str)]) -> Reply {
        let body: String =
            form.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if method == "POST" {
            head.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(n, v)| format!("{n}={v}")).collect();
            head.push_str(&format!("Cookie: {}\r\n", cookies.join("; ")));
        }
        for (n, v) in extra {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
        stream.write_all(head.as_bytes()).expect("write");
        stream.write_all(body.as_bytes()).expect("write body");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_owned()
        };
        let reply = Reply { status, head: head.to_owned(), body };
        for cookie in reply.cookies() {
            let pair = cookie.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                self.jar.retain(|(n, _)| n != name);
                if !value.is_empty() && !cookie.contains("Max-Age=0") {
                    self.jar.push((name.to_owned(), value.to_owned()));
                }
            }
        }
        reply
    }

    fn get(&mut self, path: &str) -> Reply {
        self.send("GET", path, &[], &[])
    }

    /// A POST as the dashboard's own page sends it (same origin).
    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let origin = self.origin();
        self.send("POST", path, form, &[("Origin", &origin), ("Sec-Fetch-Site", "same-origin")])
    }

    fn login(&mut self, token: &str) -> Reply {
        let page = self.get("/login");
        assert_eq!(page.status, 200, "{}", page.body);
        let nonce = csrf_of(&page.body);
        self.post("/login", &[("token", token), ("csrf", &nonce), ("next", "/")])
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CSRF token of the first form of a page.
fn csrf_of(body: &str) -> String {
    let at = body.find("name=\"csrf\" value=\"").expect("a form with a csrf field");
    body[at + 19..].chars().take_while(|c| *c != '"').collect()
}

/// Runs the CLI in the test machine; (exit code, stdout, stderr).
fn cli(env: &Env, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = env
        .test
        .std_command(binary().to_str().expect("utf-8"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the CLI");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn token(env: &Env, name: &str, scope: &str) -> String {
    let (code, out, err) = cli(env, &["tokens", "create", "--name", name, "--scope", scope], "");
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

struct Seeded {
    env: Env,
    server: Server,
    read: String,
    write: String,
    cursor: std::path::PathBuf,
    claude: std::path::PathBuf,
}

/// Two clients deployed from one profile that references the canary secret; Claude Desktop's
/// file holds it in clear (and a literal secret of the user's own), Cursor's file was edited
/// by hand afterwards (diverged). A running server; read and write tokens.
fn seeded() -> Seeded {
    let env = Env::new();
    assert_eq!(cli(&env, &["secrets", "set", "CANARY_TOKEN"], CANARY).0, 0);
    let doc = json!({"mcpServers": {
        "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                   "env": {"GITHUB_TOKEN": "${secret:CANARY_TOKEN}"}}}});
    let doc_file = env.root().join("doc.json");
    std::fs::write(&doc_file, doc.to_string()).expect("doc");
    let cursor = env.root().join(".cursor/mcp.json");
    let claude = env.root().join(".config/Claude/claude_desktop_config.json");
    std::fs::create_dir_all(claude.parent().expect("dir")).expect("mkdir");
    std::fs::write(
        &claude,
        json!({"mcpServers": {"mine": {"command": "my-server", "env": {"API_KEY": IN_FILE}}}}).to_string(),
    )
    .expect("claude file");
    for client in ["cursor", "claude-desktop"] {
        let (code, _, err) =
            cli(&env, &["publish", client, "--profile", "default", "--file", doc_file.to_str().expect("utf-8")], "");
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = cli(&env, &["deploy", client, "--profile", "default", "--create"], "");
        assert_eq!(code, 0, "{err}");
    }
    assert!(std::fs::read_to_string(&claude).expect("read").contains(CANARY), "the canary is in a live file");
    let mut live: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cursor).expect("read")).expect("json");
    live["mcpServers"]["files"]["args"][2] = json!("/home");
    std::fs::write(&cursor, serde_json::to_string_pretty(&live).expect("json")).expect("diverge");
    let read = token(&env, "reader", "read");
    let write = token(&env, "writer", "write");
    let server = Server::start(&env, &[]);
    Seeded { env, server, read, write, cursor, claude }
}

fn cursor_page(s: &Seeded) -> String {
    format!("/clients/cursor?file={}", encode(s.cursor.to_str().expect("utf-8")))
}

#[test]
fn without_a_session_pages_redirect_to_the_login_and_posts_get_401() {
    let s = seeded();
    let mut browser = Browser::new(&s.server);
    for path in ["/", "/clients/cursor", "/profiles", "/catalog", "/events"] {
        let reply = browser.get(path);
        assert_eq!(reply.status, 303, "{path}: {}", reply.body);
        let location = reply.header("location").expect("location");
        assert!(location.starts_with("/login?next=%2F"), "{path} → {location}");
    }
    let file = s.cursor.to_str().expect("utf-8");
    let reply = browser.post("/clients/cursor/deploy", &[("file", file), ("profile", "default"), ("csrf", "x")]);
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert!(reply.body.contains("log in first"), "{}", reply.body);
    // A bearer token is not a session: the dashboard takes none.
    let reply = browser.send("GET", "/", &[], &[("Authorization", &format!("Bearer {}", s.write))]);
    assert_eq!(reply.status, 303);
}

#[test]
fn a_wrong_token_does_not_log_in() {
    let s = seeded();
    let mut browser = Browser::new(&s.server);
    let reply = browser.login("mcpo_not-a-token");
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert!(reply.body.contains("that token is not accepted"), "{}", reply.body);
    assert!(!browser.jar.iter().any(|(n, _)| n == "mcpo_session"), "no session cookie: {:?}", browser.jar);
    assert_eq!(browser.get("/").status, 303);
}

#[test]
fn the_login_form_needs_its_check_token_and_its_own_origin() {
    let s = seeded();
    let mut browser = Browser::new(&s.server);
    browser.get("/login");
    let reply = browser.post("/login", &[("token", &s.write), ("csrf", "0000"), ("next", "/")]);
    assert_eq!(reply.status, 403, "{}", reply.body);
    let page = browser.get("/login");
    let nonce = csrf_of(&page.body);
    let reply =
        browser.send("POST", "/login", &[("token", &s.write), ("csrf", &nonce)], &[("Origin", "https://evil.example")]);
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(!browser.jar.iter().any(|(n, _)| n == "mcpo_session"));
}

#[test]
fn the_session_cookie_is_http_only_and_same_site_strict() {
    let s = seeded();
    let mut browser = Browser::new(&s.server);
    let reply = browser.login(&s.write);
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.header("location").as_deref(), Some("/"));
    let cookie = reply.cookies().into_iter().find(|c| c.starts_with("mcpo_session=")).expect("session cookie");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains(&s.write), "the cookie is a session id, not the token: {cookie}");
}

#[test]
fn a_read_session_sees_every_page_but_cannot_run_an_action() {
    let s = seeded();
    let before = std::fs::read(&s.cursor).expect("read");
    let mut browser = Browser::new(&s.server);
    assert_eq!(browser.login(&s.read).status, 303);
    let page = browser.get(&cursor_page(&s));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Log in with a write token"), "{}", page.body);
    assert!(!page.body.contains("Deploy…"), "no action link for a read session");
    let csrf = csrf_of(&page.body);
    let confirm = browser.get(&format!("/clients/cursor/deploy?file={}", encode(s.cursor.to_str().expect("utf-8"))));
    assert_eq!(confirm.status, 403, "{}", confirm.body);
    let file = s.cursor.to_str().expect("utf-8");
    for (path, form) in [
        ("/clients/cursor/deploy", vec![("file", file), ("profile", "default"), ("csrf", csrf.as_str())]),
        ("/clients/cursor/rollback", vec![("file", file), ("csrf", csrf.as_str())]),
        ("/sync", vec![("profile", "default"), ("csrf", csrf.as_str())]),
        (
            "/catalog/add",
            vec![
                ("subject", "cursor"),
                ("profile", "default"),
                ("name", "fetch"),
                ("server", "fetch"),
                ("csrf", csrf.as_str()),
            ],
        ),
    ] {
        let reply = browser.post(path, &form);
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
        assert!(reply.body.contains("read scope"), "{}", reply.body);
    }
    assert_eq!(std::fs::read(&s.cursor).expect("read"), before, "nothing was written");
}

#[test]
fn a_post_without_or_with_a_wrong_csrf_token_is_403() {
    let s = seeded();
    let before = std::fs::read(&s.cursor).expect("read");
    let mut browser = Browser::new(&s.server);
    assert_eq!(browser.login(&s.write).status, 303);
    let file = s.cursor.to_str().expect("utf-8");
    let reply = browser.post("/clients/cursor/deploy", &[("file", file), ("profile", "default")]);
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(reply.body.contains("CSRF token"), "{}", reply.body);
    let wrong = "0".repeat(64);
    let reply = browser.post("/clients/cursor/deploy", &[("file", file), ("profile", "default"), ("csrf", &wrong)]);
    assert_eq!(reply.status, 403, "{}", reply.body);
    // Another session's token is a wrong one too.
    let mut other = Browser::new(&s.server);
    assert_eq!(other.login(&s.write).status, 303);
    let theirs = csrf_of(&other.get("/").body);
    let reply = browser.post("/clients/cursor/deploy", &[("file", file), ("profile", "default"), ("csrf", &theirs)]);
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(std::fs::read(&s.cursor).expect("read"), before, "nothing was written");
}

#[test]
fn a_cross_site_post_is_403_even_with_the_right_csrf_token() {
    let s = seeded();
    let before = std::fs::read(&s.cursor).expect("read");
    let mut browser = Browser::new(&s.server);
    assert_eq!(browser.login(&s.write).status, 303);
    let csrf = csrf_of(&browser.get("/").body);
    let file = s.cursor.to_str().expect("utf-8");
    let form = [("file", file), ("profile", "default"), ("csrf", csrf.as_str())];
    // Another site; another local site on another port (same site for SameSite, other origin).
    for origin in ["https://evil.example".to_owned(), "http://localhost:1".to_owned(), "null".to_owned()] {
        let reply = browser.send("POST", "/clients/cursor/deploy", &form, &[("Origin", &origin)]);
        assert_eq!(reply.status, 403, "{origin}: {}", reply.body);
    }
    let reply = browser.send("POST", "/clients/cursor/deploy", &form, &[("Sec-Fetch-Site", "cross-site")]);
    assert_eq!(reply.status, 403, "{}", reply.body);
    let reply = browser.send("POST", "/clients/cursor/deploy", &form, &[("Sec-Fetch-Site", "same-site")]);
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(std::fs::read(&s.cursor).expect("read"), before, "nothing was written");
}

#[test]
fn deploy_and_rollback_through_the_confirmation_pages() {
    let s = seeded();
    let diverged = std::fs::read_to_string(&s.cursor).expect("read");
    let mut browser = Browser::new(&s.server);
    assert_eq!(browser.login(&s.write).status, 303);
    let overview = browser.get("/");
    assert!(overview.body.contains(r#"data-client="cursor""#) && overview.body.contains(r#"data-status="diverged""#));
    let page = browser.get(&cursor_page(&s));
    assert!(page.body.contains(r#"<span class="badge bad" data-status="diverged">"#), "{}", page.body);
    assert!(page.body.contains("/home") && page.body.contains("/tmp"), "the change is shown: {}", page.body);
    let file = encode(s.cursor.to_str().expect("utf-8"));
    let confirm = browser.get(&format!("/clients/cursor/deploy?file={file}&profile=default"));
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains("Dry run") && confirm.body.contains(r#"class="d-del""#), "{}", confirm.body);
    assert_eq!(std::fs::read_to_string(&s.cursor).expect("read"), diverged, "the dry run wrote nothing");
    let csrf = csrf_of(&confirm.body);
    let path = s.cursor.to_str().expect("utf-8");
    let reply = browser.post("/clients/cursor/deploy", &[("csrf", &csrf), ("file", path), ("profile", "default")]);
    assert_eq!(reply.status, 303, "{}", reply.body);
    let location = reply.header("location").expect("location");
    assert!(location.ends_with("&done=deployed"), "{location}");
    let deployed = std::fs::read_to_string(&s.cursor).expect("read");
    assert_ne!(deployed, diverged);
    assert!(deployed.contains("/tmp") && !deployed.contains("\"/home\""), "{deployed}");
    let page = browser.get(&location);
    assert!(page.body.contains(r#"data-status="up-to-date""#) && page.body.contains("Deployed:"), "{}", page.body);
    let confirm = browser.get(&format!("/clients/cursor/rollback?file={file}"));
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    let csrf = csrf_of(&confirm.body);
    let reply = browser.post("/clients/cursor/rollback", &[("csrf", &csrf), ("file", path)]);
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(std::fs::read_to_string(&s.cursor).expect("read"), diverged, "the file is back");
    let page = browser.get(&cursor_page(&s));
    assert!(page.body.contains(r#"<span class="badge bad" data-status="diverged">"#));
}

#[test]
fn a_file_that_is_not_a_detected_client_file_is_404() {
    let s = seeded();
    let mut browser = Browser::new(&s.server);
    assert_eq!(browser.login(&s.write).status, 303);
    let reply = browser.get("/clients/cursor?file=%2Fetc%2Fpasswd");
    assert_eq!(reply.status, 404, "{}", reply.body);
    assert!(reply.body.contains("no config file of client"), "{}", reply.body);
    let csrf = csrf_of(&browser.get("/").body);
    let reply =
        browser.post("/clients/cursor/deploy", &[("csrf", &csrf), ("file", "/etc/passwd"), ("profile", "default")]);
    assert_eq!(reply.status, 404, "{}", reply.body);
}

#[test]
fn logout_and_a_revoked_token_end_the_session() {
    let s = seeded();
    let mut browser = Browser::new(&s.server);
    assert_eq!(browser.login(&s.write).status, 303);
    let csrf = csrf_of(&browser.get("/").body);
    let reply = browser.post("/logout", &[("csrf", &csrf)]);
    assert_eq!(reply.status, 303);
    assert_eq!(browser.get("/").status, 303, "logged out");
    let mut reader = Browser::new(&s.server);
    assert_eq!(reader.login(&s.read).status, 303);
    assert_eq!(reader.get("/").status, 200);
    let (code, _, err) = cli(&s.env, &["tokens", "revoke", "reader"], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(reader.get("/").status, 303, "a revoked token's session ends");
}

#[test]
fn every_page_renders_with_the_security_headers_and_no_canary() {
    let s = seeded();
    // A draft to publish, and an event log with the operations above.
    assert_eq!(cli(&s.env, &["draft", "add-server", "cursor", "--profile", "default", "fetch"], "").0, 0);
    let mut browser = Browser::new(&s.server);
    let login = browser.get("/login");
    assert!(!login.body.contains(CANARY));
    assert_eq!(browser.login(&s.write).status, 303);
    let cursor = encode(s.cursor.to_str().expect("utf-8"));
    let claude = encode(s.claude.to_str().expect("utf-8"));
    let pages: Vec<(String, &str)> = vec![
        ("/".into(), r#"data-client="claude-desktop""#),
        (format!("/clients/cursor?file={cursor}"), "What a deploy would write"),
        (format!("/clients/claude-desktop?file={claude}"), "up-to-date"),
        (format!("/clients/cursor/deploy?file={cursor}&profile=default"), "Dry run"),
        (format!("/clients/cursor/rollback?file={cursor}"), "Roll back"),
        ("/sync?profile=default".into(), "would change"),
        ("/profiles".into(), "default"),
        ("/profiles/cursor/default".into(), "Signed history"),
        ("/profiles/cursor/default/publish".into(), "Publish"),
        ("/catalog".into(), "github"),
        ("/catalog?q=git".into(), "matching"),
        ("/events".into(), "config_deploy"),
        ("/assets/dashboard.css".into(), "prefers-color-scheme"),
        ("/assets/dashboard.js".into(), "data-view"),
    ];
    for (path, expected) in &pages {
        let reply = browser.get(path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert!(reply.body.contains(expected), "{path} lacks {expected:?}: {}", reply.body);
        for canary in [CANARY, IN_FILE] {
            assert!(!reply.body.contains(canary) && !reply.head.contains(canary), "{path} shows {canary}");
        }
        let csp = reply.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(reply.header("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
        assert_eq!(reply.header("x-frame-options").as_deref(), Some("DENY"), "{path}");
        if !path.starts_with("/assets") {
            assert!(
                !reply.body.contains("<script>") && !reply.body.contains(" style="),
                "{path}: inline script or style"
            );
        }
    }
    // The draft is published from its confirmation page.
    let confirm = browser.get("/profiles/cursor/default/publish");
    let csrf = csrf_of(&confirm.body);
    let reply = browser.post("/profiles/cursor/default/publish", &[("csrf", &csrf), ("note", "from the dashboard")]);
    assert_eq!(reply.status, 303, "{}", reply.body);
    let location = reply.header("location").expect("location");
    assert_eq!(location, "/profiles/cursor/default?done=published");
    let history = browser.get(&location);
    assert!(history.body.contains(r#"data-version="2""#) && history.body.contains("Published:"), "{}", history.body);
    assert!(!history.body.contains(CANARY));
}

#[test]
fn add_from_the_catalog_publishes_the_next_version_and_sync_writes_every_file() {
    let s = seeded();
    let mut browser = Browser::new(&s.server);
    assert_eq!(browser.login(&s.write).status, 303);
    let catalog = browser.get("/catalog?q=fetch");
    assert_eq!(catalog.status, 200);
    assert!(catalog.body.contains(r#"data-server="fetch""#), "{}", catalog.body);
    let csrf = csrf_of(&catalog.body);
    let reply = browser.post(
        "/catalog/add",
        &[("csrf", &csrf), ("server", "fetch"), ("subject", "cursor"), ("profile", "default"), ("name", "fetch")],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.header("location").as_deref(), Some("/profiles/cursor/default?done=added"));
    let (code, out, err) = cli(&s.env, &["get", "cursor", "--profile", "default", "--json"], "");
    assert_eq!(code, 0, "{err}");
    let head: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(head["version"], json!(2), "{head}");
    assert!(head["payload"]["mcpServers"]["fetch"].is_object(), "{head}");
    // An unknown catalog server is refused with the core's message, nothing published.
    let reply = browser.post(
        "/catalog/add",
        &[("csrf", &csrf), ("server", "no-such-server"), ("subject", "cursor"), ("profile", "default"), ("name", "x")],
    );
    assert_eq!(reply.status, 404, "{}", reply.body);
    // Sync: the dry run names both files, then both get the new version.
    let confirm = browser.get("/sync?profile=default");
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains(".cursor/mcp.json") && confirm.body.contains("claude_desktop_config.json"));
    assert!(!std::fs::read_to_string(&s.cursor).expect("read").contains("\"fetch\""), "the dry run wrote nothing");
    let claude_before = std::fs::read(&s.claude).expect("read");
    let reply = browser.post("/sync", &[("csrf", &csrf_of(&confirm.body)), ("profile", "default")]);
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.header("location").as_deref(), Some("/?done=synced"));
    // Each client got its own `default`: Cursor's new version, Claude Desktop's unchanged one.
    assert!(std::fs::read_to_string(&s.cursor).expect("read").contains("\"fetch\""), "Cursor synced");
    assert_eq!(std::fs::read(&s.claude).expect("read"), claude_before, "Claude Desktop was up to date");
    let overview = browser.get("/?done=synced");
    assert!(
        overview.body.contains("Synced:") && !overview.body.contains(r#"data-status="diverged""#),
        "{}",
        overview.body
    );
}

#[test]
fn wrong_tokens_at_the_login_are_rate_limited() {
    let s = seeded();
    let mut browser = Browser::new(&s.server);
    let mut limited = None;
    for attempt in 0..30 {
        let reply = browser.login("mcpo_wrong");
        if reply.status == 429 {
            limited = Some((attempt, reply));
            break;
        }
        assert_eq!(reply.status, 401, "{}", reply.body);
    }
    let (attempt, reply) = limited.expect("no 429 after 30 wrong tokens");
    assert!(attempt >= 10, "limited after {attempt} attempts");
    assert!(reply.header("retry-after").is_some(), "{}", reply.head);
    assert!(reply.body.contains("too many wrong tokens"), "{}", reply.body);
    // A valid token still logs in from the same address.
    assert_eq!(browser.login(&s.write).status, 303);
}

#[test]
fn with_no_auth_the_login_needs_no_token() {
    let env = Env::new();
    let server = Server::start(&env, &["--no-auth"]);
    let mut browser = Browser::new(&server);
    let page = browser.get("/login");
    assert!(page.body.contains("--no-auth"), "{}", page.body);
    assert_eq!(browser.login("").status, 303);
    let overview = browser.get("/");
    assert_eq!(overview.status, 200, "{}", overview.body);
    assert!(overview.body.contains("write token"), "a --no-auth session may act: {}", overview.body);
}

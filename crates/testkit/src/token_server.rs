//! The token server of a test registry (distribution's `auth: token`): the registry answers an
//! unauthenticated request with `401` and `WWW-Authenticate: Bearer realm=…,service=…,scope=…`;
//! the client asks the realm (this server, on 127.0.0.1) for a token with its basic
//! credentials, and presents the token to the registry. Tokens are ES256 JWTs signed with
//! `jsonwebtoken` by a key whose self-signed certificate (made by `openssl`) is the registry's
//! `rootcertbundle` and rides in each token's `x5c` header. Only [`REGISTRY_USER`] /
//! [`REGISTRY_PASSWORD`] get a token; every request is counted. Stopped when dropped.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::registry::{REGISTRY_PASSWORD, REGISTRY_USER};

/// The `service` the registry names and the tokens' audience.
pub const SERVICE: &str = "mcp-orchestration-test-registry";
/// The tokens' issuer.
pub const ISSUER: &str = "mcp-orchestration-test-token-issuer";

struct Signer {
    key: EncodingKey,
    /// The signing certificate, base64 DER (the `x5c` header).
    certificate: String,
    /// Requests answered with a token, and refused.
    issued: AtomicUsize,
    refused: AtomicUsize,
}

/// A running token server.
pub struct TokenServer {
    port: u16,
    bundle: PathBuf,
    signer: Arc<Signer>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TokenServer {
    /// Makes a signing key and certificate in `dir` and starts serving `/token`.
    pub fn start(dir: &Path) -> TokenServer {
        let out = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"])
            .args(["-keyout", "token.key", "-out", "token.pem", "-days", "2", "-subj", "/CN=test token signer"])
            .current_dir(dir)
            .output()
            .expect("openssl (run scripts/install-test-deps.sh)");
        assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr));
        let key = std::fs::read(dir.join("token.key")).expect("token key");
        let pem = std::fs::read_to_string(dir.join("token.pem")).expect("token cert");
        // A PEM body is the base64 of the DER bytes.
        let certificate: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(base64::engine::general_purpose::STANDARD.decode(&certificate).is_ok(), "certificate PEM");
        let signer = Arc::new(Signer {
            key: EncodingKey::from_ec_pem(&key).expect("an EC key in PEM"),
            certificate,
            issued: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
        });
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let app = axum::Router::new().route("/token", axum::routing::get(token)).with_state(signer.clone());
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            let _ = axum::serve(listener, app).await;
        });
        TokenServer { port, bundle: dir.join("token.pem"), signer, runtime: Some(runtime) }
    }

    /// The realm URL the registry names.
    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }

    /// The certificate bundle the registry trusts tokens by.
    pub fn bundle(&self) -> &Path {
        &self.bundle
    }

    /// Tokens issued so far.
    pub fn issued(&self) -> usize {
        self.signer.issued.load(Ordering::SeqCst)
    }

    /// Token requests refused so far (absent or wrong credentials).
    pub fn refused(&self) -> usize {
        self.signer.refused.load(Ordering::SeqCst)
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Whether the request carries the test user's basic credentials.
fn authorized(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
    let Some(encoded) = value.strip_prefix("Basic ") else { return false };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else { return false };
    decoded == format!("{REGISTRY_USER}:{REGISTRY_PASSWORD}").as_bytes()
}

/// `GET /token?service=…&scope=repository:NAME:ACTIONS` (scope repeatable).
async fn token(
    State(signer): State<Arc<Signer>>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if !authorized(&headers) {
        signer.refused.fetch_add(1, Ordering::SeqCst);
        let body = json!({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]});
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Basic realm=\"token\"")], axum::Json(body))
            .into_response();
    }
    let access: Vec<serde_json::Value> = query
        .iter()
        .filter(|(k, _)| k == "scope")
        .filter_map(|(_, scope)| {
            let mut parts = scope.splitn(3, ':');
            let (kind, name, actions) = (parts.next()?, parts.next()?, parts.next()?);
            Some(json!({"type": kind, "name": name, "actions": actions.split(',').collect::<Vec<_>>()}))
        })
        .collect();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let claims = json!({
        "iss": ISSUER,
        "sub": REGISTRY_USER,
        "aud": SERVICE,
        "exp": now + 300,
        "nbf": now - 10,
        "iat": now,
        "jti": format!("{now}-{}", signer.issued.load(Ordering::SeqCst)),
        "access": access,
    });
    let mut header = Header::new(Algorithm::ES256);
    header.x5c = Some(vec![signer.certificate.clone()]);
    let jwt = jsonwebtoken::encode(&header, &claims, &signer.key).expect("sign the token");
    signer.issued.fetch_add(1, Ordering::SeqCst);
    axum::Json(json!({"token": jwt, "access_token": jwt, "expires_in": 300})).into_response()
}

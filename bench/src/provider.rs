//! A fast OpenID provider on loopback that approves every sign-in at once, so a load run
//! measures the app and not a login form. It still does what a real provider does with each
//! request: checks the client, the redirect URI and PKCE (S256), signs ID tokens with RS256
//! and the sign-in's nonce, and answers userinfo only for the access tokens it issued.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ring::{rand::SystemRandom, signature::RsaKeyPair};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "bench-client";
pub const CLIENT_SECRET: &str = "bench-client-secret-value";
const KEY_ID: &str = "bench-key-1";
/// Codes and access tokens are good for this long, as at real providers.
const CODE_LIFETIME: Duration = Duration::from_secs(60);
const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(300);
/// Expired codes and tokens are swept at most this often.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// The test-only RSA key of server/tests/fixtures (PKCS #1); it protects nothing.
const SIGNING_KEY_PEM: &str = include_str!("../../server/tests/fixtures/test-signing-key.pem");

pub struct FastProvider {
    issuer: String,
    server: tokio::task::JoinHandle<()>,
}

struct ProviderState {
    issuer: String,
    key: RsaKeyPair,
    rng: SystemRandom,
    jwks: Value,
    codes: Mutex<Expiring<PendingCode>>,
    access_tokens: Mutex<Expiring<Person>>,
    shape: ProfileShape,
}

/// Where the provider puts the person's profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileShape {
    /// Name and email in the ID token, the username only at userinfo, no `claims_supported`:
    /// the server asks userinfo.
    UserinfoNeeded,
    /// As Google: every claim it has (no username) in the ID token, listed in
    /// `claims_supported`: the server need not ask userinfo.
    CompleteIdToken,
}

/// Entries that live for `lifetime` after they were added.
struct Expiring<V> {
    entries: HashMap<String, (V, Instant)>,
    lifetime: Duration,
    last_sweep: Instant,
}

impl<V> Expiring<V> {
    fn new(lifetime: Duration) -> Mutex<Self> {
        Mutex::new(Self {
            entries: HashMap::new(),
            lifetime,
            last_sweep: Instant::now(),
        })
    }

    fn insert(&mut self, key: String, value: V) {
        if self.last_sweep.elapsed() > SWEEP_EVERY {
            let lifetime = self.lifetime;
            self.entries.retain(|_, (_, added)| added.elapsed() < lifetime);
            self.last_sweep = Instant::now();
        }
        self.entries.insert(key, (value, Instant::now()));
    }

    fn take(&mut self, key: &str) -> Option<V> {
        let (value, added) = self.entries.remove(key)?;
        (added.elapsed() < self.lifetime).then_some(value)
    }

    fn get(&self, key: &str) -> Option<&V> {
        let (value, added) = self.entries.get(key)?;
        (added.elapsed() < self.lifetime).then_some(value)
    }
}

struct PendingCode {
    redirect_uri: String,
    nonce: Option<String>,
    code_challenge: String,
    person: Person,
}

#[derive(Clone)]
struct Person {
    subject: String,
}

impl FastProvider {
    /// Listens on a free port of 127.0.0.1; the profile needs userinfo.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_shaped(ProfileShape::UserinfoNeeded).await
    }

    /// Listens on a free port of 127.0.0.1, putting the profile where `shape` says.
    pub async fn start_shaped(shape: ProfileShape) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address: SocketAddr = listener.local_addr()?;
        let issuer = format!("http://{address}");
        let key = RsaKeyPair::from_der(&pem_body(SIGNING_KEY_PEM)).expect("the fixture key is PKCS #1 RSA");
        let key_set = json!({ "keys": [public_jwk(&key)] });
        let state = Arc::new(ProviderState {
            issuer: issuer.clone(),
            key,
            rng: SystemRandom::new(),
            jwks: key_set,
            codes: Expiring::new(CODE_LIFETIME),
            access_tokens: Expiring::new(ACCESS_TOKEN_LIFETIME),
            shape,
        });
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(state);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { issuer, server })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// An AUTH_CONFIG entry for the app, with provider id `id`.
    pub fn auth_config(&self, id: &str) -> String {
        format!(
            "[[provider]]\nid = \"{id}\"\nname = \"Load Test ID\"\nissuer = \"{}\"\n\
             client_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\n",
            self.issuer
        )
    }
}

impl Drop for FastProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn pem_body(pem: &str) -> Vec<u8> {
    let base64: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(base64)
        .expect("the fixture key is PEM")
}

fn public_jwk(key: &RsaKeyPair) -> Value {
    let public = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(key.public());
    json!({
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": KEY_ID,
        "n": URL_SAFE_NO_PAD.encode(&public.n),
        "e": URL_SAFE_NO_PAD.encode(&public.e),
    })
}

fn random_token(state: &ProviderState) -> String {
    let bytes: [u8; 32] = ring::rand::generate(&state.rng)
        .expect("the system RNG works")
        .expose();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn discovery(State(state): State<Arc<ProviderState>>) -> Json<Value> {
    let issuer = &state.issuer;
    let mut document = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "authorization_response_iss_parameter_supported": true,
        "scopes_supported": ["openid", "email", "profile"],
    });
    if state.shape == ProfileShape::CompleteIdToken {
        document["claims_supported"] = json!([
            "aud",
            "email",
            "email_verified",
            "exp",
            "iat",
            "iss",
            "name",
            "picture",
            "sub"
        ]);
    }
    Json(document)
}

async fn jwks(State(state): State<Arc<ProviderState>>) -> Json<Value> {
    Json(state.jwks.clone())
}

#[derive(Deserialize)]
struct AuthorizationRequest {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: Option<String>,
    code_challenge: String,
    code_challenge_method: String,
    /// Who signs in; a load run names its simulated people this way.
    login_hint: Option<String>,
}

fn refuse(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

/// Approves at once and sends the browser back with a code, the state and `iss` (RFC 9207).
async fn authorize(
    State(state): State<Arc<ProviderState>>,
    Query(request): Query<AuthorizationRequest>,
) -> Response {
    if request.response_type != "code" || request.client_id != CLIENT_ID {
        return refuse(StatusCode::BAD_REQUEST, "unauthorized_client");
    }
    if request.code_challenge_method != "S256" || request.code_challenge.len() != 43 {
        return refuse(StatusCode::BAD_REQUEST, "invalid_request");
    }
    let subject = match request.login_hint {
        Some(login) if is_plain_login(&login) => login,
        Some(_) => return refuse(StatusCode::BAD_REQUEST, "invalid_request"),
        None => random_token(&state),
    };
    let Ok(mut callback) = url::Url::parse(&request.redirect_uri) else {
        return refuse(StatusCode::BAD_REQUEST, "invalid_request");
    };
    let code = random_token(&state);
    callback
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &request.state)
        .append_pair("iss", &state.issuer);
    let pending = PendingCode {
        redirect_uri: request.redirect_uri,
        nonce: request.nonce,
        code_challenge: request.code_challenge,
        person: Person { subject },
    };
    state
        .codes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(code, pending);
    Redirect::to(callback.as_str()).into_response()
}

fn is_plain_login(login: &str) -> bool {
    (1..=64).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: String,
    code: String,
    redirect_uri: String,
    code_verifier: String,
}

/// The code exchange: client authentication (HTTP Basic), single-use code, same redirect URI,
/// S256(verifier) equal to the challenge; then a signed ID token and an access token.
async fn token(
    State(state): State<Arc<ProviderState>>,
    headers: HeaderMap,
    Form(request): Form<TokenRequest>,
) -> Response {
    if !client_authenticated(&headers) {
        return refuse(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if request.grant_type != "authorization_code" {
        return refuse(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let pending = state
        .codes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take(&request.code);
    let Some(pending) = pending else {
        return refuse(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(request.code_verifier.as_bytes()));
    if pending.redirect_uri != request.redirect_uri || challenge != pending.code_challenge {
        return refuse(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let Some(id_token) = sign_id_token(&state, &pending) else {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "server_error");
    };
    let access_token = random_token(&state);
    state
        .access_tokens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(access_token.clone(), pending.person);
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME.as_secs(),
            "id_token": id_token,
            "scope": "openid email profile",
        })),
    )
        .into_response()
}

/// RFC 6749 2.3.1: Basic with the form-encoded id and secret (ours need no encoding).
fn client_authenticated(headers: &HeaderMap) -> bool {
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .is_some_and(|credentials| credentials == expected)
}

fn sign_id_token(state: &ProviderState, pending: &PendingCode) -> Option<String> {
    let now = unix_now();
    let subject = &pending.person.subject;
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": KEY_ID });
    let mut claims = json!({
        "iss": state.issuer,
        "sub": subject,
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "nonce": pending.nonce,
        "name": format!("Load User {subject}"),
        "email": format!("{subject}@load.example"),
        "email_verified": true,
    });
    if state.shape == ProfileShape::CompleteIdToken {
        claims["picture"] = json!(format!("https://avatars.load.example/{subject}"));
    }
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).ok()?),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).ok()?)
    );
    let mut signature = vec![0; state.key.public().modulus_len()];
    state
        .key
        .sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &state.rng,
            signing_input.as_bytes(),
            &mut signature,
        )
        .ok()?;
    Some(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

async fn userinfo(State(state): State<Arc<ProviderState>>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let person = token.and_then(|token| {
        let tokens = state.access_tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.get(token).cloned()
    });
    let Some(Person { subject }) = person else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        )
            .into_response();
    };
    Json(json!({
        "sub": subject,
        "name": format!("Load User {subject}"),
        "preferred_username": subject,
        "email": format!("{subject}@load.example"),
        "email_verified": true,
    }))
    .into_response()
}

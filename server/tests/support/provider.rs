use chrono::{Duration, Utc};
use openidconnect::{
    Audience, EmptyAdditionalClaims, EndUserEmail, EndUserName, IssuerUrl, JsonWebKeyId, Nonce,
    PrivateSigningKey, StandardClaims, SubjectIdentifier,
    core::{
        CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey,
    },
};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

pub const CLIENT_ID: &str = "test-client";
pub const CLIENT_SECRET: &str = "test-client-secret-value";
pub const SUBJECT: &str = "248289761001";

/// An OpenID provider on loopback whose answers the test chooses.
pub struct StandInProvider {
    pub server: MockServer,
    key: CoreRsaPrivateSigningKey,
}

/// What to put in the ID token; the defaults make a valid one.
pub struct IdTokenSpec {
    pub nonce: String,
    pub subject: String,
    pub audience: String,
    pub issued_minutes_ago: i64,
}

impl StandInProvider {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let pem = include_str!("../fixtures/test-signing-key.pem");
        let key = CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new("test-key-1".into())))
            .expect("the fixture key parses");
        let provider = Self { server, key };
        provider.serve_discovery().await;
        provider
    }

    pub fn issuer(&self) -> String {
        self.server.uri()
    }

    async fn serve_discovery(&self) {
        let issuer = self.issuer();
        let document = json!({
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
        });
        Mock::given(method("GET"))
            .and(path("/.well-known/openid-configuration"))
            .respond_with(ResponseTemplate::new(200).set_body_json(document))
            .mount(&self.server)
            .await;
        let jwks = CoreJsonWebKeySet::new(vec![self.key.as_verification_key()]);
        Mock::given(method("GET"))
            .and(path("/jwks"))
            .respond_with(ResponseTemplate::new(200).set_body_json(jwks))
            .mount(&self.server)
            .await;
    }

    pub fn valid_id_token(&self, nonce: &str) -> IdTokenSpec {
        IdTokenSpec {
            nonce: nonce.to_owned(),
            subject: SUBJECT.to_owned(),
            audience: CLIENT_ID.to_owned(),
            issued_minutes_ago: 0,
        }
    }

    pub fn sign(&self, spec: &IdTokenSpec) -> String {
        let issued = Utc::now() - Duration::minutes(spec.issued_minutes_ago);
        let claims = CoreIdTokenClaims::new(
            IssuerUrl::new(self.issuer()).unwrap(),
            vec![Audience::new(spec.audience.clone())],
            issued + Duration::minutes(5),
            issued,
            StandardClaims::new(SubjectIdentifier::new(spec.subject.clone()))
                .set_email(Some(EndUserEmail::new("ada@example.com".into())))
                .set_email_verified(Some(true))
                .set_name(Some(EndUserName::new("Ada Lovelace".into()).into())),
            EmptyAdditionalClaims {},
        )
        .set_nonce(Some(Nonce::new(spec.nonce.clone())));
        let token = CoreIdToken::new(
            claims,
            &self.key,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            None,
            None,
        )
        .expect("signing works");
        serde_json::to_value(&token).unwrap().as_str().unwrap().to_owned()
    }

    /// The token endpoint answers with `id_token`.
    pub async fn answer_token_request_with(&self, id_token: String) {
        let body = json!({
            "access_token": "stand-in-access-token",
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": id_token,
        });
        self.answer_token_request(ResponseTemplate::new(200).set_body_json(body))
            .await;
    }

    pub async fn answer_token_request(&self, response: ResponseTemplate) {
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    /// Token and userinfo endpoints answer as a well-behaved provider would for this sign-in.
    pub async fn answer_valid_sign_in(&self, nonce: &str) {
        self.answer_token_request_with(self.sign(&self.valid_id_token(nonce)))
            .await;
        self.answer_userinfo_with(json!({ "sub": SUBJECT, "preferred_username": "ada" }))
            .await;
    }

    pub async fn answer_userinfo_with(&self, claims: Value) {
        Mock::given(method("GET"))
            .and(path("/userinfo"))
            .respond_with(ResponseTemplate::new(200).set_body_json(claims))
            .mount(&self.server)
            .await;
    }

    /// How many requests reached `endpoint` (e.g. "/token").
    pub async fn calls_to(&self, endpoint: &str) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path() == endpoint)
            .count()
    }

    pub async fn last_call_to(&self, endpoint: &str) -> Option<wiremock::Request> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .rev()
            .find(|r| r.url.path() == endpoint)
    }
}

/// A signed token with one byte of its signature changed.
pub fn corrupt_signature(token: &str) -> String {
    let (rest, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = signature.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    format!("{rest}.{}", String::from_utf8(bytes).unwrap())
}

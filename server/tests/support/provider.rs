use chrono::{Duration, Utc};
use openidconnect::{
    Audience, EmptyAdditionalClaims, EndUserEmail, EndUserName, IssuerUrl, JsonWebKeyId, Nonce,
    PrivateSigningKey, StandardClaims, SubjectIdentifier,
    core::{
        CoreHmacKey, CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
        CoreRsaPrivateSigningKey,
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
    keys: [CoreRsaPrivateSigningKey; 3],
}

/// How the stand-in signs an ID token.
#[derive(Clone, Copy)]
pub enum Signer {
    /// With key 1, 2 or 3 (index 0, 1, 2; see fixtures/README.md).
    Rsa(usize),
    /// HS256 with the client secret, which this app must never accept.
    HmacWithClientSecret,
    /// With key 1, but with no `kid` in the header.
    RsaWithoutKeyId,
    /// Not at all: `alg` is `none`.
    Unsigned,
}

/// What to put in the ID token; the defaults make a valid one.
pub struct IdTokenSpec {
    pub signer: Signer,
    pub nonce: Option<String>,
    pub subject: String,
    pub audience: String,
    pub extra_audience: Option<String>,
    pub authorized_party: Option<String>,
    /// An `iss` other than the provider's own.
    pub issuer: Option<String>,
    pub issued_minutes_ago: i64,
}

/// How the discovery document misbehaves, if at all.
#[derive(Default)]
pub struct DiscoveryOptions {
    /// RFC 9207: the callback then must carry `iss`.
    pub iss_parameter_supported: bool,
    /// An `issuer` other than the provider's own address.
    pub claimed_issuer: Option<String>,
    /// The JWKS endpoint answers with something that is not a key set.
    pub malformed_jwks: bool,
    /// The JWKS endpoint answers with a redirect to `/elsewhere`.
    pub redirecting_jwks: bool,
    /// `jwks_uri` names this address instead of the provider's own.
    pub jwks_uri: Option<String>,
    /// No `end_session_endpoint`: the provider offers no RP-initiated logout.
    pub no_end_session: bool,
}

impl StandInProvider {
    pub async fn start() -> Self {
        Self::start_with(DiscoveryOptions::default()).await
    }

    pub async fn start_with(options: DiscoveryOptions) -> Self {
        let server = MockServer::start().await;
        let key = |pem: &str, kid: &str| {
            CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new(kid.into())))
                .expect("the fixture key parses")
        };
        let keys = [
            key(include_str!("../fixtures/test-signing-key.pem"), "test-key-1"),
            key(include_str!("../fixtures/test-signing-key-2.pem"), "test-key-2"),
            key(include_str!("../fixtures/test-signing-key-3.pem"), "test-key-3"),
        ];
        let provider = Self { server, keys };
        provider.serve_discovery(options).await;
        provider
    }

    pub fn issuer(&self) -> String {
        self.server.uri()
    }

    async fn serve_discovery(&self, options: DiscoveryOptions) {
        let issuer = self.issuer();
        let mut document = json!({
            "issuer": options.claimed_issuer.unwrap_or_else(|| issuer.clone()),
            "authorization_response_iss_parameter_supported": options.iss_parameter_supported,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "jwks_uri": options.jwks_uri.clone().unwrap_or_else(|| format!("{issuer}/jwks")),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            // HS256 is advertised so that tests show the app refuses it all the same.
            "id_token_signing_alg_values_supported": ["RS256", "HS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        });
        if !options.no_end_session {
            document["end_session_endpoint"] = json!(format!("{issuer}/logout"));
        }
        document["revocation_endpoint"] = json!(format!("{issuer}/revoke"));
        Mock::given(method("GET"))
            .and(path("/.well-known/openid-configuration"))
            .respond_with(ResponseTemplate::new(200).set_body_json(document))
            .mount(&self.server)
            .await;
        if options.redirecting_jwks {
            Mock::given(method("GET"))
                .and(path("/jwks"))
                .respond_with(
                    ResponseTemplate::new(302).insert_header("Location", format!("{issuer}/elsewhere")),
                )
                .mount(&self.server)
                .await;
        } else if options.malformed_jwks {
            Mock::given(method("GET"))
                .and(path("/jwks"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "keys": "not a list" })))
                .mount(&self.server)
                .await;
        } else {
            self.publish_keys(&[0], 10).await;
        }
    }

    /// Serves these keys at the JWKS endpoint; a lower `priority` number wins over earlier ones.
    async fn publish_keys(&self, indexes: &[usize], priority: u8) {
        let keys = indexes
            .iter()
            .map(|&i| self.keys[i].as_verification_key())
            .collect();
        Mock::given(method("GET"))
            .and(path("/jwks"))
            .respond_with(ResponseTemplate::new(200).set_body_json(CoreJsonWebKeySet::new(keys)))
            .with_priority(priority)
            .mount(&self.server)
            .await;
    }

    /// A JWT of `claims` with this header, signed RS256 with key `key` (index 0, 1 or 2):
    /// logout tokens, and tokens with headers an ID token never has.
    pub fn sign_jwt(&self, header: &Value, claims: &Value, key: usize) -> String {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let encode = |value: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap());
        let signed = format!("{}.{}", encode(header), encode(claims));
        let signature = self.keys[key]
            .sign(&CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, signed.as_bytes())
            .expect("signing works");
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// A Back-Channel Logout token with these claims, signed as the provider signs.
    pub fn sign_logout_token(&self, claims: &Value) -> String {
        self.sign_jwt(
            &json!({"alg": "RS256", "kid": "test-key-1", "typ": "logout+jwt"}),
            claims,
            0,
        )
    }

    /// The provider rotates its keys: from now on it publishes keys 1 and 2.
    pub async fn rotate_keys(&self) {
        self.publish_keys(&[0, 1], 1).await;
    }

    pub fn valid_id_token(&self, nonce: &str) -> IdTokenSpec {
        IdTokenSpec {
            signer: Signer::Rsa(0),
            nonce: Some(nonce.to_owned()),
            subject: SUBJECT.to_owned(),
            audience: CLIENT_ID.to_owned(),
            extra_audience: None,
            authorized_party: None,
            issuer: None,
            issued_minutes_ago: 0,
        }
    }

    pub fn sign(&self, spec: &IdTokenSpec) -> String {
        let issued = Utc::now() - Duration::minutes(spec.issued_minutes_ago);
        let claims = CoreIdTokenClaims::new(
            IssuerUrl::new(spec.issuer.clone().unwrap_or_else(|| self.issuer())).unwrap(),
            [Some(&spec.audience), spec.extra_audience.as_ref()]
                .into_iter()
                .flatten()
                .map(|aud| Audience::new(aud.clone()))
                .collect(),
            issued + Duration::minutes(5),
            issued,
            StandardClaims::new(SubjectIdentifier::new(spec.subject.clone()))
                .set_email(Some(EndUserEmail::new("ada@example.com".into())))
                .set_email_verified(Some(true))
                .set_name(Some(EndUserName::new("Ada Lovelace".into()).into())),
            EmptyAdditionalClaims {},
        )
        .set_nonce(spec.nonce.clone().map(Nonce::new))
        .set_authorized_party(spec.authorized_party.clone().map(openidconnect::ClientId::new));
        let token = match spec.signer {
            Signer::Rsa(index) => CoreIdToken::new(
                claims,
                &self.keys[index],
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                None,
                None,
            ),
            Signer::RsaWithoutKeyId => CoreIdToken::new(
                claims,
                &CoreRsaPrivateSigningKey::from_pem(include_str!("../fixtures/test-signing-key.pem"), None)
                    .unwrap(),
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                None,
                None,
            ),
            Signer::Unsigned => return unsigned_token(&claims),
            Signer::HmacWithClientSecret => CoreIdToken::new(
                claims,
                &CoreHmacKey::new(CLIENT_SECRET.as_bytes()),
                CoreJwsSigningAlgorithm::HmacSha256,
                None,
                None,
            ),
        }
        .expect("signing works");
        serde_json::to_value(&token).unwrap().as_str().unwrap().to_owned()
    }

    /// The token endpoint answers with `id_token`.
    pub async fn answer_token_request_with(&self, id_token: String) {
        self.answer_token_request(ResponseTemplate::new(200).set_body_json(token_response(&id_token)))
            .await;
    }

    /// As [`Self::answer_valid_sign_in`], with the token endpoint taking `delay` to answer.
    pub async fn answer_valid_sign_in_after(&self, nonce: &str, delay: std::time::Duration) {
        let id_token = self.sign(&self.valid_id_token(nonce));
        self.answer_token_request(
            ResponseTemplate::new(200)
                .set_body_json(token_response(&id_token))
                .set_delay(delay),
        )
        .await;
        self.answer_userinfo_with(json!({ "sub": SUBJECT, "preferred_username": "ada" }))
            .await;
    }

    /// The next token request gets this answer (each sign-in mounts its own).
    pub async fn answer_token_request(&self, response: ResponseTemplate) {
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(response)
            .up_to_n_times(1)
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

fn token_response(id_token: &str) -> Value {
    json!({
        "access_token": "stand-in-access-token",
        "refresh_token": "stand-in-refresh-token",
        "token_type": "Bearer",
        "expires_in": 3600,
        "id_token": id_token,
    })
}

/// A signed token with one byte of its signature changed.
pub fn corrupt_signature(token: &str) -> String {
    let (rest, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = signature.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    format!("{rest}.{}", String::from_utf8(bytes).unwrap())
}

/// `base64url({"alg":"none"}).base64url(claims).` with an empty signature.
fn unsigned_token(claims: &CoreIdTokenClaims) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap());
    format!("{header}.{payload}.")
}

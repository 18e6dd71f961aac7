use leptos::config::LeptosOptions;
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use serde_json::Value;
use server::{access::AccessPolicy, providers::config, settings::Settings, startup};

use super::{
    StandInProvider,
    database::TestDatabase,
    provider::{CLIENT_ID, CLIENT_SECRET},
};

pub struct TestApp {
    pub origin: String,
    pub database: TestDatabase,
    /// Follows no redirect, so every 303 can be looked at.
    pub http: reqwest::Client,
}

/// What `begin_sign_in` gave the browser, and the cookie it set.
pub struct Callback {
    /// The provider whose callback path the browser comes back on.
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub authorization_url: url::Url,
    pub binding_cookie: String,
}

impl Callback {
    /// What `begin_sign_in` or `begin_connect` answered, which must be a success.
    fn from_reply(provider: &str, reply: Reply) -> Self {
        assert_eq!(reply.status, 200, "beginning failed: {}", reply.body);
        let authorization_url = url::Url::parse(reply.body["authorization_url"].as_str().unwrap()).unwrap();
        let param = |name: &str| {
            authorization_url
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let binding = reply.cookie("__Host-sign-in").expect("a binding cookie is set");
        Callback {
            provider: provider.to_owned(),
            state: param("state"),
            nonce: param("nonce"),
            verifier: VERIFIER.to_owned(),
            binding_cookie: format!("__Host-sign-in={binding}"),
            authorization_url,
        }
    }
}

/// A server-function response: status, JSON body, and the cookies it set.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub set_cookies: Vec<String>,
    headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The session cookie this reply set, unless it cleared it.
    pub fn session(&self) -> Option<String> {
        self.cookie("__Host-session").filter(|v| !v.is_empty())
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies
            .iter()
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
    }
}

/// An AUTH_CONFIG text with OpenID providers `(id, issuer)`, all with the stand-in's client
/// credentials.
pub fn auth_config(providers: &[(&str, &str)]) -> String {
    providers
        .iter()
        .map(|(id, issuer)| {
            let name = if *id == "acme" {
                "Acme ID".to_owned()
            } else {
                format!("{id} ID")
            };
            format!(
                "[[provider]]\nid = \"{id}\"\nname = \"{name}\"\nissuer = \"{issuer}\"\n\
                 client_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\n\n"
            )
        })
        .collect()
}

/// The keys every test app seals provider tokens with, unless a test sets `TOKEN_KEYS`
/// itself (to "" for none).
pub const TOKEN_KEYS: &str = "test-1:sRnL0I6wuvUdX6/LCCAYABHxehdJhJ8TIv+Ss5z6mrQ=";

pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

impl TestApp {
    /// The application with one provider, "acme", at `issuer`.
    pub async fn spawn(issuer: &str) -> Self {
        Self::spawn_with(&[("acme", issuer)]).await
    }

    /// The application with OpenID providers `(id, issuer)`, all with the stand-in's client
    /// credentials.
    pub async fn spawn_with(providers: &[(&str, &str)]) -> Self {
        Self::spawn_from_config(&auth_config(providers)).await
    }

    /// The application with the providers of an AUTH_CONFIG text.
    pub async fn spawn_from_config(config: &str) -> Self {
        Self::spawn_with_settings(config, &[]).await
    }

    /// The application with the providers of an AUTH_CONFIG text and these settings besides
    /// its own address and database.
    pub async fn spawn_with_settings(config: &str, settings: &[(&str, &str)]) -> Self {
        Self::spawn_on(TestDatabase::fresh().await, config, settings).await
    }

    /// The application on an existing `database`, which it migrates as it starts. `settings`
    /// are also the environment the configuration reads (Apple's key, say).
    pub async fn spawn_on(database: TestDatabase, config: &str, settings: &[(&str, &str)]) -> Self {
        let environment = |name: &str| {
            settings
                .iter()
                .find(|(setting, _)| *setting == name)
                .map(|(_, value)| (*value).to_owned())
        };
        let providers = config::parse("auth.toml", config, environment).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let origin = format!("http://{address}");
        let settings = Settings::from_env(|name| match name {
            "APP_URL" => Some(origin.clone()),
            "DATABASE_URL" => Some(database.url.clone()),
            other => {
                let given = settings
                    .iter()
                    .find(|(setting, _)| *setting == other)
                    .map(|(_, value)| (*value).to_owned());
                match (other, given) {
                    ("TOKEN_KEYS", None) => Some(TOKEN_KEYS.to_owned()),
                    ("TOKEN_KEYS", Some(keys)) if keys.is_empty() => None,
                    (_, given) => given,
                }
            }
        })
        .unwrap();
        let access = AccessPolicy::parse("auth.toml", config).unwrap();
        let auth_config = startup::AuthConfig::new(providers, access).unwrap();
        let options = LeptosOptions::builder()
            .output_name("app")
            .site_addr(address)
            .build();
        let router = startup::build_app(&settings, auth_config, options).await.unwrap();
        // The server's own accept loop, as in main.
        tokio::spawn(server::web::serve::serve(
            listener,
            router,
            settings.header_read_timeout,
            std::future::pending(),
        ));
        Self::attach(origin, database)
    }

    /// The server binary as a child process on a fresh database, with "acme" at `provider` and
    /// these settings. The folder holds its configuration and log, and must outlive it.
    pub async fn start_process(
        provider: &StandInProvider,
        settings: &[(&str, &str)],
    ) -> (Self, bench::server_process::ServerProcess, tempfile::TempDir) {
        let data = tempfile::tempdir().unwrap();
        let database = TestDatabase::fresh().await;
        let config = auth_config(&[("acme", &provider.issuer())]);
        let mut env = vec![
            ("DATABASE_URL", database.url.as_str()),
            ("TOKEN_KEYS", TOKEN_KEYS),
        ];
        env.extend_from_slice(settings);
        let server = bench::server_process::ServerProcess::start(&bench::server_process::ServerSetup {
            binary: std::path::Path::new(env!("CARGO_BIN_EXE_server")),
            data_dir: data.path(),
            auth_config: &config,
            site_root: None,
            extra_env: &env,
        })
        .await
        .unwrap();
        (Self::attach(server.origin.clone(), database), server, data)
    }

    /// A client of an application already running at `origin` (a server process) on `database`.
    pub fn attach(origin: String, database: TestDatabase) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A server that stops answering fails its test quickly instead of holding the
            // whole run until CI's limit.
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            origin,
            http,
            database,
        }
    }

    /// Calls a server function as a same-origin page would.
    pub async fn call(&self, function: &str, form: &[(&str, &str)], cookies: &[String]) -> Reply {
        self.call_with_origin(function, form, cookies, Some(&self.origin))
            .await
    }

    pub async fn call_with_origin(
        &self,
        function: &str,
        form: &[(&str, &str)],
        cookies: &[String],
        origin: Option<&str>,
    ) -> Reply {
        self.call_with_headers(function, form, cookies, origin, &[]).await
    }

    pub async fn call_with_headers(
        &self,
        function: &str,
        form: &[(&str, &str)],
        cookies: &[String],
        origin: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self
            .http
            .post(format!("{}/api/{function}", self.origin))
            .form(form);
        if let Some(origin) = origin {
            request = request.header(ORIGIN, origin);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if !cookies.is_empty() {
            request = request.header(COOKIE, cookies.join("; "));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let set_cookies = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            body,
            set_cookies,
            headers,
        }
    }

    pub async fn get(&self, path: &str, cookies: &[String]) -> (u16, String) {
        let mut request = self.http.get(format!("{}{path}", self.origin));
        if !cookies.is_empty() {
            request = request.header(COOKIE, cookies.join("; "));
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Calls `begin_sign_in` for "acme" and returns the reply as it is, for tests of refusals.
    pub async fn try_begin(&self) -> Reply {
        self.try_begin_with("acme", None).await
    }

    pub async fn try_begin_with(&self, provider: &str, return_to: Option<&str>) -> Reply {
        let mut form = vec![("provider", provider), ("code_challenge", CHALLENGE)];
        form.extend(return_to.map(|path| ("return_to", path)));
        self.call("begin_sign_in", &form, &[]).await
    }

    /// Starts a sign-in with "acme" using the RFC 7636 example verifier.
    pub async fn begin(&self) -> Callback {
        self.begin_with("acme", None).await
    }

    pub async fn begin_with(&self, provider: &str, return_to: Option<&str>) -> Callback {
        let reply = self.try_begin_with(provider, return_to).await;
        Callback::from_reply(provider, reply)
    }

    /// The id of the identity at `provider_id` among those of the account holding `session`.
    pub async fn identity_id(&self, provider_id: &str, session: &str) -> String {
        let account = self.call("load_account", &[], &[session.to_owned()]).await;
        let connected = account.body["connected"].as_array().expect("an account");
        let identity = connected.iter().find(|c| c["provider_id"] == provider_id);
        identity.expect("the identity is connected")["id"].to_string()
    }

    /// Begins connecting `provider` to the account of the browser holding `session`.
    pub async fn try_begin_connect(&self, provider: &str, session: &str) -> Reply {
        self.call(
            "begin_connect",
            &[("provider", provider), ("code_challenge", CHALLENGE)],
            &[session.to_owned()],
        )
        .await
    }

    pub async fn begin_connect(&self, provider: &str, session: &str) -> Callback {
        let reply = self.try_begin_connect(provider, session).await;
        Callback::from_reply(provider, reply)
    }

    /// A whole sign-in with `provider_id`, whose stand-in is `provider`, from a browser with
    /// this User-Agent; returns the session cookie (`__Host-session=…`).
    pub async fn sign_in(&self, provider: &StandInProvider, provider_id: &str, user_agent: &str) -> String {
        let callback = self.begin_with(provider_id, None).await;
        provider.answer_valid_sign_in(&callback.nonce).await;
        let reply = self.finish_in(&callback, &[], user_agent).await;
        assert_eq!(reply.status, 200, "sign-in failed: {}", reply.body);
        format!(
            "__Host-session={}",
            reply.session().expect("a session cookie is set")
        )
    }

    /// A whole sign-in with `provider_id` at `provider`; returns the session cookie and the
    /// ID token the provider issued.
    pub async fn sign_in_with_id_token(
        &self,
        provider: &StandInProvider,
        provider_id: &str,
    ) -> (String, String) {
        let callback = self.begin_with(provider_id, None).await;
        let id_token = provider.sign(&provider.valid_id_token(&callback.nonce));
        provider.answer_token_request_with(id_token.clone()).await;
        provider
            .answer_userinfo_with(
                serde_json::json!({ "sub": super::provider::SUBJECT, "preferred_username": "ada" }),
            )
            .await;
        let reply = self.finish(&callback).await;
        assert_eq!(reply.status, 200, "sign-in failed: {}", reply.body);
        let session = reply.session().expect("a session cookie is set");
        (format!("__Host-session={session}"), id_token)
    }

    /// Finishes a sign-in or connect with code `c` and the right state, in a browser that also
    /// holds `cookies` (a session) and sends `user_agent`.
    pub async fn finish_in(&self, callback: &Callback, cookies: &[String], user_agent: &str) -> Reply {
        let mut all = vec![callback.binding_cookie.clone()];
        all.extend_from_slice(cookies);
        self.call_with_headers(
            "complete_sign_in",
            &[
                ("provider", &callback.provider),
                ("callback_query", &format!("code=c&state={}", callback.state)),
                ("code_verifier", &callback.verifier),
            ],
            &all,
            Some(&self.origin),
            &[("user-agent", user_agent)],
        )
        .await
    }

    /// Finishes a sign-in with code `c` and the right state.
    pub async fn finish(&self, callback: &Callback) -> Reply {
        self.complete(callback, &format!("code=c&state={}", callback.state))
            .await
    }

    /// Finishes a sign-in as the callback page does.
    pub async fn complete(&self, callback: &Callback, query: &str) -> Reply {
        self.call(
            "complete_sign_in",
            &[
                ("provider", &callback.provider),
                ("callback_query", query),
                ("code_verifier", &callback.verifier),
            ],
            std::slice::from_ref(&callback.binding_cookie),
        )
        .await
    }
}

//! One person signing in, as the browser does it: `begin_sign_in` with a fresh PKCE pair, the
//! provider's authorization redirect, then `complete_sign_in` with the binding cookie. Each
//! person connects from a loopback address of their own (Linux routes all of 127.0.0.0/8 to
//! loopback), so per-address limits see many visitors, not one.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr},
    time::Duration,
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "__Host-session";
const BINDING_COOKIE: &str = "__Host-sign-in";
/// No step of a sign-in may take longer; a hung server is an error, not a stall.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// The app under load and the provider id its sign-ins use.
#[derive(Clone)]
pub struct SignInDriver {
    pub app_origin: String,
    pub provider_id: String,
}

/// A completed sign-in: the session cookie the app set, and who it is for.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub login: String,
    pub session_cookie: String,
}

/// Where a sign-in went wrong, with what the server said.
#[derive(Debug)]
pub struct SignInFailure {
    pub step: &'static str,
    pub detail: String,
}

impl fmt::Display for SignInFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.step, self.detail)
    }
}

impl std::error::Error for SignInFailure {}

pub(crate) fn failure(step: &'static str) -> impl Fn(reqwest::Error) -> SignInFailure {
    move |error| SignInFailure {
        step,
        detail: error.to_string(),
    }
}

/// The `n`-th distinct source address in 127.0.0.0/8, never 127.0.0.1 and never ending in 0
/// or 255 (about 16 million of them).
pub fn loopback_source(n: u32) -> IpAddr {
    let host = 1 + (n % 254) as u8;
    let middle = ((n / 254) % 256) as u8;
    let high = 1 + ((n / (254 * 256)) % 254) as u8;
    IpAddr::V4(Ipv4Addr::new(127, high, middle, host))
}

/// A PKCE verifier and its S256 challenge (RFC 7636).
fn pkce_pair() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let verifier = URL_SAFE_NO_PAD.encode(bytes);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub(crate) fn cookie_value(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(name)?.strip_prefix('='))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
        .filter(|v| !v.is_empty())
}

/// A client that connects from `source` and follows no redirects.
pub fn client_from(source: IpAddr) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .local_address(source)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(STEP_TIMEOUT)
        .build()
}

impl SignInDriver {
    /// Signs `login` in from `source`; the provider takes the login as the person's subject.
    pub async fn sign_in(&self, source: IpAddr, login: &str) -> Result<SignedIn, SignInFailure> {
        let client = client_from(source).map_err(failure("client"))?;
        let (verifier, challenge) = pkce_pair();

        let begun = self
            .call(
                &client,
                "begin_sign_in",
                &[("provider", &self.provider_id), ("code_challenge", &challenge)],
                None,
            )
            .await?;
        let binding = cookie_value(&begun, BINDING_COOKIE);
        let body = server_function_body("begin_sign_in", begun).await?;
        let binding = binding.ok_or_else(|| SignInFailure {
            step: "begin_sign_in",
            detail: "no binding cookie".into(),
        })?;
        let authorization_url = body["authorization_url"]
            .as_str()
            .and_then(|u| url::Url::parse(u).ok())
            .ok_or_else(|| SignInFailure {
                step: "begin_sign_in",
                detail: format!("no authorization URL in {body}"),
            })?;

        let mut at_provider = authorization_url;
        at_provider.query_pairs_mut().append_pair("login_hint", login);
        let approved = client
            .get(at_provider)
            .send()
            .await
            .map_err(failure("authorize"))?;
        let callback = approved
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| url::Url::parse(v).ok())
            .ok_or_else(|| SignInFailure {
                step: "authorize",
                detail: format!("the provider answered {} without a redirect", approved.status()),
            })?;
        let callback_query = callback.query().unwrap_or_default().to_owned();

        let completed = self
            .call(
                &client,
                "complete_sign_in",
                &[
                    ("provider", &self.provider_id),
                    ("callback_query", &callback_query),
                    ("code_verifier", &verifier),
                ],
                Some(&format!("{BINDING_COOKIE}={binding}")),
            )
            .await?;
        let session = cookie_value(&completed, SESSION_COOKIE);
        server_function_body("complete_sign_in", completed).await?;
        let session = session.ok_or_else(|| SignInFailure {
            step: "complete_sign_in",
            detail: "no session cookie".into(),
        })?;
        Ok(SignedIn {
            login: login.to_owned(),
            session_cookie: format!("{SESSION_COOKIE}={session}"),
        })
    }

    /// A visit from `source` on a new connection that makes two server-function calls, as a
    /// sign-in does, but ones that need neither the database nor the provider (`load_home`,
    /// signed out): the HTTP and server-function share of a sign-in's cost, on its own.
    pub async fn bare_visit(&self, source: IpAddr) -> Result<(), SignInFailure> {
        let client = client_from(source).map_err(failure("client"))?;
        for _ in 0..2 {
            let reply = self.call(&client, "load_home", &[], None).await?;
            let home = server_function_body("load_home", reply).await?;
            if !home["user"].is_null() {
                return Err(SignInFailure {
                    step: "load_home",
                    detail: format!("a visit without a session found a user: {home}"),
                });
            }
        }
        Ok(())
    }

    /// Whether `signed_in`'s session still opens that person's account (the provider names
    /// everyone "Load User {login}"); the error says what the server answered instead.
    pub async fn check_session(
        &self,
        client: &reqwest::Client,
        signed_in: &SignedIn,
    ) -> Result<(), SignInFailure> {
        let reply = self
            .call(client, "load_home", &[], Some(&signed_in.session_cookie))
            .await?;
        let home = server_function_body("load_home", reply).await?;
        if home["user"]["display_name"] == format!("Load User {}", signed_in.login) {
            Ok(())
        } else {
            Err(SignInFailure {
                step: "load_home",
                detail: format!(
                    "the session of {} does not open their account: {home}",
                    signed_in.login
                ),
            })
        }
    }

    /// Calls a server function as a same-origin page does.
    pub async fn call(
        &self,
        client: &reqwest::Client,
        function: &'static str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Result<reqwest::Response, SignInFailure> {
        let mut request = client
            .post(format!("{}/api/{function}", self.app_origin))
            .header(ORIGIN, &self.app_origin)
            .form(form);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.map_err(failure(function))
    }
}

/// The JSON a server function answered, or a failure naming its status and body.
async fn server_function_body(
    function: &'static str,
    response: reqwest::Response,
) -> Result<Value, SignInFailure> {
    let status = response.status();
    let text = response.text().await.map_err(failure(function))?;
    if !status.is_success() {
        return Err(SignInFailure {
            step: function,
            detail: format!(
                "HTTP {} {}",
                status.as_u16(),
                text.chars().take(200).collect::<String>()
            ),
        });
    }
    serde_json::from_str(&text).map_err(|e| SignInFailure {
        step: function,
        detail: format!(
            "answer is not JSON ({e}): {}",
            text.chars().take(200).collect::<String>()
        ),
    })
}

//! What the dashboard shows of each connected provider, fetched live on the server with the
//! identity's kept token, the way the tutorials call a provider's API after sign-in. The call
//! is chosen here from the provider's protocol and preset; nothing the browser sends names a
//! URL, so this is no proxy. What a provider said is kept for a minute per identity, so
//! reloading the dashboard does not spend the provider's rate limits.

use std::{collections::HashMap, sync::Mutex};

use app::model::{Brand, LiveFromProvider};
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::{
    domain::now,
    oauth::{self, oauth1, oauth2::with_appsecret_proof},
    provider_http::ProviderHttp,
    providers::Protocol,
    registry::LiveProvider,
    tokens::on_demand::{TokenError, TokenSource},
};

/// One live call: where, and which fields of the answer are shown under which label.
struct LiveCall {
    url: url::Url,
    facts: &'static [(&'static str, &'static str)],
}

/// How long what a provider said is shown again before it is asked anew (seconds).
pub const LIVE_FRESH_FOR: i64 = 60;
/// Past this many identities the memory starts afresh.
const MAX_KEPT: usize = 10_000;

/// Which identity a provider spoke of: its row and when it was connected, with its account,
/// so a row id SQLite hands out again after a deletion never finds another person's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LiveKey {
    pub user_id: i64,
    pub identity_id: i64,
    pub connected_at: i64,
}

/// The labelled facts a provider said, and when (Unix seconds).
type Said = (Vec<(String, String)>, i64);

/// What providers said lately (their facts only: a failure is asked again next time).
#[derive(Default)]
pub struct LiveMemory {
    said: Mutex<HashMap<LiveKey, Said>>,
}

impl LiveMemory {
    /// What `provider` said of the identity within the last `LIVE_FRESH_FOR` seconds, else
    /// what it says now; with the time it said it (Unix seconds) when it said anything.
    pub async fn live(
        &self,
        key: LiveKey,
        source: &TokenSource,
        http: &ProviderHttp,
        provider: &LiveProvider,
    ) -> (LiveFromProvider, Option<i64>) {
        let kept = {
            let said = self.said.lock().unwrap_or_else(|e| e.into_inner());
            said.get(&key)
                .filter(|(_, at)| now() - at < LIVE_FRESH_FOR)
                .cloned()
        };
        if let Some((facts, at)) = kept {
            return (LiveFromProvider::Facts(facts), Some(at));
        }
        let answer = live(source, http, provider, key.identity_id).await;
        let LiveFromProvider::Facts(facts) = &answer else {
            return (answer, None);
        };
        let at = now();
        let mut said = self.said.lock().unwrap_or_else(|e| e.into_inner());
        if said.len() >= MAX_KEPT {
            said.clear();
        }
        said.insert(key, (facts.clone(), at));
        (answer, Some(at))
    }
}

/// What `provider` says now about the person of `identity_id`.
async fn live(
    source: &TokenSource,
    http: &ProviderHttp,
    provider: &LiveProvider,
    identity_id: i64,
) -> LiveFromProvider {
    let Some(call) = live_call(provider, http).await else {
        return LiveFromProvider::NotOffered;
    };
    let tokens = match source.tokens(identity_id).await {
        Ok(tokens) => tokens,
        Err(TokenError::NothingKept) => return LiveFromProvider::NothingKept,
        Err(TokenError::ReconnectNeeded) => return LiveFromProvider::ReconnectNeeded,
        Err(error) => {
            tracing::warn!(provider = %provider.config.id, %error, "no usable token for a live call");
            return LiveFromProvider::Unavailable;
        }
    };
    let token = tokens.access_token.expose_secret();
    let url = &call.url;
    let answer = match (&provider.config.protocol, &tokens.token_secret) {
        (Protocol::OAuth1(_), Some(secret)) => {
            oauth1::get_signed_json(provider, http, "live", url, token, secret.expose_secret()).await
        }
        (Protocol::OAuth2(settings), _) => {
            let url = with_appsecret_proof(url, provider, settings, token);
            let headers = &settings.quirks.profile_headers;
            oauth::get_json(http, "live", &url, &format!("Bearer {token}"), headers).await
        }
        _ => oauth::get_json(http, "live", url, &format!("Bearer {token}"), &[]).await,
    };
    match answer {
        Ok(document) => LiveFromProvider::Facts(facts(&document, call.facts)),
        Err(error) => {
            tracing::warn!(provider = %provider.config.id, %error, "a live call failed");
            LiveFromProvider::Unavailable
        }
    }
}

/// The call made for each kind of provider: an OpenID provider's (and Google's) userinfo,
/// GitHub's user with its counts, X's public metrics (through either of its flows), Facebook's
/// `me` with the fields its default scopes grant, Instagram's account type and media count.
async fn live_call(provider: &LiveProvider, http: &ProviderHttp) -> Option<LiveCall> {
    match &provider.config.protocol {
        Protocol::Oidc(_) => {
            let discovered = provider.discovered(http).await.ok()?;
            let url = discovered.metadata.userinfo_endpoint()?.url().clone();
            let facts: &'static [(&'static str, &'static str)] = match provider.config.brand {
                // Slack's userinfo names the workspace under a URL-named claim.
                Some(Brand::Slack) => &[
                    ("Name", "/name"),
                    ("Workspace", "/https:~1~1slack.com~1team_name"),
                    ("Email", "/email"),
                ],
                _ => &[("Name", "/name"), ("Email", "/email"), ("Locale", "/locale")],
            };
            Some(LiveCall { url, facts })
        }
        Protocol::OAuth2(settings) => {
            let with_query = |query: &str| {
                let mut url = settings.profile_url.clone();
                url.set_query(Some(query));
                url
            };
            match provider.config.brand? {
                Brand::GitHub => Some(LiveCall {
                    url: settings.profile_url.clone(),
                    facts: &[
                        ("Public repositories", "/public_repos"),
                        ("Followers", "/followers"),
                        ("Following", "/following"),
                    ],
                }),
                Brand::X => Some(LiveCall {
                    url: with_query("user.fields=public_metrics"),
                    facts: &[
                        ("Followers", "/data/public_metrics/followers_count"),
                        ("Following", "/data/public_metrics/following_count"),
                        ("Posts", "/data/public_metrics/tweet_count"),
                    ],
                }),
                Brand::Facebook => Some(LiveCall {
                    url: with_query("fields=name,email"),
                    facts: &[("Name", "/name"), ("Email", "/email")],
                }),
                Brand::Instagram => Some(LiveCall {
                    url: with_query("fields=account_type,media_count"),
                    facts: &[("Account type", "/account_type"), ("Posts", "/media_count")],
                }),
                Brand::Discord => Some(LiveCall {
                    url: settings.profile_url.clone(),
                    facts: &[("Display name", "/global_name"), ("Username", "/username")],
                }),
                Brand::Google
                | Brand::GitLab
                | Brand::LinkedIn
                | Brand::Twitch
                | Brand::Slack
                | Brand::Microsoft
                | Brand::Apple => None,
            }
        }
        // X's OAuth 1.0a flow: the signed-in account, whose counts it carries.
        Protocol::OAuth1(settings) => Some(LiveCall {
            url: settings.profile_url.clone(),
            facts: &[
                ("Followers", "/followers_count"),
                ("Following", "/friends_count"),
                ("Posts", "/statuses_count"),
            ],
        }),
    }
}

/// The fields present in `document`, as text, under their labels.
fn facts(document: &Value, wanted: &[(&str, &str)]) -> Vec<(String, String)> {
    wanted
        .iter()
        .filter_map(|(label, pointer)| {
            let value = match document.pointer(pointer)? {
                Value::String(text) if !text.is_empty() => text.chars().take(200).collect(),
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                _ => return None,
            };
            Some(((*label).to_owned(), value))
        })
        .collect()
}

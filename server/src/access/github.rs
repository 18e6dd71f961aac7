//! Asking GitHub which organizations and teams a person belongs to, with their own token (the
//! GitHub preset asks for `read:org` when the policy names organizations), and believing the
//! answer for `ACCESS_RECHECK_SECS`, so a check does not call GitHub on every request.

use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
    time::{Duration, Instant},
};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::policy::GitHubGroup;
use crate::{
    oauth::{OAuthError, get_json},
    provider_http::ProviderHttp,
    providers::{Protocol, ProviderConfig},
};

/// More answers than this and the oldest are forgotten wholesale.
const MAX_REMEMBERED: usize = 10_000;
/// GitHub's largest page.
const PAGE_SIZE: usize = 100;
/// A thousand organizations or teams is more than anyone is in; past that we stop asking.
const MAX_PAGES: usize = 10;

#[derive(Default)]
struct Memberships {
    organizations: HashSet<String>,
    /// (organization, team slug)
    teams: HashSet<(String, String)>,
}

impl Memberships {
    fn includes_any(&self, groups: &[GitHubGroup]) -> bool {
        groups.iter().any(|group| match &group.team {
            None => self.organizations.contains(&group.organization),
            Some(team) => self.teams.contains(&(group.organization.clone(), team.clone())),
        })
    }
}

#[derive(Deserialize)]
struct Organization {
    login: String,
}

#[derive(Deserialize)]
struct Team {
    slug: String,
    organization: Organization,
}

pub struct GitHubMemberships {
    recheck: Duration,
    /// By GitHub user id (the identity's subject).
    answers: Mutex<HashMap<String, (Instant, std::sync::Arc<Memberships>)>>,
}

impl GitHubMemberships {
    pub fn new(recheck: Duration) -> Self {
        Self {
            recheck,
            answers: Mutex::default(),
        }
    }

    /// Whether the GitHub user `subject` is in any of `groups`, asked with `token` unless a
    /// recent answer is remembered.
    pub async fn include_any<Token: Future<Output = Option<SecretString>>>(
        &self,
        http: &ProviderHttp,
        provider: &ProviderConfig,
        subject: &str,
        token: impl FnOnce() -> Token,
        groups: &[GitHubGroup],
    ) -> Result<bool, OAuthError> {
        if let Some(known) = self.remembered(subject) {
            return Ok(known.includes_any(groups));
        }
        let (orgs_url, teams_url) = api_urls(provider).ok_or_else(|| OAuthError::UnexpectedResponse {
            step: "organizations",
            reason: "the provider is not GitHub".into(),
        })?;
        let token = token().await.ok_or_else(|| OAuthError::Request {
            step: "organizations",
            reason: "no token is kept for this identity".into(),
        })?;
        let bearer = format!("Bearer {}", token.expose_secret());
        let headers = match &provider.protocol {
            Protocol::OAuth2(settings) => settings.quirks.profile_headers.as_slice(),
            _ => &[],
        };
        let organizations: Vec<Organization> =
            every_page(http, "organizations", &orgs_url, &bearer, headers).await?;
        let teams: Vec<Team> = every_page(http, "teams", &teams_url, &bearer, headers).await?;
        let memberships = std::sync::Arc::new(Memberships {
            organizations: organizations
                .into_iter()
                .map(|o| o.login.to_ascii_lowercase())
                .collect(),
            teams: teams
                .into_iter()
                .map(|t| {
                    (
                        t.organization.login.to_ascii_lowercase(),
                        t.slug.to_ascii_lowercase(),
                    )
                })
                .collect(),
        });
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        if answers.len() >= MAX_REMEMBERED {
            answers.clear();
        }
        answers.insert(subject.to_owned(), (Instant::now(), memberships.clone()));
        Ok(memberships.includes_any(groups))
    }

    fn remembered(&self, subject: &str) -> Option<std::sync::Arc<Memberships>> {
        let answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        answers
            .get(subject)
            .filter(|(asked, _)| asked.elapsed() < self.recheck)
            .map(|(_, memberships)| memberships.clone())
    }
}

/// `/user/orgs` and `/user/teams`, beside the preset's `/user/emails` (so a stand-in that
/// serves one serves all).
fn api_urls(provider: &ProviderConfig) -> Option<(Url, Url)> {
    let Protocol::OAuth2(settings) = &provider.protocol else {
        return None;
    };
    let emails = settings.quirks.emails_url.as_ref()?;
    Some((emails.join("orgs").ok()?, emails.join("teams").ok()?))
}

/// Every page of a GitHub list, `PAGE_SIZE` at a time, until a page comes back short.
async fn every_page<T: serde::de::DeserializeOwned>(
    http: &ProviderHttp,
    step: &'static str,
    url: &Url,
    bearer: &str,
    headers: &[(&'static str, &'static str)],
) -> Result<Vec<T>, OAuthError> {
    let mut all = Vec::new();
    for page in 1..=MAX_PAGES {
        let mut paged = url.clone();
        paged
            .query_pairs_mut()
            .append_pair("per_page", &PAGE_SIZE.to_string())
            .append_pair("page", &page.to_string());
        let entries: Vec<T> = serde_json::from_value(get_json(http, step, &paged, bearer, headers).await?)
            .map_err(|_| OAuthError::UnexpectedResponse {
                step,
                reason: "not the list GitHub documents".into(),
            })?;
        let last = entries.len() < PAGE_SIZE;
        all.extend(entries);
        if last {
            break;
        }
    }
    Ok(all)
}

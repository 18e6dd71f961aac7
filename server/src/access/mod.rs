//! Who may enter, applied at sign-in (no session for a person the policy refuses) and at every
//! forward-auth check (a policy tightened while someone is signed in takes effect at their next
//! request). Without an `[access]` table anyone who signs in may enter, as before.

pub mod github;
pub mod policy;

use app::model::Brand;
use secrecy::SecretString;

use crate::{provider_http::ProviderHttp, providers::ProviderConfig};
use github::GitHubMemberships;
pub use policy::{AccessPolicy, Candidate, PolicyError, Verdict};

pub struct AccessGate {
    policy: Option<AccessPolicy>,
    github: GitHubMemberships,
    http: ProviderHttp,
}

/// The person, as the gate needs to know them.
pub struct Entrant<'a> {
    pub provider: &'a ProviderConfig,
    /// The identity's subject at the provider (GitHub's user id, for the membership cache).
    pub subject: &'a str,
    pub email: Option<&'a str>,
    pub email_verified: Option<bool>,
    /// The `hd` claim of the identity's last verified ID token.
    pub hosted_domain: Option<&'a str>,
}

impl AccessGate {
    pub fn new(policy: Option<AccessPolicy>, github: GitHubMemberships, http: ProviderHttp) -> Self {
        Self { policy, github, http }
    }

    pub fn policy(&self) -> Option<&AccessPolicy> {
        self.policy.as_ref()
    }

    /// Whether `person` may enter; `token` gives the identity's provider token, asked for only
    /// when GitHub must be asked and its last answer is too old.
    pub async fn allows<Token: Future<Output = Option<SecretString>>>(
        &self,
        person: &Entrant<'_>,
        token: impl FnOnce() -> Token,
    ) -> bool {
        let Some(policy) = &self.policy else {
            return true;
        };
        let brand = person.provider.brand;
        let candidate = Candidate {
            provider_id: person.provider.id.as_str(),
            verified_email: person.email.filter(|_| person.email_verified == Some(true)),
            // `hd` means something only in Google's tokens.
            google_hosted_domain: person.hosted_domain.filter(|_| brand == Some(Brand::Google)),
        };
        match policy.judge(&candidate) {
            Verdict::Allowed => true,
            Verdict::Refused => false,
            Verdict::AskGitHub if brand != Some(Brand::GitHub) => false,
            Verdict::AskGitHub => {
                let asked = self
                    .github
                    .include_any(
                        &self.http,
                        person.provider,
                        person.subject,
                        token,
                        &policy.github_groups,
                    )
                    .await;
                asked.unwrap_or_else(|error| {
                    tracing::warn!(provider = %person.provider.id, %error, "could not ask GitHub for memberships; refused");
                    false
                })
            }
        }
    }
}

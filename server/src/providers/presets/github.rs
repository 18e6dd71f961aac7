//! GitHub: plain OAuth 2.0 whose profile API wants its version and media type named, whose
//! addresses are settled from `/user/emails`, and whose grants end by being deleted.

use super::{
    Overrides,
    urls::{endpoint, endpoint_beside},
};
use crate::{
    profile::fields::{EmailTrust, FieldMap},
    providers::protocol::{ApiQuirks, ClientAuth, OAuth2Settings, Protocol, Revocation},
};

/// The revocation endpoint names the app's `client_id`.
pub(super) fn protocol(client_id: &str, overrides: &Overrides) -> Result<Protocol, String> {
    let profile_url = endpoint(&overrides.userinfo_url, "https://api.github.com/user");
    let revocation_url = endpoint_beside(
        &overrides.revocation_url,
        &profile_url,
        1,
        &["applications", client_id, "grant"],
    )?;
    Ok(Protocol::oauth2(OAuth2Settings {
        issuer: overrides.issuer_or("https://github.com/login/oauth"),
        authorization_url: endpoint(
            &overrides.authorization_url,
            "https://github.com/login/oauth/authorize",
        ),
        token_url: endpoint(
            &overrides.token_url,
            "https://github.com/login/oauth/access_token",
        ),
        profile_url,
        client_auth: ClientAuth::FormPost,
        scope_separator: ' ',
        sends_pkce: true,
        profile: FieldMap {
            subject: "id".into(),
            name: Some("name".into()),
            username: Some("login".into()),
            email: Some("email".into()),
            // Settled from `/user/emails`; the public address alone proves nothing.
            email_verified: EmailTrust::Unknown,
            avatar: Some("avatar_url".into()),
        },
        quirks: ApiQuirks {
            profile_headers: vec![
                ("accept", "application/vnd.github+json"),
                ("x-github-api-version", "2022-11-28"),
            ],
            appsecret_proof: false,
            emails_url: Some(endpoint(
                &overrides.emails_url,
                "https://api.github.com/user/emails",
            )),
            long_lived_tokens: None,
            avatar_from_hash: None,
        },
        revocation: Some(Revocation::GitHubGrant(revocation_url)),
    }))
}

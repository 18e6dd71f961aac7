//! Facebook: plain OAuth 2.0 on the versioned Graph API, with a token endpoint taken by GET,
//! scopes separated by commas, `appsecret_proof` on API calls, and the login given back by
//! deleting the app's permissions.

use super::{
    Overrides,
    urls::{endpoint, endpoint_beside, graph, with_query},
};
use crate::{
    profile::fields::{EmailTrust, FieldMap},
    providers::protocol::{ApiQuirks, ClientAuth, OAuth2Settings, Protocol, Revocation},
};

pub(super) fn protocol(overrides: &Overrides) -> Result<Protocol, String> {
    let profile_url = with_query(
        endpoint(&overrides.userinfo_url, &graph("graph.facebook.com", "me")),
        "fields=id,name,email,picture.type(large)",
    );
    let revocation_url = endpoint_beside(&overrides.revocation_url, &profile_url, 0, &["permissions"])?;
    Ok(Protocol::oauth2(OAuth2Settings {
        issuer: overrides.issuer_or("https://www.facebook.com"),
        authorization_url: endpoint(
            &overrides.authorization_url,
            &graph("www.facebook.com", "dialog/oauth"),
        ),
        token_url: endpoint(
            &overrides.token_url,
            &graph("graph.facebook.com", "oauth/access_token"),
        ),
        profile_url,
        client_auth: ClientAuth::Query,
        scope_separator: ',',
        sends_pkce: true,
        profile: FieldMap {
            subject: "id".into(),
            name: Some("name".into()),
            username: None,
            email: Some("email".into()),
            // Facebook returns no verification flag for the address.
            email_verified: EmailTrust::Unknown,
            avatar: Some("picture.data.url".into()),
        },
        quirks: ApiQuirks {
            appsecret_proof: true,
            ..ApiQuirks::default()
        },
        revocation: Some(Revocation::FacebookPermissions(revocation_url)),
    }))
}

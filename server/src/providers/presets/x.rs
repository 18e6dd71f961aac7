//! X: OAuth 2.0 with PKCE and Basic client authentication, asking for the confirmed address
//! only with its scope; or, with `protocol = "oauth1"`, the legacy OAuth 1.0a flow of older
//! tutorials. Either way the grant can be given back (RFC 7009, or `oauth/invalidate_token`).

use super::{
    Overrides,
    urls::{endpoint, endpoint_beside, with_query},
};
use crate::{
    profile::fields::{EmailTrust, FieldMap},
    providers::protocol::{ApiQuirks, ClientAuth, OAuth1Settings, OAuth2Settings, Protocol, Revocation},
};

pub(super) fn oauth2(scopes: &[String], overrides: &Overrides) -> Result<Protocol, String> {
    let asks_email = scopes.iter().any(|s| s == "users.email");
    // Asking for `confirmed_email` without the scope makes the whole call fail.
    let fields = if asks_email {
        "user.fields=profile_image_url,confirmed_email"
    } else {
        "user.fields=profile_image_url"
    };
    let token_url = endpoint(&overrides.token_url, "https://api.x.com/2/oauth2/token");
    let revocation_url = endpoint_beside(&overrides.revocation_url, &token_url, 1, &["revoke"])?;
    Ok(Protocol::oauth2(OAuth2Settings {
        issuer: overrides.issuer_or("https://x.com"),
        authorization_url: endpoint(&overrides.authorization_url, "https://x.com/i/oauth2/authorize"),
        token_url,
        profile_url: with_query(
            endpoint(&overrides.userinfo_url, "https://api.x.com/2/users/me"),
            fields,
        ),
        client_auth: ClientAuth::Basic,
        scope_separator: ' ',
        sends_pkce: true,
        profile: FieldMap {
            subject: "data.id".into(),
            name: Some("data.name".into()),
            username: Some("data.username".into()),
            email: Some("data.confirmed_email".into()),
            email_verified: EmailTrust::ConfirmedByProvider,
            avatar: Some("data.profile_image_url".into()),
        },
        quirks: ApiQuirks::default(),
        revocation: Some(Revocation::Rfc7009(revocation_url)),
    }))
}

pub(super) fn oauth1(overrides: &Overrides) -> Result<Protocol, String> {
    let access_token_url = endpoint(&overrides.token_url, "https://api.x.com/oauth/access_token");
    let revocation_url = endpoint_beside(
        &overrides.revocation_url,
        &access_token_url,
        2,
        &["1.1", "oauth", "invalidate_token"],
    )?;
    Ok(Protocol::oauth1(OAuth1Settings {
        issuer: overrides.issuer_or("https://x.com"),
        request_token_url: endpoint(
            &overrides.request_token_url,
            "https://api.x.com/oauth/request_token",
        ),
        authorization_url: endpoint(
            &overrides.authorization_url,
            "https://api.x.com/oauth/authenticate",
        ),
        access_token_url,
        profile_url: with_query(
            endpoint(
                &overrides.userinfo_url,
                "https://api.x.com/1.1/account/verify_credentials.json",
            ),
            "include_email=true&skip_status=true",
        ),
        revocation_url,
        profile: FieldMap {
            subject: "id_str".into(),
            name: Some("name".into()),
            username: Some("screen_name".into()),
            email: Some("email".into()),
            // X returns the address only when the person has verified it.
            email_verified: EmailTrust::ConfirmedByProvider,
            avatar: Some("profile_image_url_https".into()),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::super::{Overrides, Preset};
    use crate::providers::protocol::Protocol;

    #[test]
    fn x_asks_for_the_confirmed_email_only_with_its_scope() {
        let profile_query = |scopes: &[&str]| {
            let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
            match Preset::X
                .protocol("client", &scopes, false, Overrides::default())
                .unwrap()
            {
                Protocol::OAuth2(s) => s.profile_url.query().unwrap_or_default().to_owned(),
                other => panic!("{other:?}"),
            }
        };
        assert!(!profile_query(&["users.read"]).contains("confirmed_email"));
        assert!(profile_query(&["users.read", "users.email"]).contains("confirmed_email"));
    }

    #[test]
    fn x_can_use_the_legacy_oauth1_flow() {
        let protocol = Preset::X
            .protocol("client", &[], true, Overrides::default())
            .unwrap();
        let Protocol::OAuth1(s) = protocol else {
            panic!("expected OAuth 1.0a")
        };
        assert_eq!(
            s.authorization_url.as_str(),
            "https://api.x.com/oauth/authenticate"
        );
        assert!(
            s.profile_url
                .as_str()
                .ends_with("verify_credentials.json?include_email=true&skip_status=true")
        );
    }
}

//! Instagram (API with Instagram Login): plain OAuth 2.0 without PKCE, an hour's token traded
//! for one that lasts 60 days and renews itself, no email address, and no revocation.

use super::{
    Overrides,
    urls::{beside, endpoint, graph, with_query},
};
use crate::{
    profile::fields::{EmailTrust, FieldMap},
    providers::protocol::{ApiQuirks, ClientAuth, LongLivedTokens, OAuth2Settings, Protocol},
};

pub(super) fn protocol(overrides: &Overrides) -> Result<Protocol, String> {
    let profile_url = with_query(
        endpoint(&overrides.userinfo_url, &graph("graph.instagram.com", "me")),
        "fields=id,user_id,username,name,account_type,profile_picture_url",
    );
    // Unversioned, on the Graph host beside the profile API.
    let long_lived_tokens = LongLivedTokens {
        exchange_url: beside(&profile_url, 2, &["access_token"])?,
        refresh_url: beside(&profile_url, 2, &["refresh_access_token"])?,
    };
    Ok(Protocol::oauth2(OAuth2Settings {
        issuer: overrides.issuer_or("https://www.instagram.com"),
        authorization_url: endpoint(
            &overrides.authorization_url,
            "https://www.instagram.com/oauth/authorize",
        ),
        token_url: endpoint(
            &overrides.token_url,
            "https://api.instagram.com/oauth/access_token",
        ),
        profile_url,
        client_auth: ClientAuth::FormPost,
        scope_separator: ',',
        sends_pkce: false,
        profile: FieldMap {
            // `id` is scoped to this app and stable; `user_id` (the account's
            // Instagram id) stays visible in the raw claims.
            subject: "id".into(),
            name: Some("name".into()),
            username: Some("username".into()),
            email: None,
            email_verified: EmailTrust::Unknown,
            avatar: Some("profile_picture_url".into()),
        },
        quirks: ApiQuirks {
            long_lived_tokens: Some(long_lived_tokens),
            ..ApiQuirks::default()
        },
        // Instagram documents no revocation: people remove the app in their settings.
        revocation: None,
    }))
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::super::{Overrides, Preset};
    use crate::providers::protocol::Protocol;

    #[test]
    fn instagram_trades_and_renews_its_tokens_beside_the_profile_api() {
        let long_lived = |overrides| match Preset::Instagram
            .protocol("client", &[], false, overrides)
            .unwrap()
        {
            Protocol::OAuth2(s) => s.quirks.long_lived_tokens.unwrap(),
            other => panic!("{other:?}"),
        };
        let real = long_lived(Overrides::default());
        assert_eq!(
            real.exchange_url.as_str(),
            "https://graph.instagram.com/access_token"
        );
        assert_eq!(
            real.refresh_url.as_str(),
            "https://graph.instagram.com/refresh_access_token"
        );
        let stand_in = long_lived(Overrides {
            userinfo_url: Some(Url::parse("http://127.0.0.1:9420/instagram/v25.0/me").unwrap()),
            ..Overrides::default()
        });
        assert_eq!(
            stand_in.exchange_url.as_str(),
            "http://127.0.0.1:9420/instagram/access_token"
        );
    }
}

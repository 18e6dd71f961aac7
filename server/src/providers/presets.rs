//! What we know about each big provider, so a client id and secret are all a developer gives.
//! Facts and sources: ../shared/PROVIDERS.md.

use app::model::Brand;
use openidconnect::IssuerUrl;
use url::Url;

use super::protocol::{
    ApiQuirks, ClientAuth, LongLivedTokens, OAuth1Settings, OAuth2Settings, OidcSettings, Protocol,
    Revocation,
};
use crate::profile::fields::{EmailTrust, FieldMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Google,
    X,
    Facebook,
    Instagram,
    GitHub,
}

/// Facebook and Instagram Graph endpoints are versioned; one version is pinned for all URLs.
const GRAPH_VERSION: &str = "v25.0";

/// Endpoints a configuration entry may override (tests point them at local stand-ins).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub issuer: Option<String>,
    pub authorization_url: Option<Url>,
    pub token_url: Option<Url>,
    pub userinfo_url: Option<Url>,
    pub emails_url: Option<Url>,
    pub request_token_url: Option<Url>,
    pub revocation_url: Option<Url>,
}

impl Preset {
    pub const ALL: [Preset; 5] = [
        Preset::Google,
        Preset::X,
        Preset::Facebook,
        Preset::Instagram,
        Preset::GitHub,
    ];

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == value)
    }

    /// The value of `preset =`, and the provider id when none is given.
    pub fn key(self) -> &'static str {
        self.brand().key()
    }

    /// `GOOGLE` in `GOOGLE_CLIENT_ID`.
    pub fn env_prefix(self) -> &'static str {
        match self {
            Preset::Google => "GOOGLE",
            Preset::X => "X",
            Preset::Facebook => "FACEBOOK",
            Preset::Instagram => "INSTAGRAM",
            Preset::GitHub => "GITHUB",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Preset::Google => "Google",
            Preset::X => "X",
            Preset::Facebook => "Facebook",
            Preset::Instagram => "Instagram",
            Preset::GitHub => "GitHub",
        }
    }

    pub fn brand(self) -> Brand {
        match self {
            Preset::Google => Brand::Google,
            Preset::X => Brand::X,
            Preset::Facebook => Brand::Facebook,
            Preset::Instagram => Brand::Instagram,
            Preset::GitHub => Brand::GitHub,
        }
    }

    pub fn default_scopes(self, oauth1: bool) -> &'static [&'static str] {
        match self {
            _ if oauth1 => &[],
            Preset::Google => &["openid", "email", "profile"],
            // `users.email` needs "Request email from users" in the X app settings; add it
            // in AUTH_CONFIG once that is on, and the profile then carries the address.
            Preset::X => &["tweet.read", "users.read"],
            Preset::Facebook => &["public_profile", "email"],
            Preset::Instagram => &["instagram_business_basic"],
            Preset::GitHub => &["read:user", "user:email"],
        }
    }

    /// Which overrides make sense for this preset; any other is a configuration error.
    pub fn allows(self, oauth1: bool, field: &str) -> bool {
        match (self, field) {
            (_, "issuer") => true,
            (Preset::Google, _) => false,
            (Preset::X, "request_token_url") => oauth1,
            (Preset::GitHub, "emails_url") => true,
            (Preset::X | Preset::GitHub | Preset::Facebook, "revocation_url") => true,
            (_, "authorization_url" | "token_url" | "userinfo_url") => true,
            _ => false,
        }
    }

    /// The preset's protocol with its endpoints, after applying `overrides`. GitHub's revocation
    /// endpoint names the app's `client_id`.
    pub fn protocol(
        self,
        client_id: &str,
        scopes: &[String],
        oauth1: bool,
        overrides: Overrides,
    ) -> Result<Protocol, String> {
        let issuer = |default: &str| overrides.issuer.clone().unwrap_or_else(|| default.to_owned());
        let endpoint =
            |given: &Option<Url>, default: &str| given.clone().unwrap_or_else(|| fixed_url(default));
        let graph = |host: &str, path: &str| format!("https://{host}/{GRAPH_VERSION}/{path}");
        Ok(match self {
            Preset::Google => {
                let issuer = issuer("https://accounts.google.com");
                Protocol::Oidc(OidcSettings {
                    issuer: IssuerUrl::new(issuer).map_err(|e| e.to_string())?,
                })
            }
            Preset::X if oauth1 => {
                let access_token_url = endpoint(&overrides.token_url, "https://api.x.com/oauth/access_token");
                let revocation_url = overrides.revocation_url.clone().map_or_else(
                    || beside(&access_token_url, 2, &["1.1", "oauth", "invalidate_token"]),
                    Ok,
                )?;
                Protocol::OAuth1(OAuth1Settings {
                    issuer: issuer("https://x.com"),
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
                })
            }
            Preset::X => {
                let asks_email = scopes.iter().any(|s| s == "users.email");
                // Asking for `confirmed_email` without the scope makes the whole call fail.
                let fields = if asks_email {
                    "user.fields=profile_image_url,confirmed_email"
                } else {
                    "user.fields=profile_image_url"
                };
                let token_url = endpoint(&overrides.token_url, "https://api.x.com/2/oauth2/token");
                let revocation_url = overrides
                    .revocation_url
                    .clone()
                    .map_or_else(|| beside(&token_url, 1, &["revoke"]), Ok)?;
                Protocol::OAuth2(OAuth2Settings {
                    issuer: issuer("https://x.com"),
                    authorization_url: endpoint(
                        &overrides.authorization_url,
                        "https://x.com/i/oauth2/authorize",
                    ),
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
                })
            }
            Preset::Facebook => {
                let profile_url = with_query(
                    endpoint(&overrides.userinfo_url, &graph("graph.facebook.com", "me")),
                    "fields=id,name,email,picture.type(large)",
                );
                let revocation_url = overrides
                    .revocation_url
                    .clone()
                    .map_or_else(|| beside(&profile_url, 0, &["permissions"]), Ok)?;
                Protocol::OAuth2(OAuth2Settings {
                    issuer: issuer("https://www.facebook.com"),
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
                })
            }
            Preset::Instagram => {
                let profile_url = with_query(
                    endpoint(&overrides.userinfo_url, &graph("graph.instagram.com", "me")),
                    "fields=id,user_id,username,name,account_type,profile_picture_url",
                );
                // Unversioned, on the Graph host beside the profile API.
                let long_lived_tokens = LongLivedTokens {
                    exchange_url: beside(&profile_url, 2, &["access_token"])?,
                    refresh_url: beside(&profile_url, 2, &["refresh_access_token"])?,
                };
                Protocol::OAuth2(OAuth2Settings {
                    issuer: issuer("https://www.instagram.com"),
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
                })
            }
            Preset::GitHub => {
                let profile_url = endpoint(&overrides.userinfo_url, "https://api.github.com/user");
                let revocation_url = overrides.revocation_url.clone().map_or_else(
                    || beside(&profile_url, 1, &["applications", client_id, "grant"]),
                    Ok,
                )?;
                Protocol::OAuth2(OAuth2Settings {
                    issuer: issuer("https://github.com/login/oauth"),
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
                    },
                    revocation: Some(Revocation::GitHubGrant(revocation_url)),
                })
            }
        })
    }
}

fn fixed_url(value: &str) -> Url {
    Url::parse(value).expect("preset URLs are valid")
}

/// The endpoint `up` path segments above `near` and then down `down`, without a query. A
/// preset's endpoints that a configuration cannot name (or did not) live beside one it did, so
/// that pointing the profile or token endpoint at a stand-in moves its neighbours with it.
fn beside(near: &Url, up: usize, down: &[&str]) -> Result<Url, String> {
    let mut url = near.clone();
    url.set_query(None);
    let mut path = url
        .path_segments_mut()
        .map_err(|()| "an endpoint URL has no path".to_owned())?;
    for _ in 0..up {
        path.pop();
    }
    path.pop_if_empty().extend(down);
    drop(path);
    Ok(url)
}

/// The preset's query (the profile fields to ask for), unless an override brought its own.
fn with_query(mut url: Url, query: &str) -> Url {
    if url.query().is_none() {
        url.set_query(Some(query));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_has_a_protocol_with_https_endpoints() {
        for preset in Preset::ALL {
            let scopes: Vec<String> = preset
                .default_scopes(false)
                .iter()
                .map(|s| s.to_string())
                .collect();
            let protocol = preset
                .protocol("client", &scopes, false, Overrides::default())
                .unwrap();
            assert!(protocol.issuer().starts_with("https://"), "{preset:?}");
            if let Protocol::OAuth2(s) = protocol {
                for url in [&s.authorization_url, &s.token_url, &s.profile_url] {
                    assert_eq!(url.scheme(), "https", "{preset:?}");
                }
            }
        }
    }

    #[test]
    fn each_preset_revokes_where_its_provider_documents() {
        let revocation = |preset: Preset| match preset
            .protocol("Iv1.8a61f9b3a7aba766", &[], false, Overrides::default())
            .unwrap()
        {
            Protocol::OAuth2(s) => s.revocation,
            other => panic!("{other:?}"),
        };
        let url = |value: &str| Url::parse(value).unwrap();
        assert_eq!(
            revocation(Preset::GitHub),
            Some(Revocation::GitHubGrant(url(
                "https://api.github.com/applications/Iv1.8a61f9b3a7aba766/grant"
            )))
        );
        assert_eq!(
            revocation(Preset::X),
            Some(Revocation::Rfc7009(url("https://api.x.com/2/oauth2/revoke")))
        );
        assert_eq!(
            revocation(Preset::Facebook),
            Some(Revocation::FacebookPermissions(url(
                "https://graph.facebook.com/v25.0/me/permissions"
            )))
        );
        assert_eq!(revocation(Preset::Instagram), None);
    }

    #[test]
    fn revocation_moves_with_the_endpoints_a_configuration_points_elsewhere() {
        let url = |value: &str| Some(Url::parse(value).unwrap());
        let oauth2 =
            |preset: Preset, overrides| match preset.protocol("client", &[], false, overrides).unwrap() {
                Protocol::OAuth2(s) => s.revocation.unwrap(),
                other => panic!("{other:?}"),
            };
        let github = Overrides {
            userinfo_url: url("http://127.0.0.1:9420/github/user"),
            ..Overrides::default()
        };
        assert_eq!(
            oauth2(Preset::GitHub, github),
            Revocation::GitHubGrant(url("http://127.0.0.1:9420/github/applications/client/grant").unwrap())
        );
        let x = Overrides {
            token_url: url("http://127.0.0.1:9420/x/token"),
            ..Overrides::default()
        };
        assert_eq!(
            oauth2(Preset::X, x),
            Revocation::Rfc7009(url("http://127.0.0.1:9420/x/revoke").unwrap())
        );
        let facebook = Overrides {
            userinfo_url: url("http://127.0.0.1:9420/facebook/v25.0/me"),
            ..Overrides::default()
        };
        assert_eq!(
            oauth2(Preset::Facebook, facebook),
            Revocation::FacebookPermissions(
                url("http://127.0.0.1:9420/facebook/v25.0/me/permissions").unwrap()
            )
        );
        let legacy = |overrides| match Preset::X.protocol("client", &[], true, overrides).unwrap() {
            Protocol::OAuth1(s) => s.revocation_url,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            legacy(Overrides::default()).as_str(),
            "https://api.x.com/1.1/oauth/invalidate_token"
        );
        let stand_in = Overrides {
            token_url: url("http://127.0.0.1:9420/x-legacy/oauth/access_token"),
            ..Overrides::default()
        };
        assert_eq!(
            legacy(stand_in).as_str(),
            "http://127.0.0.1:9420/x-legacy/1.1/oauth/invalidate_token"
        );
        // A URL given for it wins.
        let given = Overrides {
            userinfo_url: url("http://127.0.0.1:9420/github/user"),
            revocation_url: url("http://127.0.0.1:9421/grant"),
            ..Overrides::default()
        };
        assert_eq!(
            oauth2(Preset::GitHub, given),
            Revocation::GitHubGrant(url("http://127.0.0.1:9421/grant").unwrap())
        );
    }

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
    fn overrides_keep_the_preset_query_unless_they_bring_one() {
        let overrides = Overrides {
            userinfo_url: Some(Url::parse("http://127.0.0.1:9500/v25.0/me").unwrap()),
            ..Overrides::default()
        };
        let Protocol::OAuth2(s) = Preset::Facebook
            .protocol("client", &[], false, overrides)
            .unwrap()
        else {
            panic!("facebook is OAuth 2.0")
        };
        assert_eq!(
            s.profile_url.as_str(),
            "http://127.0.0.1:9500/v25.0/me?fields=id,name,email,picture.type(large)"
        );
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

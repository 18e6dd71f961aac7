//! The big providers we know, so a client id and secret are all a developer gives: what each
//! is called, the scopes it asks for, and which of its endpoints a configuration may move.
//! Each preset's endpoints, profile mapping and quirks are in its own file beside this one.
//! Facts and sources: ../shared/PROVIDERS.md.

pub mod apple;
mod discord;
mod facebook;
mod github;
mod gitlab;
mod google;
mod instagram;
mod linkedin;
mod microsoft;
mod openid;
mod slack;
mod twitch;
mod urls;
mod x;

use app::model::Brand;
use url::Url;

use super::protocol::Protocol;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Google,
    X,
    Facebook,
    Instagram,
    GitHub,
    Discord,
    GitLab,
    LinkedIn,
    Twitch,
    Slack,
    Microsoft,
    Apple,
}

/// What a configuration entry may set for a preset besides its credentials: endpoints to move
/// (tests point them at local stand-ins) and Microsoft's tenants.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub issuer: Option<String>,
    pub authorization_url: Option<Url>,
    pub token_url: Option<Url>,
    pub userinfo_url: Option<Url>,
    pub emails_url: Option<Url>,
    pub request_token_url: Option<Url>,
    pub revocation_url: Option<Url>,
    pub tenant: Option<String>,
    pub allowed_tenants: Vec<String>,
}

/// A preset's setting that cannot be used, by the name the configuration gives it.
#[derive(Debug, PartialEq, Eq)]
pub struct PresetError {
    pub field: &'static str,
    pub problem: String,
}

impl PresetError {
    fn new(field: &'static str, problem: String) -> Self {
        Self { field, problem }
    }

    fn issuer(problem: String) -> Self {
        Self::new("issuer", problem)
    }
}

impl Overrides {
    /// The issuer the configuration gave, else the preset's own.
    fn issuer_or(&self, default: &str) -> String {
        self.issuer.clone().unwrap_or_else(|| default.to_owned())
    }
}

impl Preset {
    pub const ALL: [Preset; 12] = [
        Preset::Google,
        Preset::X,
        Preset::Facebook,
        Preset::Instagram,
        Preset::GitHub,
        Preset::Discord,
        Preset::GitLab,
        Preset::LinkedIn,
        Preset::Twitch,
        Preset::Slack,
        Preset::Microsoft,
        Preset::Apple,
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
            Preset::Discord => "DISCORD",
            Preset::GitLab => "GITLAB",
            Preset::LinkedIn => "LINKEDIN",
            Preset::Twitch => "TWITCH",
            Preset::Slack => "SLACK",
            Preset::Microsoft => "MICROSOFT",
            Preset::Apple => "APPLE",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Preset::Google => "Google",
            Preset::X => "X",
            Preset::Facebook => "Facebook",
            Preset::Instagram => "Instagram",
            Preset::GitHub => "GitHub",
            Preset::Discord => "Discord",
            Preset::GitLab => "GitLab",
            Preset::LinkedIn => "LinkedIn",
            Preset::Twitch => "Twitch",
            Preset::Slack => "Slack",
            Preset::Microsoft => "Microsoft",
            Preset::Apple => "Apple",
        }
    }

    pub fn brand(self) -> Brand {
        match self {
            Preset::Google => Brand::Google,
            Preset::X => Brand::X,
            Preset::Facebook => Brand::Facebook,
            Preset::Instagram => Brand::Instagram,
            Preset::GitHub => Brand::GitHub,
            Preset::Discord => Brand::Discord,
            Preset::GitLab => Brand::GitLab,
            Preset::LinkedIn => Brand::LinkedIn,
            Preset::Twitch => Brand::Twitch,
            Preset::Slack => Brand::Slack,
            Preset::Microsoft => Brand::Microsoft,
            Preset::Apple => Brand::Apple,
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
            Preset::Discord => &["identify", "email"],
            Preset::GitLab | Preset::LinkedIn | Preset::Slack => &["openid", "profile", "email"],
            // `offline_access` for a refresh token.
            Preset::Microsoft => &["openid", "profile", "email", "offline_access"],
            // Asking for either of `name` and `email` makes Apple POST the callback.
            Preset::Apple => &["openid", "name", "email"],
            // Twitch's only OpenID scope; the address needs `user:read:email` (and a claims
            // request, which the preset sends).
            Preset::Twitch => &["openid", "user:read:email"],
        }
    }

    /// Which overrides make sense for this preset; any other is a configuration error.
    pub fn allows(self, oauth1: bool, field: &str) -> bool {
        match (self, field) {
            (_, "issuer") => true,
            // OpenID Connect: the issuer (a self-managed GitLab's own) is all there is to move.
            (
                Preset::Google
                | Preset::GitLab
                | Preset::LinkedIn
                | Preset::Twitch
                | Preset::Slack
                | Preset::Microsoft
                | Preset::Apple,
                _,
            ) => false,
            (Preset::X, "request_token_url") => oauth1,
            (Preset::GitHub, "emails_url") => true,
            (Preset::X | Preset::GitHub | Preset::Facebook | Preset::Discord, "revocation_url") => true,
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
    ) -> Result<Protocol, PresetError> {
        let oauth = |result: Result<Protocol, String>| result.map_err(PresetError::issuer);
        match self {
            Preset::Google => google::protocol(&overrides),
            Preset::X if oauth1 => oauth(x::oauth1(&overrides)),
            Preset::X => oauth(x::oauth2(scopes, &overrides)),
            Preset::Facebook => oauth(facebook::protocol(&overrides)),
            Preset::Instagram => oauth(instagram::protocol(&overrides)),
            Preset::GitHub => oauth(github::protocol(client_id, &overrides)),
            Preset::Discord => oauth(discord::protocol(&overrides)),
            Preset::GitLab => gitlab::protocol(&overrides),
            Preset::LinkedIn => linkedin::protocol(&overrides),
            Preset::Twitch => twitch::protocol(&overrides),
            Preset::Slack => slack::protocol(&overrides),
            Preset::Microsoft => microsoft::protocol(&overrides),
            Preset::Apple => apple::protocol(scopes, &overrides),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::protocol::Revocation;

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
}

//! How a configured provider is spoken to: OpenID Connect, plain OAuth 2.0, or OAuth 1.0a.

use openidconnect::IssuerUrl;
use url::Url;

use super::tenancy::Tenancy;
use crate::profile::fields::FieldMap;

#[derive(Debug, Clone)]
pub enum Protocol {
    Oidc(OidcSettings),
    // Boxed: their settings are several times the size of OpenID's.
    OAuth2(Box<OAuth2Settings>),
    OAuth1(Box<OAuth1Settings>),
}

impl Protocol {
    pub fn oauth2(settings: OAuth2Settings) -> Self {
        Protocol::OAuth2(Box::new(settings))
    }

    pub fn oauth1(settings: OAuth1Settings) -> Self {
        Protocol::OAuth1(Box::new(settings))
    }

    /// The namespace of the provider's subjects: identities are keyed by (issuer, subject).
    pub fn issuer(&self) -> &str {
        match self {
            Protocol::Oidc(s) => s.issuer.as_str(),
            Protocol::OAuth2(s) => &s.issuer,
            Protocol::OAuth1(s) => &s.issuer,
        }
    }
}

#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// Discovery happens at `{issuer}/.well-known/openid-configuration`.
    pub issuer: IssuerUrl,
    /// Whether the provider takes PKCE parameters (LinkedIn takes them from native apps only).
    /// The browser's verifier is checked against its challenge on our side either way.
    pub sends_pkce: bool,
    /// An OpenID `claims` request sent with the authorization (Twitch gives the email only
    /// when asked this way).
    pub claims_request: Option<&'static str>,
    /// How the authorization comes back to the callback.
    pub response_mode: ResponseMode,
    /// Whose ID tokens these are, where claims beyond the standard ones matter.
    pub dialect: IdTokenDialect,
}

impl OidcSettings {
    /// A provider that follows the specification, with PKCE.
    pub fn standard(issuer: IssuerUrl) -> Self {
        Self {
            issuer,
            sends_pkce: true,
            claims_request: None,
            response_mode: ResponseMode::Query,
            dialect: IdTokenDialect::Standard,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// A redirect with the code in the query (OAuth 2.0's default).
    Query,
    /// A cross-site form POST to the callback (Apple, when a name or email is asked). Only
    /// providers in this mode have their POSTed callbacks accepted.
    FormPost,
}

/// Claims read beyond the standard ones, each provider its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdTokenDialect {
    Standard,
    /// `https://slack.com/team_name`: the workspace.
    Slack,
    /// `tid` and `oid` key the identity, `iss` is checked per tenant, `xms_edov` vouches for
    /// the email; userinfo (Microsoft Graph's) is not asked.
    Microsoft(Tenancy),
    /// The name comes once, in the form POSTed with the first authorization.
    Apple,
}

#[derive(Debug, Clone)]
pub struct OAuth2Settings {
    /// Not a discovery URL: the name under which subjects are stored, and the only `iss`
    /// value a callback may carry (RFC 9207; GitHub sends it).
    pub issuer: String,
    pub authorization_url: Url,
    pub token_url: Url,
    pub profile_url: Url,
    pub client_auth: ClientAuth,
    /// Facebook and Instagram separate scopes with commas, everyone else with spaces.
    pub scope_separator: char,
    /// Whether the provider takes PKCE parameters (Instagram documents none). The browser's
    /// verifier is checked against its challenge on our side either way.
    pub sends_pkce: bool,
    pub profile: FieldMap,
    pub quirks: ApiQuirks,
    /// How the grant is given back when its identity is disconnected; `None` where the
    /// provider offers no way (Instagram).
    pub revocation: Option<Revocation>,
}

/// Each provider's documented way of revoking a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// RFC 7009, authenticating as at the token endpoint (X's `/2/oauth2/revoke`).
    Rfc7009(Url),
    /// GitHub's `DELETE /applications/{client_id}/grant`: the app authenticates with Basic and
    /// names the access token in a JSON body; the whole grant ends.
    GitHubGrant(Url),
    /// Facebook's `DELETE /me/permissions` with the person's token: the app's login is removed.
    FacebookPermissions(Url),
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with a form POST (RFC 6749's default; X requires it).
    Basic,
    /// `client_id` and `client_secret` in the POSTed form (GitHub, Instagram).
    FormPost,
    /// A GET with every parameter in the query, as Facebook documents its token endpoint.
    Query,
}

/// Per-provider details of calling the profile API.
#[derive(Debug, Clone, Default)]
pub struct ApiQuirks {
    /// Extra request headers (GitHub's API version and media type).
    pub profile_headers: Vec<(&'static str, &'static str)>,
    /// Facebook: prove the token was obtained with our secret (`appsecret_proof`).
    pub appsecret_proof: bool,
    /// GitHub: the list of addresses with their verification.
    pub emails_url: Option<Url>,
    /// Instagram: the code grant's token lasts an hour and there are no refresh tokens.
    pub long_lived_tokens: Option<LongLivedTokens>,
    /// Discord: the profile names its avatar by a hash, not a URL.
    pub avatar_from_hash: Option<AvatarFromHash>,
}

/// A picture at `{cdn}{subject}/{hash}.png`, the hash read at `hash` in the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvatarFromHash {
    pub cdn: url::Url,
    pub hash: String,
}

impl AvatarFromHash {
    /// The picture's URL; `None` without a hash (the default avatar) or with one that is not
    /// a plain word, which could otherwise walk the CDN's paths.
    pub fn url(&self, subject: &str, profile: &serde_json::Value) -> Option<String> {
        let hash = profile.get(&self.hash)?.as_str()?;
        let word =
            |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !word(hash) || !word(subject) {
            return None;
        }
        self.cdn
            .join(&format!("{subject}/{hash}.png"))
            .ok()
            .map(String::from)
    }
}

/// Where an hour's token is traded for one that lasts 60 days, and where that one renews
/// itself (Instagram's `ig_exchange_token` and `ig_refresh_token`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongLivedTokens {
    pub exchange_url: Url,
    pub refresh_url: Url,
}

#[derive(Debug, Clone)]
pub struct OAuth1Settings {
    pub issuer: String,
    pub request_token_url: Url,
    /// Where the browser is sent with the request token (X: `oauth/authenticate`).
    pub authorization_url: Url,
    pub access_token_url: Url,
    /// X's `account/verify_credentials`, the signed-in user's profile.
    pub profile_url: Url,
    /// Where the access token is given back (X's `oauth/invalidate_token`).
    pub revocation_url: Url,
    pub profile: FieldMap,
}

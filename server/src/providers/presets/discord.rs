//! Discord: OAuth 2.0 with PKCE (S256) and RFC 9207 `iss` on the callback; the person from
//! `/users/@me`, whose `verified` says whether the address is, and whose avatar is a hash the
//! picture's URL is built from. Grants are given back at its RFC 7009 endpoint.

use url::Url;

use super::{
    Overrides,
    urls::{beside, endpoint, endpoint_beside},
};
use crate::{
    profile::fields::{EmailTrust, FieldMap},
    providers::protocol::{ApiQuirks, AvatarFromHash, ClientAuth, OAuth2Settings, Protocol, Revocation},
};

pub(super) fn protocol(overrides: &Overrides) -> Result<Protocol, String> {
    // Pictures are on Discord's CDN; a profile API pointed elsewhere (a stand-in) serves them
    // beside itself, so no picture is ever fetched from a host the configuration did not name.
    let cdn = match &overrides.userinfo_url {
        Some(profile) => beside(profile, 4, &["avatars", ""])?,
        None => Url::parse("https://cdn.discordapp.com/avatars/").expect("a valid URL"),
    };
    let token_url = endpoint(&overrides.token_url, "https://discord.com/api/oauth2/token");
    let revocation_url = endpoint_beside(&overrides.revocation_url, &token_url, 0, &["revoke"])?;
    Ok(Protocol::oauth2(OAuth2Settings {
        issuer: overrides.issuer_or("https://discord.com"),
        authorization_url: endpoint(
            &overrides.authorization_url,
            "https://discord.com/oauth2/authorize",
        ),
        token_url,
        profile_url: endpoint(&overrides.userinfo_url, "https://discord.com/api/v10/users/@me"),
        client_auth: ClientAuth::Basic,
        scope_separator: ' ',
        sends_pkce: true,
        profile: FieldMap {
            subject: "id".into(),
            name: Some("global_name".into()),
            username: Some("username".into()),
            email: Some("email".into()),
            email_verified: EmailTrust::Claim("verified".into()),
            // Built from `id` and `avatar` (a hash) by the quirk below.
            avatar: None,
        },
        quirks: ApiQuirks {
            avatar_from_hash: Some(AvatarFromHash {
                cdn,
                hash: "avatar".into(),
            }),
            ..ApiQuirks::default()
        },
        revocation: Some(Revocation::Rfc7009(revocation_url)),
    }))
}

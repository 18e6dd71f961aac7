//! What each kind of `AUTH_CONFIG` entry needs besides the fields every entry has: an OpenID
//! Connect provider its issuer, a plain OAuth 2.0 provider its endpoints and a field mapping,
//! a preset only the endpoints it lets a configuration move. A field that means nothing for
//! the kind is an error rather than silently ignored.

use openidconnect::IssuerUrl;
use url::Url;

use super::{ConfigError, EntryShape, owned};
use crate::{
    profile::fields::{EmailTrust, FieldMap},
    providers::{
        endpoint::parse_endpoint,
        presets::{Overrides, Preset},
        protocol::{ApiQuirks, ClientAuth, OAuth2Settings, OidcSettings, Protocol, Revocation},
    },
};

const OIDC_DEFAULT_SCOPES: [&str; 3] = ["openid", "email", "profile"];

/// An OpenID Connect provider found by discovery at its issuer.
pub(super) fn oidc(
    scopes: Option<Vec<String>>,
    entry: EntryShape,
    fail: &impl Fn(&'static str, &str) -> ConfigError,
) -> Result<(Vec<String>, Protocol), ConfigError> {
    refuse_fields(
        &entry,
        &[
            "protocol",
            "token_url",
            "userinfo_url",
            "emails_url",
            "request_token_url",
            "revocation_url",
            "token_auth",
            "fields",
            "tenant",
            "allowed_tenants",
        ],
        "an OpenID Connect provider (one with `issuer` and no `authorization_url`)",
        fail,
    )?;
    let issuer = entry.issuer.ok_or_else(|| {
        fail(
            "issuer",
            "is required (or give authorization_url, token_url and userinfo_url for plain OAuth 2.0, or a preset)",
        )
    })?;
    let parsed = parse_endpoint(&issuer).map_err(|problem| fail("issuer", &problem))?;
    if parsed.query().is_some() {
        return Err(fail("issuer", "must not have a query"));
    }
    // Kept as written: issuers are compared as exact strings, trailing slash included.
    let issuer = IssuerUrl::new(issuer).map_err(|e| fail("issuer", &e.to_string()))?;
    let mut scopes = scopes.unwrap_or_else(|| owned(&OIDC_DEFAULT_SCOPES));
    // Without `openid` there is no ID token, and the ID token is what proves who signed in.
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    Ok((scopes, Protocol::Oidc(OidcSettings::standard(issuer))))
}

/// A provider without OpenID Connect, described by its endpoints and a field mapping.
pub(super) fn plain_oauth2(
    entry: EntryShape,
    fail: &impl Fn(&'static str, &str) -> ConfigError,
) -> Result<Protocol, ConfigError> {
    refuse_fields(
        &entry,
        &[
            "protocol",
            "emails_url",
            "request_token_url",
            "tenant",
            "allowed_tenants",
        ],
        "a plain OAuth 2.0 provider",
        fail,
    )?;
    let url = |field: &'static str, value: &Option<String>| -> Result<Url, ConfigError> {
        let value = value
            .as_deref()
            .ok_or_else(|| fail(field, "is required for a plain OAuth 2.0 provider"))?;
        parse_endpoint(value).map_err(|problem| fail(field, &problem))
    };
    let authorization_url = url("authorization_url", &entry.authorization_url)?;
    let token_url = url("token_url", &entry.token_url)?;
    let profile_url = url("userinfo_url", &entry.userinfo_url)?;
    let revocation = match &entry.revocation_url {
        Some(value) => Some(Revocation::Rfc7009(
            parse_endpoint(value).map_err(|problem| fail("revocation_url", &problem))?,
        )),
        None => None,
    };
    let issuer = match &entry.issuer {
        Some(issuer) => {
            parse_endpoint(issuer).map_err(|problem| fail("issuer", &problem))?;
            issuer.clone()
        }
        None => authorization_url.origin().ascii_serialization(),
    };
    let client_auth = match entry.token_auth.as_deref() {
        None | Some("basic") => ClientAuth::Basic,
        Some("post") => ClientAuth::FormPost,
        Some(_) => return Err(fail("token_auth", "must be \"basic\" or \"post\"")),
    };
    let fields = entry
        .fields
        .ok_or_else(|| fail("fields", "is required: say where the profile keeps at least `id`"))?;
    let path = |value: Option<String>| value.filter(|p| !p.trim().is_empty());
    let profile = FieldMap {
        subject: path(fields.id).ok_or_else(|| fail("fields", "`id` is required"))?,
        name: path(fields.name),
        username: path(fields.username),
        email: path(fields.email),
        email_verified: path(fields.email_verified).map_or(EmailTrust::Unknown, EmailTrust::Claim),
        avatar: path(fields.avatar),
    };
    Ok(Protocol::oauth2(OAuth2Settings {
        issuer,
        authorization_url,
        token_url,
        profile_url,
        client_auth,
        scope_separator: ' ',
        sends_pkce: true,
        profile,
        quirks: ApiQuirks::default(),
        revocation,
    }))
}

/// A preset: its own endpoints, except those the entry moves elsewhere.
pub(super) fn preset(
    preset: Preset,
    client_id: &str,
    scopes: Option<Vec<String>>,
    entry: EntryShape,
    fail: &impl Fn(&'static str, &str) -> ConfigError,
) -> Result<(Vec<String>, Protocol), ConfigError> {
    refuse_fields(&entry, &["token_auth", "fields"], "a preset", fail)?;
    if preset != Preset::Microsoft {
        refuse_fields(
            &entry,
            &["tenant", "allowed_tenants"],
            &format!("the {} preset (only to microsoft)", preset.key()),
            fail,
        )?;
    }
    let oauth1 = match (preset, entry.protocol.as_deref()) {
        (_, None | Some("oauth2")) => false,
        (Preset::X, Some("oauth1")) => true,
        (Preset::X, Some(_)) => return Err(fail("protocol", "must be \"oauth2\" or \"oauth1\"")),
        (_, Some(_)) => return Err(fail("protocol", "only the x preset has a choice of protocol")),
    };
    let endpoint = |field: &'static str, value: &Option<String>| -> Result<Option<Url>, ConfigError> {
        let Some(value) = value else { return Ok(None) };
        if !preset.allows(oauth1, field) {
            return Err(fail(
                field,
                &format!("is not an endpoint of the {} preset", preset.key()),
            ));
        }
        parse_endpoint(value)
            .map(Some)
            .map_err(|problem| fail(field, &problem))
    };
    let overrides = Overrides {
        // Kept as written: issuers are compared as exact strings.
        issuer: endpoint("issuer", &entry.issuer)?.and(entry.issuer.clone()),
        authorization_url: endpoint("authorization_url", &entry.authorization_url)?,
        token_url: endpoint("token_url", &entry.token_url)?,
        userinfo_url: endpoint("userinfo_url", &entry.userinfo_url)?,
        emails_url: endpoint("emails_url", &entry.emails_url)?,
        request_token_url: endpoint("request_token_url", &entry.request_token_url)?,
        revocation_url: endpoint("revocation_url", &entry.revocation_url)?,
        tenant: entry.tenant.clone(),
        allowed_tenants: entry.allowed_tenants.clone().unwrap_or_default(),
    };
    let scopes = scopes.unwrap_or_else(|| owned(preset.default_scopes(oauth1)));
    let protocol = preset
        .protocol(client_id, &scopes, oauth1, overrides)
        .map_err(|e| fail(e.field, &e.problem))?;
    Ok((scopes, protocol))
}

/// Fields that mean nothing for this kind of provider are errors, not silently ignored.
fn refuse_fields(
    entry: &EntryShape,
    names: &[&'static str],
    kind: &str,
    fail: &impl Fn(&'static str, &str) -> ConfigError,
) -> Result<(), ConfigError> {
    let present = |name: &str| match name {
        "protocol" => entry.protocol.is_some(),
        "token_url" => entry.token_url.is_some(),
        "userinfo_url" => entry.userinfo_url.is_some(),
        "emails_url" => entry.emails_url.is_some(),
        "request_token_url" => entry.request_token_url.is_some(),
        "revocation_url" => entry.revocation_url.is_some(),
        "token_auth" => entry.token_auth.is_some(),
        "fields" => entry.fields.is_some(),
        "tenant" => entry.tenant.is_some(),
        "allowed_tenants" => entry.allowed_tenants.is_some(),
        _ => false,
    };
    match names.iter().find(|name| present(name)) {
        Some(name) => Err(fail(name, &format!("does not apply to {kind}"))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use app::model::Brand;

    use super::{super::parse, *};

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn presets_need_only_credentials_and_take_overrides() {
        let text = r#"
            [[provider]]
            preset = "github"
            client_id = "Iv1.abc"
            client_secret = "gh-secret"
            token_url = "http://127.0.0.1:9500/login/oauth/access_token"

            [[provider]]
            preset = "x"
            id = "twitter"
            protocol = "oauth1"
            client_id = "consumer"
            client_secret = "consumer-secret"
            request_token_url = "http://127.0.0.1:9501/oauth/request_token"
        "#;
        let providers = parse("auth.toml", text, no_env).unwrap();
        assert_eq!(providers[0].id.as_str(), "github");
        assert_eq!(providers[0].name, "GitHub");
        assert_eq!(providers[0].brand, Some(Brand::GitHub));
        assert_eq!(providers[0].scopes, ["read:user", "user:email"]);
        let Protocol::OAuth2(github) = &providers[0].protocol else {
            panic!("github is OAuth 2.0")
        };
        assert_eq!(
            github.token_url.as_str(),
            "http://127.0.0.1:9500/login/oauth/access_token"
        );
        assert_eq!(
            github.authorization_url.as_str(),
            "https://github.com/login/oauth/authorize"
        );
        assert_eq!(providers[1].id.as_str(), "twitter");
        assert!(matches!(providers[1].protocol, Protocol::OAuth1(_)));
    }

    #[test]
    fn preset_mistakes_name_the_field() {
        let entry = |extra: &str| {
            format!("[[provider]]\npreset = \"facebook\"\nclient_id = \"a\"\nclient_secret = \"b\"\n{extra}")
        };
        for (extra, field) in [
            ("", "none"),
            (
                "request_token_url = \"https://x.example/rt\"",
                "request_token_url",
            ),
            ("protocol = \"oauth1\"", "protocol"),
            ("token_url = \"http://evil.example/token\"", "token_url"),
            ("token_auth = \"post\"", "token_auth"),
            (
                "revocation_url = \"https://graph.facebook.com/v25.0/me/permissions\"",
                "none",
            ),
        ] {
            let result = parse("auth.toml", &entry(extra), no_env);
            if field == "none" {
                assert!(result.is_ok());
            } else {
                let err = result.unwrap_err().to_string();
                assert!(err.contains(&format!("field `{field}`")), "{extra}: {err}");
            }
        }
        // Instagram documents no revocation, so there is no endpoint to override.
        let instagram =
            entry("revocation_url = \"https://graph.instagram.com/revoke\"").replace("facebook", "instagram");
        let err = parse("auth.toml", &instagram, no_env).unwrap_err().to_string();
        assert!(err.contains("field `revocation_url`"), "{err}");
        let err = parse(
            "auth.toml",
            "[[provider]]\npreset = \"myspace\"\nclient_id = \"a\"\nclient_secret = \"b\"",
            no_env,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("field `preset`") && err.contains("github"), "{err}");
    }

    #[test]
    fn plain_oauth2_providers_need_endpoints_and_a_subject_field() {
        let text = r#"
            [[provider]]
            id = "discord"
            name = "Discord"
            client_id = "d"
            client_secret = "s"
            scopes = ["identify", "email"]
            authorization_url = "https://discord.com/oauth2/authorize"
            token_url = "https://discord.com/api/oauth2/token"
            userinfo_url = "https://discord.com/api/v10/users/@me"
            token_auth = "post"
            revocation_url = "https://discord.com/api/oauth2/token/revoke"
            [provider.fields]
            id = "id"
            name = "global_name"
            username = "username"
            email = "email"
            email_verified = "verified"
        "#;
        let providers = parse("auth.toml", text, no_env).unwrap();
        let Protocol::OAuth2(discord) = &providers[0].protocol else {
            panic!("plain OAuth 2.0")
        };
        assert_eq!(discord.issuer, "https://discord.com");
        assert_eq!(discord.client_auth, ClientAuth::FormPost);
        assert_eq!(
            discord.revocation,
            Some(Revocation::Rfc7009(
                Url::parse("https://discord.com/api/oauth2/token/revoke").unwrap()
            ))
        );
        assert_eq!(
            discord.profile.email_verified,
            EmailTrust::Claim("verified".into())
        );
        assert_eq!(providers[0].brand, None);

        let without_fields = text.split("[provider.fields]").next().unwrap();
        let err = parse("auth.toml", without_fields, no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("field `fields`"), "{err}");
        let without_token_url = text.replace("token_url = \"https://discord.com/api/oauth2/token\"", "");
        let err = parse("auth.toml", &without_token_url, no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("field `token_url`"), "{err}");
    }

    #[test]
    fn microsoft_tenants_are_checked_at_start_naming_the_field() {
        let entry = |extra: &str| {
            format!("[[provider]]\npreset = \"microsoft\"\nclient_id = \"a\"\nclient_secret = \"b\"\n{extra}")
        };
        let providers = parse("auth.toml", &entry(""), no_env).unwrap();
        assert_eq!(
            providers[0].protocol.issuer(),
            "https://login.microsoftonline.com/common/v2.0"
        );
        let guid = "4b0c2e6a-1f3d-4c5e-8a7b-9d1e2f3a4b5c";
        let providers = parse("auth.toml", &entry(&format!("tenant = \"{guid}\"")), no_env).unwrap();
        assert_eq!(
            providers[0].protocol.issuer(),
            format!("https://login.microsoftonline.com/{guid}/v2.0")
        );
        for (extra, field) in [
            ("tenant = \"contoso\"", "tenant"),
            ("tenant = \"common/../x\"", "tenant"),
            ("allowed_tenants = [\"not-a-guid\"]", "allowed_tenants"),
            (
                &format!("tenant = \"consumers\"\nallowed_tenants = [\"{guid}\"]"),
                "allowed_tenants",
            ),
        ] {
            let err = parse("auth.toml", &entry(extra), no_env).unwrap_err().to_string();
            assert!(err.contains(&format!("field `{field}`")), "{extra}: {err}");
        }
        let google = "[[provider]]\npreset = \"google\"\nclient_id = \"a\"\nclient_secret = \"b\"\ntenant = \"common\"";
        let err = parse("auth.toml", google, no_env).unwrap_err().to_string();
        assert!(err.contains("field `tenant`"), "{err}");
    }
}

//! The `AUTH_CONFIG` TOML file: parsed strictly, and every error names file, entry and field.

use std::{collections::HashSet, path::Path};

use app::model::Brand;
use openidconnect::{ClientId, ClientSecret, IssuerUrl};
use serde::Deserialize;
use url::Url;

use super::{
    presets::{Overrides, Preset},
    protocol::{ApiQuirks, ClientAuth, OAuth2Settings, OidcSettings, Protocol, Revocation},
};
use crate::{
    domain::ProviderId,
    profile::fields::{EmailTrust, FieldMap},
};

/// A sign-in provider as configured, whatever its protocol.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub id: ProviderId,
    pub name: String,
    /// Set for presets, whose buttons wear the provider's mark.
    pub brand: Option<Brand>,
    pub client_id: ClientId,
    /// `openidconnect::ClientSecret` redacts itself in `Debug`.
    pub client_secret: ClientSecret,
    pub scopes: Vec<String>,
    pub protocol: Protocol,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read the file: {source}")]
    Unreadable { file: String, source: std::io::Error },
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("environment variable {var}: {problem}")]
    Environment { var: String, problem: String },
    #[error("{file}: provider entry {entry}: field `{field}`: {problem}")]
    Field {
        file: String,
        entry: String,
        field: &'static str,
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    provider: Vec<EntryShape>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryShape {
    id: Option<String>,
    name: Option<String>,
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    client_secret_env: Option<String>,
    scopes: Option<Vec<String>>,
    preset: Option<String>,
    protocol: Option<String>,
    authorization_url: Option<String>,
    token_url: Option<String>,
    userinfo_url: Option<String>,
    emails_url: Option<String>,
    request_token_url: Option<String>,
    revocation_url: Option<String>,
    token_auth: Option<String>,
    fields: Option<FieldsShape>,
}

/// Where a plain OAuth 2.0 provider's profile keeps each field, as dotted paths.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldsShape {
    id: Option<String>,
    name: Option<String>,
    username: Option<String>,
    email: Option<String>,
    email_verified: Option<String>,
    avatar: Option<String>,
}

const OIDC_DEFAULT_SCOPES: [&str; 3] = ["openid", "email", "profile"];
const MAX_NAME_LEN: usize = 60;

/// Reads the providers from `path` (a missing file means none), then the presets switched on
/// by environment variables, in the style of the tutorials (`GITHUB_CLIENT_ID` and
/// `GITHUB_CLIENT_SECRET`).
pub fn load(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Vec<ProviderConfig>, ConfigError> {
    let file = path.display().to_string();
    let mut providers = match std::fs::read_to_string(path) {
        Ok(text) => parse(&file, &text, &env)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(ConfigError::Unreadable { file, source }),
    };
    for preset in from_environment(&env)? {
        if providers.iter().any(|p| p.id == preset.id) {
            return Err(ConfigError::Environment {
                var: format!("{}_CLIENT_ID", preset.id.as_str().to_ascii_uppercase()),
                problem: format!(
                    "provider id \"{}\" is also configured in {file}; keep one",
                    preset.id
                ),
            });
        }
        providers.push(preset);
    }
    Ok(providers)
}

pub fn parse(
    file: &str,
    text: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<ProviderConfig>, ConfigError> {
    let shape: FileShape = toml::from_str(text).map_err(|e| ConfigError::Syntax {
        file: file.to_owned(),
        message: e.to_string(),
    })?;
    let mut seen = HashSet::new();
    let mut providers = Vec::with_capacity(shape.provider.len());
    for (index, entry) in shape.provider.into_iter().enumerate() {
        let label = match entry.id.as_ref().or(entry.preset.as_ref()) {
            Some(id) => format!("#{} (id \"{id}\")", index + 1),
            None => format!("#{}", index + 1),
        };
        let fail = |field: &'static str, problem: &str| ConfigError::Field {
            file: file.to_owned(),
            entry: label.clone(),
            field,
            problem: problem.to_owned(),
        };
        let provider = entry_to_config(entry, &env, fail)?;
        if !seen.insert(provider.id.clone()) {
            return Err(ConfigError::Field {
                file: file.to_owned(),
                entry: label,
                field: "id",
                problem: "another provider already uses this id".into(),
            });
        }
        providers.push(provider);
    }
    Ok(providers)
}

/// Presets whose `{PREFIX}_CLIENT_ID` is set, in the order of [`Preset::ALL`].
fn from_environment(env: &impl Fn(&str) -> Option<String>) -> Result<Vec<ProviderConfig>, ConfigError> {
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let mut providers = Vec::new();
    for preset in Preset::ALL {
        let prefix = preset.env_prefix();
        let Some(client_id) = set(&format!("{prefix}_CLIENT_ID")) else {
            continue;
        };
        let fail = |var: String, problem: &str| ConfigError::Environment {
            var,
            problem: problem.to_owned(),
        };
        let secret_var = format!("{prefix}_CLIENT_SECRET");
        let client_secret = set(&secret_var).ok_or_else(|| {
            fail(
                secret_var.clone(),
                &format!("must be set when {prefix}_CLIENT_ID is"),
            )
        })?;
        let protocol_var = format!("{prefix}_PROTOCOL");
        let oauth1 = match (preset, set(&protocol_var).as_deref()) {
            (_, None | Some("oauth2")) => false,
            (Preset::X, Some("oauth1")) => true,
            (Preset::X, Some(_)) => return Err(fail(protocol_var, "must be oauth2 or oauth1")),
            (_, Some(_)) => return Err(fail(protocol_var, "only X_PROTOCOL is recognised")),
        };
        let scopes = owned(preset.default_scopes(oauth1));
        let protocol = preset
            .protocol(&client_id, &scopes, oauth1, Overrides::default())
            .map_err(|problem| fail(format!("{prefix}_CLIENT_ID"), &problem))?;
        providers.push(ProviderConfig {
            id: ProviderId::parse(preset.key()).expect("preset keys are valid ids"),
            name: preset.display_name().to_owned(),
            brand: Some(preset.brand()),
            client_id: ClientId::new(client_id),
            client_secret: ClientSecret::new(client_secret),
            scopes,
            protocol,
        });
    }
    Ok(providers)
}

fn entry_to_config(
    entry: EntryShape,
    env: &impl Fn(&str) -> Option<String>,
    fail: impl Fn(&'static str, &str) -> ConfigError,
) -> Result<ProviderConfig, ConfigError> {
    let preset = match entry.preset.as_deref() {
        Some(key) => Some(
            Preset::parse(key)
                .ok_or_else(|| fail("preset", "must be one of google, x, facebook, instagram, github"))?,
        ),
        None => None,
    };

    let id = entry
        .id
        .clone()
        .or_else(|| preset.map(|p| p.key().to_owned()))
        .ok_or_else(|| fail("id", "is required"))?;
    let id = ProviderId::parse(&id).map_err(|problem| fail("id", &problem))?;

    let name = entry
        .name
        .clone()
        .or_else(|| preset.map(|p| p.display_name().to_owned()))
        .ok_or_else(|| fail("name", "is required"))?;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(fail("name", &format!("must be 1 to {MAX_NAME_LEN} characters")));
    }

    let client_id = entry.client_id.clone().filter(|c| !c.trim().is_empty());
    let client_id = client_id.ok_or_else(|| fail("client_id", "is required"))?;
    let client_secret = client_secret(&entry, env, &fail)?;

    let scopes = entry.scopes.clone();
    if scopes
        .iter()
        .flatten()
        .any(|s| s.is_empty() || s.contains(char::is_whitespace) || s.contains(','))
    {
        return Err(fail("scopes", "each scope must be one word"));
    }

    let (brand, scopes, protocol) = match preset {
        Some(preset) => {
            let (scopes, protocol) = preset_protocol(preset, &client_id, scopes, entry, &fail)?;
            (Some(preset.brand()), scopes, protocol)
        }
        None if entry.authorization_url.is_some() => {
            let scopes = scopes.unwrap_or_default();
            (None, scopes, plain_oauth2(entry, &fail)?)
        }
        None => {
            let (scopes, protocol) = oidc(scopes, entry, &fail)?;
            (None, scopes, protocol)
        }
    };

    Ok(ProviderConfig {
        id,
        name,
        brand,
        client_id: ClientId::new(client_id),
        client_secret: ClientSecret::new(client_secret),
        scopes,
        protocol,
    })
}

fn client_secret(
    entry: &EntryShape,
    env: &impl Fn(&str) -> Option<String>,
    fail: &impl Fn(&'static str, &str) -> ConfigError,
) -> Result<String, ConfigError> {
    match (&entry.client_secret, &entry.client_secret_env) {
        (Some(_), Some(_)) => Err(fail(
            "client_secret_env",
            "give either client_secret or client_secret_env, not both",
        )),
        (Some(secret), None) if !secret.is_empty() => Ok(secret.clone()),
        (Some(_), None) => Err(fail("client_secret", "is empty")),
        (None, Some(var)) => env(var).filter(|s| !s.is_empty()).ok_or_else(|| {
            fail(
                "client_secret_env",
                &format!("the environment variable {var} is not set"),
            )
        }),
        (None, None) => Err(fail("client_secret", "is required (or client_secret_env)")),
    }
}

/// An OpenID Connect provider found by discovery at its issuer.
fn oidc(
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
    Ok((scopes, Protocol::Oidc(OidcSettings { issuer })))
}

/// A provider without OpenID Connect, described by its endpoints and a field mapping.
fn plain_oauth2(
    entry: EntryShape,
    fail: &impl Fn(&'static str, &str) -> ConfigError,
) -> Result<Protocol, ConfigError> {
    refuse_fields(
        &entry,
        &["protocol", "emails_url", "request_token_url"],
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
    Ok(Protocol::OAuth2(OAuth2Settings {
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

fn preset_protocol(
    preset: Preset,
    client_id: &str,
    scopes: Option<Vec<String>>,
    entry: EntryShape,
    fail: &impl Fn(&'static str, &str) -> ConfigError,
) -> Result<(Vec<String>, Protocol), ConfigError> {
    refuse_fields(&entry, &["token_auth", "fields"], "a preset", fail)?;
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
    };
    let scopes = scopes.unwrap_or_else(|| owned(preset.default_scopes(oauth1)));
    let protocol = preset
        .protocol(client_id, &scopes, oauth1, overrides)
        .map_err(|problem| fail("issuer", &problem))?;
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
        _ => false,
    };
    match names.iter().find(|name| present(name)) {
        Some(name) => Err(fail(name, &format!("does not apply to {kind}"))),
        None => Ok(()),
    }
}

fn owned(scopes: &[&str]) -> Vec<String> {
    scopes.iter().map(|s| s.to_string()).collect()
}

/// Provider URLs must be https, except on loopback where local providers run over http.
fn parse_endpoint(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("is not a URL ({e})"))?;
    if !is_safe_endpoint(&url) {
        return Err("must be an https URL (http is allowed only for localhost)".into());
    }
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err("must not have a fragment or credentials".into());
    }
    Ok(url)
}

/// Where credentials may be sent: https, or plain http on this machine (a local provider).
pub fn is_safe_endpoint(url: &Url) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => true,
        "http" => loopback,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    const GOOD: &str = r#"
        [[provider]]
        id = "acme"
        name = "Acme ID"
        issuer = "http://127.0.0.1:9400"
        client_id = "acme-client"
        client_secret = "s3cret"
    "#;

    #[test]
    fn a_valid_entry_gets_default_scopes() {
        let providers = parse("auth.toml", GOOD, no_env).unwrap();
        assert_eq!(providers.len(), 1);
        assert_eq!(providers[0].id.as_str(), "acme");
        assert_eq!(providers[0].scopes, ["openid", "email", "profile"]);
        assert!(!format!("{:?}", providers[0]).contains("s3cret"));
    }

    #[test]
    fn secrets_can_come_from_the_environment() {
        let text = GOOD.replace(
            r#"client_secret = "s3cret""#,
            r#"client_secret_env = "ACME_SECRET""#,
        );
        let env = |name: &str| (name == "ACME_SECRET").then(|| "from-env".to_owned());
        let providers = parse("auth.toml", &text, env).unwrap();
        assert_eq!(providers[0].client_secret.secret(), "from-env");
        let err = parse("auth.toml", &text, no_env).unwrap_err().to_string();
        assert!(err.contains("ACME_SECRET"), "{err}");
    }

    #[test]
    fn errors_name_file_entry_and_field() {
        let text = GOOD.replace(
            r#"issuer = "http://127.0.0.1:9400""#,
            r#"issuer = "http://idp.example""#,
        );
        let err = parse("conf/auth.toml", &text, no_env).unwrap_err().to_string();
        assert!(
            err.starts_with("conf/auth.toml: provider entry #1 (id \"acme\"): field `issuer`"),
            "{err}"
        );

        let err = parse("auth.toml", &GOOD.replace("acme\"", "Acme\""), no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("field `id`"), "{err}");

        let twice = format!("{GOOD}{GOOD}");
        let err = parse("auth.toml", &twice, no_env).unwrap_err().to_string();
        assert!(err.contains("entry #2") && err.contains("already uses"), "{err}");
    }

    #[test]
    fn unknown_fields_and_bad_syntax_are_reported() {
        let err = parse("auth.toml", &format!("{GOOD}\nclient_sekret = \"x\""), no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("client_sekret"), "{err}");
        assert!(parse("auth.toml", "[[provider]\n", no_env).is_err());
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
    fn environment_variables_switch_presets_on() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        let env = vars(&[
            ("GITHUB_CLIENT_ID", "gh-id"),
            ("GITHUB_CLIENT_SECRET", "gh-secret"),
            ("GOOGLE_CLIENT_ID", "g-id"),
            ("GOOGLE_CLIENT_SECRET", "g-secret"),
            ("X_CLIENT_ID", "x-id"),
            ("X_CLIENT_SECRET", "x-secret"),
            ("X_PROTOCOL", "oauth1"),
        ]);
        let providers = load(Path::new("/nonexistent/auth.toml"), env).unwrap();
        let ids: Vec<_> = providers.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["google", "x", "github"]);
        assert!(matches!(providers[0].protocol, Protocol::Oidc(_)));
        assert!(matches!(providers[1].protocol, Protocol::OAuth1(_)));
        assert!(!format!("{providers:?}").contains("gh-secret"));

        let err = load(
            Path::new("/nonexistent/auth.toml"),
            vars(&[("FACEBOOK_CLIENT_ID", "f")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("FACEBOOK_CLIENT_SECRET"), "{err}");
        let err = load(
            Path::new("/nonexistent/auth.toml"),
            vars(&[
                ("X_CLIENT_ID", "x"),
                ("X_CLIENT_SECRET", "s"),
                ("X_PROTOCOL", "oauth3"),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("X_PROTOCOL"), "{err}");
    }

    #[test]
    fn a_missing_file_means_no_providers() {
        let providers = load(Path::new("/nonexistent/auth.toml"), no_env).unwrap();
        assert!(providers.is_empty());
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            #[test]
            fn any_file_is_read_or_refused_without_panicking(text in "(?s).{0,400}") {
                let _ = parse("auth.toml", &text, |_| None);
            }

            #[test]
            fn a_well_formed_entry_is_read_back_as_written(
                id in "[a-z0-9][a-z0-9-]{0,20}",
                // Names are trimmed when read, so none begins or ends with a space.
                name in "[A-Za-z0-9]{1,8}( [A-Za-z0-9]{1,8}){0,2}",
                port in 1u16..,
                client_id in "[A-Za-z0-9._-]{1,30}",
            ) {
                let text = format!(
                    "[[provider]]\nid = \"{id}\"\nname = \"{name}\"\nissuer = \"http://127.0.0.1:{port}\"\n\
                     client_id = \"{client_id}\"\nclient_secret = \"s\"\n"
                );
                let providers = parse("auth.toml", &text, |_| None).unwrap();
                prop_assert_eq!(providers.len(), 1);
                prop_assert_eq!(providers[0].id.as_str(), id.as_str());
                prop_assert_eq!(&providers[0].name, &name);
                prop_assert_eq!(providers[0].client_id.as_str(), client_id.as_str());
            }
        }
    }
}

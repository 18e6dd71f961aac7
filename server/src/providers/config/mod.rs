//! The `AUTH_CONFIG` TOML file: parsed strictly, and every error names file, entry and field.
//! This file reads what every entry has (id, name, client credentials, scopes) and adds the
//! presets switched on by environment variables (`environment.rs`) to the file's providers;
//! what each kind of entry needs besides is in `entry_kinds.rs`.

mod apple_key;
mod entry_kinds;
mod environment;

use std::{collections::HashSet, path::Path};

use openidconnect::{ClientId, ClientSecret};
use serde::Deserialize;

use super::{ClientCredential, ProviderConfig, presets::Preset};
use crate::domain::ProviderId;

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
    /// Who may enter: read by `access::policy`.
    #[serde(default, rename = "access")]
    _access: Option<toml::Value>,
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
    /// Microsoft's: `common`, `organizations`, `consumers` or a tenant id.
    tenant: Option<String>,
    allowed_tenants: Option<Vec<String>>,
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
    for preset in environment::presets(&env)? {
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

fn entry_to_config(
    entry: EntryShape,
    env: &impl Fn(&str) -> Option<String>,
    fail: impl Fn(&'static str, &str) -> ConfigError,
) -> Result<ProviderConfig, ConfigError> {
    let preset = match entry.preset.as_deref() {
        Some(key) => Some(Preset::parse(key).ok_or_else(|| {
            let known: Vec<&str> = Preset::ALL.iter().map(|p| p.key()).collect();
            fail("preset", &format!("must be one of {}", known.join(", ")))
        })?),
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
    // Apple's secret is signed with the developer's key, once the issuer it names is known.
    let issued_secret = match preset {
        Some(Preset::Apple) => {
            if entry.client_secret.is_some() || entry.client_secret_env.is_some() {
                let field = if entry.client_secret.is_some() {
                    "client_secret"
                } else {
                    "client_secret_env"
                };
                return Err(fail(
                    field,
                    "does not apply to the apple preset: its secret is signed with the key in APPLE_PRIVATE_KEY",
                ));
            }
            None
        }
        _ => Some(ClientSecret::new(client_secret(&entry, env, &fail)?)),
    };

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
            let (scopes, protocol) = entry_kinds::preset(preset, &client_id, scopes, entry, &fail)?;
            (Some(preset.brand()), scopes, protocol)
        }
        None if entry.authorization_url.is_some() => {
            let scopes = scopes.unwrap_or_default();
            (None, scopes, entry_kinds::plain_oauth2(entry, &fail)?)
        }
        None => {
            let (scopes, protocol) = entry_kinds::oidc(scopes, entry, &fail)?;
            (None, scopes, protocol)
        }
    };

    let client_secret = match issued_secret {
        Some(secret) => ClientCredential::Shared(secret),
        None => apple_key::signed_secret(env, &client_id, protocol.issuer())?,
    };
    Ok(ProviderConfig {
        id,
        name,
        brand,
        client_id: ClientId::new(client_id),
        client_secret,
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

fn owned(scopes: &[&str]) -> Vec<String> {
    scopes.iter().map(|s| s.to_string()).collect()
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
        assert_eq!(providers[0].client_secret.current().secret(), "from-env");
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

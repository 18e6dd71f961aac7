//! The `AUTH_CONFIG` TOML file: parsed strictly, and every error names file, entry and field.

use std::{collections::HashSet, path::Path};

use openidconnect::{ClientId, ClientSecret, IssuerUrl};
use serde::Deserialize;

use crate::domain::ProviderId;

/// An OpenID Connect provider as configured.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub id: ProviderId,
    pub name: String,
    pub issuer: IssuerUrl,
    pub client_id: ClientId,
    /// `openidconnect::ClientSecret` redacts itself in `Debug`.
    pub client_secret: ClientSecret,
    pub scopes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read the file: {source}")]
    Unreadable { file: String, source: std::io::Error },
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
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
}

const DEFAULT_SCOPES: [&str; 3] = ["openid", "email", "profile"];
const MAX_NAME_LEN: usize = 60;

/// Reads the providers from `path`. A missing file means no file providers.
pub fn load(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Vec<ProviderConfig>, ConfigError> {
    let file = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(ConfigError::Unreadable { file, source }),
    };
    parse(&file, &text, env)
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
        let label = match &entry.id {
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
    let id = entry.id.ok_or_else(|| fail("id", "is required"))?;
    let id = ProviderId::parse(&id).map_err(|problem| fail("id", &problem))?;

    let name = entry.name.ok_or_else(|| fail("name", "is required"))?;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(fail("name", &format!("must be 1 to {MAX_NAME_LEN} characters")));
    }

    let issuer = entry.issuer.ok_or_else(|| fail("issuer", "is required"))?;
    let issuer = parse_issuer(&issuer).map_err(|problem| fail("issuer", &problem))?;

    let client_id = entry.client_id.filter(|c| !c.trim().is_empty());
    let client_id = client_id.ok_or_else(|| fail("client_id", "is required"))?;

    let client_secret = match (entry.client_secret, entry.client_secret_env) {
        (Some(_), Some(_)) => {
            return Err(fail(
                "client_secret_env",
                "give either client_secret or client_secret_env, not both",
            ));
        }
        (Some(secret), None) if !secret.is_empty() => secret,
        (Some(_), None) => return Err(fail("client_secret", "is empty")),
        (None, Some(var)) => env(&var).filter(|s| !s.is_empty()).ok_or_else(|| {
            fail(
                "client_secret_env",
                &format!("the environment variable {var} is not set"),
            )
        })?,
        (None, None) => return Err(fail("client_secret", "is required (or client_secret_env)")),
    };

    let mut scopes = entry
        .scopes
        .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect());
    if scopes
        .iter()
        .any(|s| s.is_empty() || s.contains(char::is_whitespace))
    {
        return Err(fail("scopes", "each scope must be one word"));
    }
    // Without `openid` there is no ID token, and the ID token is what proves who signed in.
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }

    Ok(ProviderConfig {
        id,
        name,
        issuer,
        client_id: ClientId::new(client_id),
        client_secret: ClientSecret::new(client_secret),
        scopes,
    })
}

/// Issuers must be https, except on loopback where local providers run over http.
fn parse_issuer(value: &str) -> Result<IssuerUrl, String> {
    let url = url::Url::parse(value).map_err(|e| format!("is not a URL ({e})"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err("must be an https URL (http is allowed only for localhost)".into()),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    IssuerUrl::new(value.to_owned()).map_err(|e| e.to_string())
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
    fn a_missing_file_means_no_providers() {
        let providers = load(Path::new("/nonexistent/auth.toml"), no_env).unwrap();
        assert!(providers.is_empty());
    }
}

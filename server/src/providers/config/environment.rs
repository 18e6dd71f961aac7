//! Presets switched on by environment variables alone, in the style of the tutorials
//! (`GITHUB_CLIENT_ID` and `GITHUB_CLIENT_SECRET`), so trying the server needs no file. Only
//! X has a choice here (`X_PROTOCOL`); other scopes or endpoints take an `AUTH_CONFIG` entry.

use openidconnect::{ClientId, ClientSecret};

use super::apple_key;

use super::{ConfigError, owned};
use crate::{
    domain::ProviderId,
    providers::{
        ClientCredential, ProviderConfig,
        presets::{Overrides, Preset},
    },
};

/// Presets whose `{PREFIX}_CLIENT_ID` is set, in the order of [`Preset::ALL`].
pub(super) fn presets(env: &impl Fn(&str) -> Option<String>) -> Result<Vec<ProviderConfig>, ConfigError> {
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
        // Apple's is signed with the developer's key instead (read below).
        let issued_secret = match preset {
            Preset::Apple => None,
            _ => Some(set(&secret_var).ok_or_else(|| {
                fail(
                    secret_var.clone(),
                    &format!("must be set when {prefix}_CLIENT_ID is"),
                )
            })?),
        };
        let protocol_var = format!("{prefix}_PROTOCOL");
        let oauth1 = match (preset, set(&protocol_var).as_deref()) {
            (_, None | Some("oauth2")) => false,
            (Preset::X, Some("oauth1")) => true,
            (Preset::X, Some(_)) => return Err(fail(protocol_var, "must be oauth2 or oauth1")),
            (_, Some(_)) => return Err(fail(protocol_var, "only X_PROTOCOL is recognised")),
        };
        let scopes = owned(preset.default_scopes(oauth1));
        let overrides = Overrides {
            tenant: set("MICROSOFT_TENANT").filter(|_| preset == Preset::Microsoft),
            ..Overrides::default()
        };
        let protocol = preset
            .protocol(&client_id, &scopes, oauth1, overrides)
            .map_err(|e| match e.field {
                "tenant" => fail("MICROSOFT_TENANT".into(), &e.problem),
                _ => fail(format!("{prefix}_CLIENT_ID"), &e.problem),
            })?;
        let client_secret = match issued_secret {
            Some(secret) => ClientCredential::Shared(ClientSecret::new(secret)),
            None => apple_key::signed_secret(&env, &client_id, protocol.issuer())?,
        };
        providers.push(ProviderConfig {
            id: ProviderId::parse(preset.key()).expect("preset keys are valid ids"),
            name: preset.display_name().to_owned(),
            brand: Some(preset.brand()),
            client_id: ClientId::new(client_id),
            client_secret,
            scopes,
            protocol,
        });
    }
    Ok(providers)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::load;
    use crate::providers::Protocol;

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
}

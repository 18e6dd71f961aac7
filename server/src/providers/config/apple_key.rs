//! Apple's client secret is made from the developer's key, read from the environment whether
//! the apple preset is switched on there or in `AUTH_CONFIG`: `APPLE_TEAM_ID`, `APPLE_KEY_ID`,
//! and the `.p8` file's text in `APPLE_PRIVATE_KEY` or its path in `APPLE_PRIVATE_KEY_FILE`.

use std::sync::Arc;

use super::ConfigError;
use crate::providers::{ClientCredential, KeySignedSecret};

/// Apple's ids are ten letters and digits.
fn apple_id(value: &str) -> bool {
    value.len() == 10 && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The signer for `client_id` (the Services ID), with `audience` the issuer Apple's token
/// endpoint expects in the secret.
pub(super) fn signed_secret(
    env: &impl Fn(&str) -> Option<String>,
    client_id: &str,
    audience: &str,
) -> Result<ClientCredential, ConfigError> {
    let fail = |var: &str, problem: &str| ConfigError::Environment {
        var: var.to_owned(),
        problem: problem.to_owned(),
    };
    let set = |name: &str| env(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let id = |var: &str| -> Result<String, ConfigError> {
        let value = set(var).ok_or_else(|| fail(var, "must be set for the apple preset"))?;
        if apple_id(&value) {
            Ok(value)
        } else {
            Err(fail(var, "must be the ten letters and digits Apple shows"))
        }
    };
    let team_id = id("APPLE_TEAM_ID")?;
    let key_id = id("APPLE_KEY_ID")?;
    let pem = match (set("APPLE_PRIVATE_KEY"), set("APPLE_PRIVATE_KEY_FILE")) {
        (Some(_), Some(_)) => {
            return Err(fail(
                "APPLE_PRIVATE_KEY_FILE",
                "give either APPLE_PRIVATE_KEY or APPLE_PRIVATE_KEY_FILE, not both",
            ));
        }
        (Some(pem), None) => ("APPLE_PRIVATE_KEY", pem),
        (None, Some(path)) => (
            "APPLE_PRIVATE_KEY_FILE",
            std::fs::read_to_string(&path)
                .map_err(|e| fail("APPLE_PRIVATE_KEY_FILE", &format!("cannot read {path}: {e}")))?,
        ),
        (None, None) => {
            return Err(fail(
                "APPLE_PRIVATE_KEY",
                "must be set (or APPLE_PRIVATE_KEY_FILE) for the apple preset: the .p8 key its client secret is signed with",
            ));
        }
    };
    let (var, pem) = pem;
    let signer = KeySignedSecret::new(&pem, &team_id, &key_id, client_id, audience)
        .map_err(|problem| fail(var, problem))?;
    Ok(ClientCredential::SignedByKey(Arc::new(signer)))
}

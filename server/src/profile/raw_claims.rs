//! The provider's claims as the signed-in page shows them, with anything token-like removed.

use serde_json::Value;

/// Larger documents are not shown; no real profile comes near this.
const MAX_DISPLAY_BYTES: usize = 16 * 1024;

/// Pretty JSON of `claims` without any member whose name mentions a token, secret, code or
/// password, at any depth. `None` when nothing is left or it is too large to show.
pub fn for_display(claims: &Value) -> Option<String> {
    let cleaned = without_secrets(claims.clone());
    if cleaned.as_object().is_some_and(|o| o.is_empty()) {
        return None;
    }
    serde_json::to_string_pretty(&cleaned)
        .ok()
        .filter(|text| text.len() <= MAX_DISPLAY_BYTES)
}

fn without_secrets(value: Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(name, _)| !looks_secret(name))
                .map(|(name, value)| (name, without_secrets(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_secrets).collect()),
        other => other,
    }
}

fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["token", "secret", "password", "code", "verifier"]
        .iter()
        .any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_are_removed_at_any_depth() {
        let claims = json!({
            "id": "1",
            "access_token": "at-123",
            "nested": {"oauth_token_secret": "s", "refresh_token": "r", "name": "Ada"},
            "list": [{"id_token": "x", "kept": true}]
        });
        let shown = for_display(&claims).unwrap();
        for secret in ["at-123", "oauth_token_secret", "refresh_token", "id_token"] {
            assert!(!shown.contains(secret), "{secret} shown in {shown}");
        }
        assert!(shown.contains("Ada") && shown.contains("kept"));
    }

    #[test]
    fn empty_or_huge_documents_are_not_shown() {
        assert_eq!(for_display(&json!({"access_token": "x"})), None);
        assert_eq!(for_display(&json!({"bio": "a".repeat(20_000)})), None);
    }
}

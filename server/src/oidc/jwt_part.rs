//! Reading the parts of a JWT whose signature is checked elsewhere: the JSON object a part
//! holds, and the claims of a verified ID token that the library's claim types leave out
//! (`sid`, which a logout token may name; Google's `hd`; Microsoft's `tid`, `oid` and
//! `xms_edov`; Slack's workspace).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Map, Value};

/// The JSON object a base64url part encodes; `None` when it is anything else.
pub(super) fn object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    }
}

/// The `sid` claim of an ID token whose signature was already verified, if it has one: the
/// provider's session, which a logout token may name.
pub fn session_of_id_token(id_token: &str) -> Option<String> {
    text_claim(id_token, "sid")
}

/// Google's `hd` claim (the Workspace domain) of an ID token whose signature was already
/// verified, if it has one.
pub fn hosted_domain_of_id_token(id_token: &str) -> Option<String> {
    text_claim(id_token, "hd")
}

/// A text claim of an ID token whose signature was already verified; `None` when absent,
/// empty, not text, or longer than any real one.
pub fn text_claim(id_token: &str, name: &str) -> Option<String> {
    let payload = id_token.split('.').nth(1)?;
    object(payload)?
        .get(name)?
        .as_str()
        .filter(|value| !value.is_empty() && value.len() <= 256)
        .map(str::to_owned)
}

/// A yes-or-no claim of a verified ID token, written as JSON's `true`, the string `"true"` or
/// `1` (providers use each); `None` when absent or anything else.
pub fn flag_claim(id_token: &str, name: &str) -> Option<bool> {
    let payload = id_token.split('.').nth(1)?;
    match object(payload)?.get(name)? {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => match text.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        Value::Number(n) => match n.as_u64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn part(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn claims_are_read_from_the_payload() {
        let token = format!(
            "{}.{}.sig",
            part(b"{}"),
            part(br#"{"sub":"a","sid":"op-1","hd":"school.example"}"#)
        );
        assert_eq!(session_of_id_token(&token).as_deref(), Some("op-1"));
        assert_eq!(
            hosted_domain_of_id_token(&token).as_deref(),
            Some("school.example")
        );
        let without = format!("{}.{}.sig", part(b"{}"), part(br#"{"sub":"a","hd":""}"#));
        assert_eq!(session_of_id_token(&without), None);
        assert_eq!(hosted_domain_of_id_token(&without), None);
    }

    #[test]
    fn flags_are_read_in_the_spellings_providers_use() {
        let token = |claims: &str| format!("{}.{}.sig", part(b"{}"), part(claims.as_bytes()));
        for (claims, expected) in [
            (r#"{"xms_edov":true}"#, Some(true)),
            (r#"{"xms_edov":"true"}"#, Some(true)),
            (r#"{"xms_edov":1}"#, Some(true)),
            (r#"{"xms_edov":false}"#, Some(false)),
            (r#"{"xms_edov":"0"}"#, Some(false)),
            (r#"{"xms_edov":"yes"}"#, None),
            (r#"{"xms_edov":null}"#, None),
            (r#"{}"#, None),
        ] {
            assert_eq!(flag_claim(&token(claims), "xms_edov"), expected, "{claims}");
        }
    }

    proptest! {
        #[test]
        fn any_text_is_read_without_panicking(token in "\\PC{0,400}") {
            let _ = session_of_id_token(&token);
            let _ = hosted_domain_of_id_token(&token);
            let _ = flag_claim(&token, "xms_edov");
        }
    }
}

//! Mapping a provider's profile JSON onto the normalized profile by dotted paths
//! (`data.id`, `picture.data.url`), so presets and hand-configured providers share one reader.

use serde_json::Value;

use super::{Person, VerifiedIdentity, display_name, raw_claims, usable_avatar, usable_email};
use crate::domain::Subject;

/// Where each normalized field lives in the provider's profile document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    pub subject: String,
    pub name: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub email_verified: EmailTrust,
    pub avatar: Option<String>,
}

/// How far an email from this provider can be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailTrust {
    /// A claim in the document says whether it is verified (boolean, or "true"/"false").
    Claim(String),
    /// The provider returns only addresses it has confirmed (X's `confirmed_email`).
    ConfirmedByProvider,
    /// The provider gives no verification status (Facebook): unknown, never assumed.
    Unknown,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MappingError {
    #[error("the profile is not a JSON object")]
    NotAnObject,
    #[error("the profile has no usable subject at `{0}`")]
    NoSubject(String),
}

impl FieldMap {
    /// Reads the normalized profile out of `document`, a provider's profile response.
    pub fn read(&self, issuer: &str, document: &Value) -> Result<VerifiedIdentity, MappingError> {
        if !document.is_object() {
            return Err(MappingError::NotAnObject);
        }
        let subject = text_at(document, &self.subject)
            .and_then(|id| Subject::parse(&id))
            .ok_or_else(|| MappingError::NoSubject(self.subject.clone()))?;
        let read = |path: &Option<String>| path.as_deref().and_then(|p| text_at(document, p));
        let name = read(&self.name);
        let username = read(&self.username);
        let email = read(&self.email).and_then(usable_email);
        let email_verified = match (&email, &self.email_verified) {
            (None, _) | (_, EmailTrust::Unknown) => None,
            (Some(_), EmailTrust::ConfirmedByProvider) => Some(true),
            (Some(_), EmailTrust::Claim(path)) => at(document, path).and_then(as_bool),
        };
        let avatar_url = read(&self.avatar).and_then(usable_avatar);
        Ok(VerifiedIdentity {
            issuer: issuer.to_owned(),
            person: Person {
                display_name: display_name(name.as_deref(), username.as_deref(), email.as_deref(), &subject),
                username,
                email,
                email_verified,
                avatar_url,
                workspace: None,
                raw_claims: raw_claims::for_display(document),
            },
            subject,
            hosted_domain: None,
            name_given: true,
        })
    }
}

fn at<'v>(document: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(document, |value, key| value.get(key))
}

/// Strings as they are; integers as decimal text, since ids can exceed 2^53 (Instagram).
fn text_at(document: &Value, path: &str) -> Option<String> {
    let text = match at(document, path)? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// Some providers send `email_verified` as a string (LinkedIn, Apple).
fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map() -> FieldMap {
        FieldMap {
            subject: "data.id".into(),
            name: Some("data.name".into()),
            username: Some("data.login".into()),
            email: Some("data.email".into()),
            email_verified: EmailTrust::Claim("data.email_verified".into()),
            avatar: Some("data.picture".into()),
        }
    }

    #[test]
    fn reads_nested_paths_and_numeric_ids() {
        let doc = json!({"data": {"id": 17841400000000001u64, "name": "Ada", "login": "ada",
            "email": "ada@example.com", "email_verified": "true", "picture": "https://img.example/a.png"}});
        let identity = map().read("https://idp.example", &doc).unwrap();
        assert_eq!(identity.subject.as_str(), "17841400000000001");
        assert_eq!(identity.person.display_name, "Ada");
        assert_eq!(identity.person.username.as_deref(), Some("ada"));
        assert_eq!(identity.person.email_verified, Some(true));
        assert_eq!(
            identity.person.avatar_url.as_deref(),
            Some("https://img.example/a.png")
        );
    }

    #[test]
    fn missing_optional_fields_stay_empty_and_unverified() {
        let identity = map().read("i", &json!({"data": {"id": "7"}})).unwrap();
        assert_eq!(identity.person.display_name, "7");
        assert_eq!(
            (
                identity.person.email,
                identity.person.email_verified,
                identity.person.avatar_url
            ),
            (None, None, None)
        );
    }

    #[test]
    fn a_profile_without_subject_or_with_junk_is_refused() {
        assert_eq!(
            map().read("i", &json!({"data": {"name": "Ada"}})).unwrap_err(),
            MappingError::NoSubject("data.id".into())
        );
        assert!(map().read("i", &json!({"data": {"id": 1.5}})).is_err());
        assert!(
            map()
                .read("i", &json!({"data": {"id": "x".repeat(256)}}))
                .is_err()
        );
        assert_eq!(
            map().read("i", &json!([1])).unwrap_err(),
            MappingError::NotAnObject
        );
        let not_a_url = map().read(
            "i",
            &json!({"data": {"id": "1", "picture": "javascript:alert(1)"}}),
        );
        assert_eq!(not_a_url.unwrap().person.avatar_url, None);
    }
}

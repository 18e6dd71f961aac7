//! The one normalized profile every protocol ends in, and how a provider's JSON maps onto it.

#[cfg(test)]
pub mod arbitrary;
pub mod fields;
pub mod github;
pub mod raw_claims;

pub use app::model::Person;

use crate::domain::Subject;

/// Who signed in, as the provider proved it: an ID token checked against its keys (OIDC), or
/// the provider's own profile API called with the token it just issued (OAuth 2.0 / 1.0a).
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    /// Identities are keyed by (issuer, subject): the issuer names whose subject it is.
    pub issuer: String,
    pub subject: Subject,
    /// What the provider says about the person; `raw_claims` as [`raw_claims::for_display`]
    /// makes them.
    pub person: Person,
    /// Google's `hd` (the Workspace domain), from a verified ID token only.
    pub hosted_domain: Option<String>,
    /// Whether the provider named the person this time. Apple names them only at their first
    /// authorization; at later sign-ins the name kept then stays.
    pub name_given: bool,
}

/// The best name to greet someone by: their name, else username, else email, else subject.
pub fn display_name(
    name: Option<&str>,
    username: Option<&str>,
    email: Option<&str>,
    subject: &Subject,
) -> String {
    [name, username, email]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or(subject.as_str())
        .chars()
        .take(120)
        .collect()
}

/// An address only if it looks like one: providers send empty strings and placeholders.
pub fn usable_email(email: String) -> Option<String> {
    email.contains('@').then_some(email)
}

/// An avatar only over HTTP(S): the page puts it in an `<img src>`.
pub fn usable_avatar(url: String) -> Option<String> {
    (url.starts_with("https://") || url.starts_with("http://")).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_falls_back_in_order() {
        let sub = Subject::parse("248289761001").unwrap();
        assert_eq!(display_name(Some("Ada"), Some("ada"), None, &sub), "Ada");
        assert_eq!(display_name(Some("  "), Some("ada"), None, &sub), "ada");
        assert_eq!(
            display_name(None, None, Some("a@example.com"), &sub),
            "a@example.com"
        );
        assert_eq!(display_name(None, None, None, &sub), "248289761001");
    }
}

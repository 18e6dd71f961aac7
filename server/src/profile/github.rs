//! GitHub's `/user` gives only the public email (often null); `/user/emails` lists every
//! address with its verification, and the sign-in email is the primary verified one.

use serde::Deserialize;

use super::VerifiedIdentity;

#[derive(Debug, Deserialize)]
pub struct EmailEntry {
    email: String,
    #[serde(default)]
    primary: bool,
    #[serde(default)]
    verified: bool,
}

/// Sets the email from the `/user/emails` list: the primary verified address if there is
/// one, else the public address marked with what the list says about it.
pub fn apply_emails(identity: &mut VerifiedIdentity, emails: &[EmailEntry]) {
    if let Some(primary) = emails
        .iter()
        .find(|e| e.primary && e.verified && super::usable_email(e.email.clone()).is_some())
    {
        identity.person.email = Some(primary.email.clone());
        identity.person.email_verified = Some(true);
    } else if let Some(public) = &identity.person.email {
        identity.person.email_verified = Some(emails.iter().any(|e| &e.email == public && e.verified));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{domain::Subject, profile::Person};

    fn identity(email: Option<&str>) -> VerifiedIdentity {
        VerifiedIdentity {
            issuer: "https://github.com/login/oauth".into(),
            subject: Subject::parse("1").unwrap(),
            person: Person {
                display_name: "octocat".into(),
                username: Some("octocat".into()),
                email: email.map(str::to_owned),
                email_verified: None,
                avatar_url: None,
                workspace: None,
                raw_claims: None,
            },
            hosted_domain: None,
            name_given: true,
        }
    }

    fn entries(json: &str) -> Vec<EmailEntry> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_primary_verified_address_wins() {
        let mut id = identity(Some("public@example.com"));
        apply_emails(
            &mut id,
            &entries(
                r#"[{"email":"public@example.com","primary":false,"verified":false,"visibility":null},
                    {"email":"octocat@github.com","primary":true,"verified":true,"visibility":"public"}]"#,
            ),
        );
        assert_eq!(id.person.email.as_deref(), Some("octocat@github.com"));
        assert_eq!(id.person.email_verified, Some(true));
    }

    #[test]
    fn an_unverified_primary_is_not_used_and_the_public_one_is_marked() {
        let mut id = identity(Some("public@example.com"));
        apply_emails(
            &mut id,
            &entries(
                r#"[{"email":"new@example.com","primary":true,"verified":false,"visibility":"private"}]"#,
            ),
        );
        assert_eq!(id.person.email.as_deref(), Some("public@example.com"));
        assert_eq!(id.person.email_verified, Some(false));

        let mut none = identity(None);
        apply_emails(&mut none, &[]);
        assert_eq!((none.person.email, none.person.email_verified), (None, None));
    }
}

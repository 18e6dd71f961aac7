//! Each preset's profile mapping against recorded-shape fixtures, full and without the
//! optional fields.

use serde_json::Value;

use super::{
    presets::{Overrides, Preset},
    protocol::Protocol,
};
use crate::profile::{VerifiedIdentity, github};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/profiles/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect("fixture is JSON")
}

fn read(preset: Preset, oauth1: bool, scopes: &[&str], name: &str) -> VerifiedIdentity {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    let (issuer, map) = match preset
        .protocol("client", &scopes, oauth1, Overrides::default())
        .unwrap()
    {
        Protocol::OAuth2(s) => (s.issuer, s.profile),
        Protocol::OAuth1(s) => (s.issuer, s.profile),
        Protocol::Oidc(_) => panic!("{preset:?} has no profile mapping"),
    };
    map.read(&issuer, &fixture(name)).unwrap()
}

#[test]
fn x_users_me() {
    let id = read(Preset::X, false, &["users.read", "users.email"], "x-users-me");
    assert_eq!(id.issuer, "https://x.com");
    assert_eq!(id.subject.as_str(), "2244994945");
    assert_eq!(id.person.display_name, "X Developers");
    assert_eq!(id.person.username.as_deref(), Some("XDevelopers"));
    assert_eq!(id.person.email.as_deref(), Some("xdevelopers@example.com"));
    assert_eq!(
        id.person.email_verified,
        Some(true),
        "confirmed_email is confirmed by definition"
    );
    assert!(
        id.person
            .avatar_url
            .unwrap()
            .starts_with("https://pbs.twimg.com/")
    );

    let minimal = read(Preset::X, false, &["users.read"], "x-users-me-minimal");
    assert_eq!(
        (
            minimal.person.email,
            minimal.person.email_verified,
            minimal.person.avatar_url
        ),
        (None, None, None)
    );
}

#[test]
fn x_oauth1_verify_credentials() {
    let id = read(Preset::X, true, &[], "x-verify-credentials");
    assert_eq!(
        id.issuer, "https://x.com",
        "one X account is one identity whichever protocol"
    );
    assert_eq!(id.subject.as_str(), "6253282");
    assert_eq!(id.person.username.as_deref(), Some("TwitterAPI"));
    assert_eq!(id.person.email.as_deref(), Some("api@example.com"));
    assert_eq!(id.person.email_verified, Some(true));
    assert!(id.person.avatar_url.unwrap().starts_with("https://"));

    let minimal = read(Preset::X, true, &[], "x-verify-credentials-minimal");
    assert_eq!(
        (
            minimal.person.email,
            minimal.person.email_verified,
            minimal.person.avatar_url
        ),
        (None, None, None)
    );
}

#[test]
fn facebook_me() {
    let id = read(Preset::Facebook, false, &[], "facebook-me");
    assert_eq!(id.subject.as_str(), "10158512345678901");
    assert_eq!(id.person.display_name, "Ada Lovelace");
    assert_eq!(id.person.username, None);
    assert_eq!(id.person.email.as_deref(), Some("ada@example.com"));
    assert_eq!(
        id.person.email_verified, None,
        "Facebook says nothing about verification"
    );
    assert!(
        id.person
            .avatar_url
            .unwrap()
            .starts_with("https://platform-lookaside.fbsbx.com/")
    );

    let minimal = read(Preset::Facebook, false, &[], "facebook-me-minimal");
    assert_eq!(
        (
            minimal.person.email,
            minimal.person.email_verified,
            minimal.person.avatar_url
        ),
        (None, None, None)
    );
}

#[test]
fn instagram_me() {
    let id = read(Preset::Instagram, false, &[], "instagram-me");
    assert_eq!(id.subject.as_str(), "7590123456789012");
    assert_eq!(id.person.display_name, "Ada Codes");
    assert_eq!(id.person.username.as_deref(), Some("ada.codes"));
    assert_eq!(
        (id.person.email, id.person.email_verified),
        (None, None),
        "Instagram has no email"
    );
    assert!(id.person.avatar_url.is_some());
    let claims = id.person.raw_claims.unwrap();
    assert!(
        claims.contains("17841400123456789"),
        "the numeric user_id survives exactly: {claims}"
    );

    let minimal = read(Preset::Instagram, false, &[], "instagram-me-minimal");
    assert_eq!(
        minimal.person.display_name, "ada.codes",
        "no name: greeted by username"
    );
    assert_eq!(minimal.person.avatar_url, None);
}

#[test]
fn github_user_and_emails() {
    let mut id = read(Preset::GitHub, false, &[], "github-user");
    assert_eq!(id.issuer, "https://github.com/login/oauth");
    assert_eq!(id.subject.as_str(), "583231", "numeric id stored as a string");
    assert_eq!(id.person.display_name, "The Octocat");
    assert_eq!(id.person.username.as_deref(), Some("octocat"));
    assert_eq!(
        id.person.email_verified, None,
        "the public email alone proves nothing"
    );
    let emails: Vec<github::EmailEntry> = serde_json::from_value(fixture("github-user-emails")).unwrap();
    github::apply_emails(&mut id, &emails);
    assert_eq!(id.person.email.as_deref(), Some("octocat@github.com"));
    assert_eq!(id.person.email_verified, Some(true));

    let minimal = read(Preset::GitHub, false, &[], "github-user-minimal");
    assert_eq!(
        minimal.person.display_name, "octocat",
        "name is null: greeted by login"
    );
    assert_eq!((minimal.person.email, minimal.person.avatar_url), (None, None));
}

/// Whatever a provider's profile endpoint answers, reading it never panics, and what it
/// accepts is a usable identity; a profile in the provider's documented shape reads back as
/// written.
mod properties {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::profile::{
        arbitrary::{assert_usable, json_value},
        fields::FieldMap,
    };

    /// The keys the mappings look for, so that generated documents reach them.
    const KEYS: &[&str] = &[
        "id",
        "id_str",
        "data",
        "name",
        "username",
        "screen_name",
        "login",
        "email",
        "confirmed_email",
        "profile_image_url",
        "profile_image_url_https",
        "picture",
        "url",
        "avatar_url",
        "profile_picture_url",
        "user_id",
        "primary",
        "verified",
    ];

    /// Every preset's mapping, OAuth 2.0 and (for X) OAuth 1.0a.
    fn mappings() -> Vec<(&'static str, String, FieldMap)> {
        let x_scopes = ["users.read".to_owned(), "users.email".to_owned()];
        [
            ("x", Preset::X, false, &x_scopes[..]),
            ("x-oauth1", Preset::X, true, &[]),
            ("facebook", Preset::Facebook, false, &[]),
            ("instagram", Preset::Instagram, false, &[]),
            ("github", Preset::GitHub, false, &[]),
        ]
        .into_iter()
        .map(|(name, preset, oauth1, scopes)| {
            match preset
                .protocol("client", scopes, oauth1, Overrides::default())
                .unwrap()
            {
                Protocol::OAuth2(s) => (name, s.issuer, s.profile),
                Protocol::OAuth1(s) => (name, s.issuer, s.profile),
                Protocol::Oidc(_) => unreachable!("{name} is not OpenID"),
            }
        })
        .collect()
    }

    proptest! {
        #[test]
        fn any_profile_document_is_read_or_refused_without_panicking(document in json_value(KEYS)) {
            for (_, issuer, map) in mappings() {
                if let Ok(identity) = map.read(&issuer, &document) {
                    assert_usable(&identity)?;
                }
            }
        }

        #[test]
        fn any_profile_bytes_are_read_or_refused_without_panicking(
            body in prop::collection::vec(any::<u8>(), 0..400),
        ) {
            if let Ok(document) = serde_json::from_slice::<Value>(&body) {
                for (_, issuer, map) in mappings() {
                    if let Ok(identity) = map.read(&issuer, &document) {
                        assert_usable(&identity)?;
                    }
                }
            }
        }

        #[test]
        fn a_documented_profile_reads_back_as_written(
            numeric_id in any::<u64>(),
            name in "[A-Za-z][A-Za-z .'-]{0,40}[a-z]",
            username in "[a-z][a-z0-9_.]{0,20}",
            email in "[a-z0-9.]{1,20}@[a-z]{1,12}\\.[a-z]{2,6}",
            avatar in "https://[a-z]{1,12}\\.example/[a-z0-9/]{0,30}",
        ) {
            let id = numeric_id.to_string();
            for (preset, issuer, map) in mappings() {
                let (document, has_username, has_email) = match preset {
                    // X API v2 `/2/users/me`.
                    "x" => (json!({ "data": {
                        "id": id, "name": name, "username": username,
                        "confirmed_email": email, "profile_image_url": avatar,
                    }}), true, true),
                    // X API v1.1 `account/verify_credentials`.
                    "x-oauth1" => (json!({
                        "id": numeric_id, "id_str": id, "name": name, "screen_name": username,
                        "email": email, "profile_image_url_https": avatar,
                    }), true, true),
                    // Graph API `me?fields=id,name,email,picture`.
                    "facebook" => (json!({
                        "id": id, "name": name, "email": email,
                        "picture": { "data": { "url": avatar, "is_silhouette": false } },
                    }), false, true),
                    // Instagram API `me`: `id` as a string, `user_id` as a (big) number.
                    "instagram" => (json!({
                        "id": id, "user_id": numeric_id, "username": username, "name": name,
                        "account_type": "BUSINESS", "profile_picture_url": avatar,
                    }), true, false),
                    // GitHub `GET /user`: a numeric id.
                    "github" => (json!({
                        "id": numeric_id, "login": username, "name": name, "email": email,
                        "avatar_url": avatar,
                    }), true, true),
                    other => unreachable!("{other}"),
                };
                let identity = map.read(&issuer, &document).unwrap();
                prop_assert_eq!(identity.subject.as_str(), id.as_str(), "{}", preset);
                prop_assert_eq!(&identity.person.display_name, &name, "{}", preset);
                prop_assert_eq!(identity.person.username.as_deref(), has_username.then_some(username.as_str()), "{}", preset);
                prop_assert_eq!(identity.person.email.as_deref(), has_email.then_some(email.as_str()), "{}", preset);
                prop_assert_eq!(identity.person.avatar_url.as_deref(), Some(avatar.as_str()), "{}", preset);
            }
        }

        #[test]
        fn any_github_email_list_is_read_or_ignored_without_panicking(list in json_value(KEYS)) {
            let mut identity = read(Preset::GitHub, false, &[], "github-user");
            if let Ok(entries) = serde_json::from_value::<Vec<github::EmailEntry>>(list.clone()) {
                github::apply_emails(&mut identity, &entries);
                if identity.person.email_verified == Some(true) {
                    // Only an address the list itself marks verified is ever called verified.
                    let email = identity.person.email.clone().unwrap();
                    // serde reads an entry from an object or, by position, from an array.
                    let marked = list.as_array().unwrap().iter().any(|entry| match entry {
                        Value::Array(fields) => fields.first() == Some(&json!(email)) && fields.get(2) == Some(&json!(true)),
                        _ => entry["email"] == email.as_str() && entry["verified"] == true,
                    });
                    prop_assert!(email.contains('@'), "{}", email);
                    prop_assert!(marked, "{} in {}", email, list);
                }
            }
        }

        #[test]
        fn githubs_primary_verified_address_is_the_one_taken(
            others in prop::collection::vec(("[a-z]{1,10}@[a-z]{1,8}\\.test", any::<bool>()), 0..5),
            primary in "[a-z]{1,10}@primary\\.test",
            position in any::<prop::sample::Index>(),
        ) {
            let mut list: Vec<Value> = others
                .iter()
                .map(|(email, verified)| json!({ "email": email, "primary": false, "verified": verified, "visibility": null }))
                .collect();
            let at = position.index(list.len() + 1);
            list.insert(at, json!({ "email": primary, "primary": true, "verified": true, "visibility": "private" }));
            let entries: Vec<github::EmailEntry> = serde_json::from_value(Value::Array(list)).unwrap();
            let mut identity = read(Preset::GitHub, false, &[], "github-user");
            github::apply_emails(&mut identity, &entries);
            prop_assert_eq!(identity.person.email.as_deref(), Some(primary.as_str()));
            prop_assert_eq!(identity.person.email_verified, Some(true));
        }
    }
}

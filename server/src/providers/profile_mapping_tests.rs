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
    let (issuer, map) = match preset.protocol(&scopes, oauth1, Overrides::default()).unwrap() {
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
    assert_eq!(id.display_name, "X Developers");
    assert_eq!(id.username.as_deref(), Some("XDevelopers"));
    assert_eq!(id.email.as_deref(), Some("xdevelopers@example.com"));
    assert_eq!(
        id.email_verified,
        Some(true),
        "confirmed_email is confirmed by definition"
    );
    assert!(id.avatar_url.unwrap().starts_with("https://pbs.twimg.com/"));

    let minimal = read(Preset::X, false, &["users.read"], "x-users-me-minimal");
    assert_eq!(
        (minimal.email, minimal.email_verified, minimal.avatar_url),
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
    assert_eq!(id.username.as_deref(), Some("TwitterAPI"));
    assert_eq!(id.email.as_deref(), Some("api@example.com"));
    assert_eq!(id.email_verified, Some(true));
    assert!(id.avatar_url.unwrap().starts_with("https://"));

    let minimal = read(Preset::X, true, &[], "x-verify-credentials-minimal");
    assert_eq!(
        (minimal.email, minimal.email_verified, minimal.avatar_url),
        (None, None, None)
    );
}

#[test]
fn facebook_me() {
    let id = read(Preset::Facebook, false, &[], "facebook-me");
    assert_eq!(id.subject.as_str(), "10158512345678901");
    assert_eq!(id.display_name, "Ada Lovelace");
    assert_eq!(id.username, None);
    assert_eq!(id.email.as_deref(), Some("ada@example.com"));
    assert_eq!(
        id.email_verified, None,
        "Facebook says nothing about verification"
    );
    assert!(
        id.avatar_url
            .unwrap()
            .starts_with("https://platform-lookaside.fbsbx.com/")
    );

    let minimal = read(Preset::Facebook, false, &[], "facebook-me-minimal");
    assert_eq!(
        (minimal.email, minimal.email_verified, minimal.avatar_url),
        (None, None, None)
    );
}

#[test]
fn instagram_me() {
    let id = read(Preset::Instagram, false, &[], "instagram-me");
    assert_eq!(id.subject.as_str(), "7590123456789012");
    assert_eq!(id.display_name, "Ada Codes");
    assert_eq!(id.username.as_deref(), Some("ada.codes"));
    assert_eq!(
        (id.email, id.email_verified),
        (None, None),
        "Instagram has no email"
    );
    assert!(id.avatar_url.is_some());
    let claims = id.raw_claims.unwrap();
    assert!(
        claims.contains("17841400123456789"),
        "the numeric user_id survives exactly: {claims}"
    );

    let minimal = read(Preset::Instagram, false, &[], "instagram-me-minimal");
    assert_eq!(minimal.display_name, "ada.codes", "no name: greeted by username");
    assert_eq!(minimal.avatar_url, None);
}

#[test]
fn github_user_and_emails() {
    let mut id = read(Preset::GitHub, false, &[], "github-user");
    assert_eq!(id.issuer, "https://github.com/login/oauth");
    assert_eq!(id.subject.as_str(), "583231", "numeric id stored as a string");
    assert_eq!(id.display_name, "The Octocat");
    assert_eq!(id.username.as_deref(), Some("octocat"));
    assert_eq!(id.email_verified, None, "the public email alone proves nothing");
    let emails: Vec<github::EmailEntry> = serde_json::from_value(fixture("github-user-emails")).unwrap();
    github::apply_emails(&mut id, &emails);
    assert_eq!(id.email.as_deref(), Some("octocat@github.com"));
    assert_eq!(id.email_verified, Some(true));

    let minimal = read(Preset::GitHub, false, &[], "github-user-minimal");
    assert_eq!(minimal.display_name, "octocat", "name is null: greeted by login");
    assert_eq!((minimal.email, minimal.avatar_url), (None, None));
}

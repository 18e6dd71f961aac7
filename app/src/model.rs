//! Values exchanged between the browser and the server. None of them carries a token.

use serde::{Deserialize, Serialize};

/// A provider whose mark and colours the sign-in page knows how to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Brand {
    Google,
    X,
    Facebook,
    Instagram,
    GitHub,
    Discord,
    GitLab,
    LinkedIn,
    Twitch,
    Slack,
    Microsoft,
    Apple,
}

impl Brand {
    /// The CSS class suffix and `data-brand` value.
    pub fn key(self) -> &'static str {
        match self {
            Brand::Google => "google",
            Brand::X => "x",
            Brand::Facebook => "facebook",
            Brand::Instagram => "instagram",
            Brand::GitHub => "github",
            Brand::Discord => "discord",
            Brand::GitLab => "gitlab",
            Brand::LinkedIn => "linkedin",
            Brand::Twitch => "twitch",
            Brand::Slack => "slack",
            Brand::Microsoft => "microsoft",
            Brand::Apple => "apple",
        }
    }
}

/// A configured provider as the sign-in page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderButton {
    pub id: String,
    pub name: String,
    /// `None` for a provider configured by hand, which gets a plain button.
    pub brand: Option<Brand>,
}

/// What a provider says about a person, normalized alike for every provider: the one
/// definition of these fields. The server fills it from a checked ID token or profile API and
/// keeps it with the identity; the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub display_name: String,
    pub username: Option<String>,
    pub email: Option<String>,
    /// `None` when the provider did not say; never assumed to be `true`.
    pub email_verified: Option<bool>,
    pub avatar_url: Option<String>,
    /// The team or organisation the account belongs to, by the name the provider gives it (a
    /// Slack workspace).
    pub workspace: Option<String>,
    /// What the provider said about the person, pretty-printed JSON with every token removed.
    pub raw_claims: Option<String>,
}

/// The signed-in person, with the provider they signed in with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub provider_name: String,
    /// The provider's stable id for this person (never the email, which can change hands).
    pub subject: String,
    #[serde(flatten)]
    pub person: Person,
}

/// Where Apple's "Hide My Email" forwards from: the address is the person's, but not the one
/// they use elsewhere.
const APPLE_PRIVATE_RELAY: &str = "@privaterelay.appleid.com";

impl Person {
    /// The email is a private relay address, which only this app knows.
    pub fn email_is_private_relay(&self) -> bool {
        self.email
            .as_deref()
            .is_some_and(|email| email.to_ascii_lowercase().ends_with(APPLE_PRIVATE_RELAY))
    }

    /// Up to two letters shown when there is no avatar picture.
    pub fn initials(&self) -> String {
        self.display_name
            .split_whitespace()
            .filter_map(|word| word.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect()
    }
}

/// What the home page needs: who is signed in, and who they could sign in with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeState {
    pub user: Option<Profile>,
    pub providers: Vec<ProviderButton>,
}

/// Where to send the browser to sign in, and the state under which to keep the PKCE verifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInStart {
    pub authorization_url: String,
    pub state: String,
}

/// A finished sign-in: who, and the same-origin path to go back to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub profile: Profile,
    pub return_to: String,
}

/// A provider account connected to the signed-in person's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectedAccount {
    /// What "Disconnect" names; meaningful only with the session's own account.
    pub id: i64,
    pub provider_id: String,
    pub provider_name: String,
    pub brand: Option<Brand>,
    /// The username or email the provider gave, to tell two accounts apart.
    pub label: Option<String>,
    /// "2026-11-30 14:02 UTC".
    pub connected_at: String,
    pub last_sign_in_at: String,
    /// The provider refused to refresh the kept grant: "Reconnect" is offered.
    pub reconnect_needed: bool,
}

/// What the dashboard shows of a connected provider, asked live on the server with the
/// identity's kept token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LiveFromProvider {
    /// What the provider says now, as (label, value) pairs in the order shown.
    Facts(Vec<(String, String)>),
    /// The provider no longer accepts the kept grant: connect it again on the account page.
    ReconnectNeeded,
    /// The provider could not be asked just now.
    Unavailable,
    /// No grant is kept for this identity: it signed in before grants were kept, or the
    /// server keeps none.
    NothingKept,
    /// This kind of provider has no live call.
    NotOffered,
}

/// The live view of one connected identity ([`ConnectedAccount::id`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderLive {
    pub identity: i64,
    pub live: LiveFromProvider,
    /// When the provider said it ("14:05:07 UTC"): what it says is kept for a minute.
    pub as_of: Option<String>,
}

/// One of the account's live sessions, as the sessions list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveSession {
    /// "Firefox on Linux"; "Unknown browser" for sessions older than this list.
    pub browser: String,
    pub started_at: String,
    pub last_seen_at: String,
    /// The session this page was loaded in.
    pub current: bool,
}

/// One line of the account's own sign-in history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// "2026-11-30 14:02 UTC".
    pub at: String,
    /// "Signed in", "Connected", "Disconnected", …
    pub event: String,
    pub provider_name: String,
    /// "Firefox on Linux"; `None` when no browser was there (a refresh the provider refused).
    pub browser: Option<String>,
    /// The client's network, "203.0.113.0/24" or "2001:db8:1::/48"; never the full address.
    pub network: Option<String>,
}

/// What the dashboard shows of the account: who is signed in, and the providers connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub profile: Profile,
    pub connected: Vec<ConnectedAccount>,
}

/// What the account page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub profile: Profile,
    pub connected: Vec<ConnectedAccount>,
    /// Configured providers not connected yet.
    pub connectable: Vec<ProviderButton>,
    pub sessions: Vec<ActiveSession>,
    /// The latest events of the account, newest first.
    pub history: Vec<HistoryEntry>,
    /// The provider of this session offers signing out there too (RP-Initiated Logout).
    pub sign_out_at_provider: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str) -> Person {
        Person {
            display_name: name.into(),
            username: None,
            email: None,
            email_verified: None,
            avatar_url: None,
            workspace: None,
            raw_claims: None,
        }
    }

    #[test]
    fn initials_take_the_first_letters_of_two_words() {
        assert_eq!(person("ada lovelace byron").initials(), "AL");
        assert_eq!(person("Émile").initials(), "É");
        assert_eq!(person("").initials(), "");
    }

    #[test]
    fn apple_relay_addresses_are_recognised_in_any_case() {
        let with = |email: &str| Person {
            email: Some(email.into()),
            ..person("Ada")
        };
        assert!(with("x7k2ab9q4z@privaterelay.appleid.com").email_is_private_relay());
        assert!(with("X7K2@PrivateRelay.AppleID.com").email_is_private_relay());
        assert!(!with("ada@example.com").email_is_private_relay());
        assert!(!with("privaterelay.appleid.com@example.com").email_is_private_relay());
        assert!(!person("Ada").email_is_private_relay());
    }
}

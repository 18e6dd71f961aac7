//! Values exchanged between the browser and the server. None of them carries a token.

use serde::{Deserialize, Serialize};

/// A configured provider as the sign-in page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderButton {
    pub id: String,
    pub name: String,
}

/// The normalized profile of the signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub provider_name: String,
    pub display_name: String,
    pub username: Option<String>,
    pub email: Option<String>,
    /// `None` when the provider did not say; never assumed to be `true`.
    pub email_verified: Option<bool>,
    pub avatar_url: Option<String>,
}

impl Profile {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str) -> Profile {
        Profile {
            provider_name: "Demo".into(),
            display_name: name.into(),
            username: None,
            email: None,
            email_verified: None,
            avatar_url: None,
        }
    }

    #[test]
    fn initials_take_the_first_letters_of_two_words() {
        assert_eq!(profile("ada lovelace byron").initials(), "AL");
        assert_eq!(profile("Émile").initials(), "É");
        assert_eq!(profile("").initials(), "");
    }
}

//! Who may enter: the `[access]` table of `AUTH_CONFIG`, read once at start, and the rules that
//! need nothing but what the sign-in proved (verified email, provider, Google's `hd`).
//! GitHub memberships are asked of GitHub (`github`), since only GitHub knows them.

use std::collections::HashSet;

use serde::Deserialize;

/// One `org` or `org/team` of `github_organizations`, as GitHub spells slugs (lower case).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GitHubGroup {
    pub organization: String,
    pub team: Option<String>,
}

/// The `[access]` table. A person matching any of the identity rules may enter; `providers`,
/// when given, first limits which providers may be used at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessPolicy {
    pub emails: HashSet<String>,
    pub email_domains: HashSet<String>,
    pub providers: Option<HashSet<String>>,
    pub google_hosted_domains: HashSet<String>,
    pub github_groups: Vec<GitHubGroup>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("{file}: [access] is not valid TOML here: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: [access] {key}: {problem}")]
    Key {
        file: String,
        key: &'static str,
        problem: String,
    },
}

#[derive(Deserialize)]
struct FileShape {
    access: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessShape {
    emails: Option<Vec<String>>,
    email_domains: Option<Vec<String>>,
    providers: Option<Vec<String>>,
    google_hosted_domains: Option<Vec<String>>,
    github_organizations: Option<Vec<String>>,
}

/// What the person signing in (or signed in) proved about themselves.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub provider_id: &'a str,
    /// Only a verified address; `None` otherwise.
    pub verified_email: Option<&'a str>,
    /// Google's `hd`, only from a Google preset's verified ID token.
    pub google_hosted_domain: Option<&'a str>,
}

/// What the rules say before GitHub is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Refused,
    /// Only a GitHub membership could let this person in.
    AskGitHub,
}

impl AccessPolicy {
    /// The `[access]` table of a configuration file's text; `None` when there is none.
    pub fn parse(file: &str, text: &str) -> Result<Option<Self>, PolicyError> {
        let syntax = |message: String| PolicyError::Syntax {
            file: file.to_owned(),
            message,
        };
        let shape: FileShape = toml::from_str(text).map_err(|e| syntax(e.to_string()))?;
        let Some(table) = shape.access else {
            return Ok(None);
        };
        let shape: AccessShape = table
            .try_into()
            .map_err(|e: toml::de::Error| syntax(e.message().to_owned()))?;
        let key = |key: &'static str, problem: String| PolicyError::Key {
            file: file.to_owned(),
            key,
            problem,
        };
        let lower = |list: Option<Vec<String>>| -> Vec<String> {
            list.unwrap_or_default()
                .into_iter()
                .map(|v| v.trim().to_ascii_lowercase())
                .collect()
        };
        let emails = lower(shape.emails);
        if let Some(bad) = emails.iter().find(|e| !is_email(e)) {
            return Err(key("emails", format!("{bad:?} is not an email address")));
        }
        let email_domains = lower(shape.email_domains);
        if let Some(bad) = email_domains.iter().find(|d| !is_domain(d)) {
            return Err(key(
                "email_domains",
                format!("{bad:?} is not a domain like example.com"),
            ));
        }
        let google_hosted_domains = lower(shape.google_hosted_domains);
        if let Some(bad) = google_hosted_domains.iter().find(|d| !is_domain(d)) {
            return Err(key(
                "google_hosted_domains",
                format!("{bad:?} is not a domain like example.com"),
            ));
        }
        let providers = match shape.providers {
            None => None,
            Some(list) if list.is_empty() => {
                return Err(key("providers", "an empty list would let nobody in".into()));
            }
            Some(list) => Some(list.into_iter().map(|p| p.trim().to_owned()).collect()),
        };
        let github_groups = lower(shape.github_organizations)
            .iter()
            .map(|entry| GitHubGroup::parse(entry))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                key(
                    "github_organizations",
                    "each entry is \"org\" or \"org/team\"".into(),
                )
            })?;
        Ok(Some(Self {
            emails: emails.into_iter().collect(),
            email_domains: email_domains.into_iter().collect(),
            providers,
            google_hosted_domains: google_hosted_domains.into_iter().collect(),
            github_groups,
        }))
    }

    /// Checks `providers` against the configured ids, so a typo stops the server at start.
    pub fn check_providers<'a>(
        &self,
        configured: impl Iterator<Item = &'a str> + Clone,
    ) -> Result<(), String> {
        for name in self.providers.iter().flatten() {
            if !configured.clone().any(|id| id == name) {
                return Err(format!("[access] providers: no provider has the id {name:?}"));
            }
        }
        Ok(())
    }

    fn has_identity_rules(&self) -> bool {
        !(self.emails.is_empty()
            && self.email_domains.is_empty()
            && self.google_hosted_domains.is_empty()
            && self.github_groups.is_empty())
    }

    /// The rules that need nothing more than `who` itself.
    pub fn judge(&self, who: &Candidate<'_>) -> Verdict {
        if self
            .providers
            .as_ref()
            .is_some_and(|allowed| !allowed.contains(who.provider_id))
        {
            return Verdict::Refused;
        }
        if !self.has_identity_rules() {
            return Verdict::Allowed;
        }
        if let Some(email) = who.verified_email.map(str::to_ascii_lowercase) {
            let domain = email.rsplit_once('@').map(|(_, domain)| domain);
            if self.emails.contains(&email) || domain.is_some_and(|d| self.email_domains.contains(d)) {
                return Verdict::Allowed;
            }
        }
        if who
            .google_hosted_domain
            .is_some_and(|hd| self.google_hosted_domains.contains(&hd.to_ascii_lowercase()))
        {
            return Verdict::Allowed;
        }
        if self.github_groups.is_empty() {
            Verdict::Refused
        } else {
            Verdict::AskGitHub
        }
    }
}

impl GitHubGroup {
    fn parse(entry: &str) -> Option<Self> {
        let slug = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        match entry.split_once('/') {
            None => slug(entry).then(|| Self {
                organization: entry.to_owned(),
                team: None,
            }),
            Some((org, team)) => (slug(org) && slug(team)).then(|| Self {
                organization: org.to_owned(),
                team: Some(team.to_owned()),
            }),
        }
    }
}

fn is_domain(text: &str) -> bool {
    text.contains('.')
        && text
            .split('.')
            .all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn is_email(text: &str) -> bool {
    text.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !local.contains(char::is_whitespace) && is_domain(domain)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(table: &str) -> AccessPolicy {
        AccessPolicy::parse("auth.toml", &format!("[access]\n{table}"))
            .unwrap()
            .unwrap()
    }

    fn who<'a>(provider_id: &'a str, email: Option<&'a str>, hd: Option<&'a str>) -> Candidate<'a> {
        Candidate {
            provider_id,
            verified_email: email,
            google_hosted_domain: hd,
        }
    }

    #[test]
    fn no_table_is_no_policy() {
        assert_eq!(
            AccessPolicy::parse("auth.toml", "[[provider]]\nid = \"a\"\n").unwrap(),
            None
        );
        assert_eq!(AccessPolicy::parse("auth.toml", "").unwrap(), None);
    }

    #[test]
    fn any_identity_rule_lets_in() {
        let rules = policy(
            "emails = [\"Ada@Example.com\"]\nemail_domains = [\"corp.example\"]\ngoogle_hosted_domains = [\"school.example\"]",
        );
        assert_eq!(
            rules.judge(&who("demo", Some("ada@example.com"), None)),
            Verdict::Allowed
        );
        assert_eq!(
            rules.judge(&who("demo", Some("ADA@EXAMPLE.COM"), None)),
            Verdict::Allowed
        );
        assert_eq!(
            rules.judge(&who("demo", Some("bob@corp.example"), None)),
            Verdict::Allowed
        );
        assert_eq!(
            rules.judge(&who("google", None, Some("school.example"))),
            Verdict::Allowed
        );
        assert_eq!(
            rules.judge(&who("demo", Some("grace@example.com"), None)),
            Verdict::Refused
        );
        // A domain rule is the whole domain after the @, never a suffix of it.
        assert_eq!(
            rules.judge(&who("demo", Some("eve@evilcorp.example"), None)),
            Verdict::Refused
        );
        assert_eq!(
            rules.judge(&who("demo", Some("eve@sub.corp.example"), None)),
            Verdict::Refused
        );
        assert_eq!(rules.judge(&who("demo", None, None)), Verdict::Refused);
    }

    #[test]
    fn providers_limit_which_may_be_used_at_all() {
        let only = policy("providers = [\"github\"]");
        assert_eq!(only.judge(&who("github", None, None)), Verdict::Allowed);
        assert_eq!(
            only.judge(&who("demo", Some("ada@example.com"), None)),
            Verdict::Refused
        );
        let both = policy("providers = [\"demo\"]\nemails = [\"ada@example.com\"]");
        assert_eq!(
            both.judge(&who("demo", Some("ada@example.com"), None)),
            Verdict::Allowed
        );
        assert_eq!(
            both.judge(&who("google", Some("ada@example.com"), None)),
            Verdict::Refused
        );
        assert_eq!(
            both.judge(&who("demo", Some("grace@example.com"), None)),
            Verdict::Refused
        );
        assert!(only.check_providers(["github", "demo"].into_iter()).is_ok());
        assert!(
            only.check_providers(["demo"].into_iter())
                .unwrap_err()
                .contains("github")
        );
    }

    #[test]
    fn github_is_asked_only_when_nothing_else_lets_in() {
        let rules = policy("emails = [\"ada@example.com\"]\ngithub_organizations = [\"Acme\", \"acme/Ops\"]");
        assert_eq!(
            rules.judge(&who("github", Some("ada@example.com"), None)),
            Verdict::Allowed
        );
        assert_eq!(rules.judge(&who("github", None, None)), Verdict::AskGitHub);
        assert_eq!(
            rules.github_groups,
            vec![
                GitHubGroup {
                    organization: "acme".into(),
                    team: None
                },
                GitHubGroup {
                    organization: "acme".into(),
                    team: Some("ops".into())
                },
            ]
        );
    }

    #[test]
    fn an_invalid_table_names_its_key() {
        for (table, named) in [
            ("emails = [\"not an address\"]", "emails"),
            ("email_domains = [\"@example.com\"]", "email_domains"),
            ("google_hosted_domains = [\"localhost\"]", "google_hosted_domains"),
            ("providers = []", "providers"),
            ("github_organizations = [\"a/b/c\"]", "github_organizations"),
            ("github_organizations = [\"\"]", "github_organizations"),
            ("emails = \"ada@example.com\"", "access"),
            ("members = [\"ada\"]", "members"),
        ] {
            let error = AccessPolicy::parse("auth.toml", &format!("[access]\n{table}"))
                .err()
                .unwrap_or_else(|| panic!("{table} accepted"))
                .to_string();
            assert!(
                error.contains(named) && error.contains("auth.toml"),
                "{table}: {error}"
            );
        }
    }
}

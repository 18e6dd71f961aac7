//! The provider's callback query, parsed strictly: bounded, and no parameter that matters twice.

/// The callback parameters the flow reads. Unknown extra parameters are allowed (providers
/// add `scope`, `authuser` and others).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
    /// OAuth 1.0a: the request token coming back, and the proof the person agreed.
    pub oauth_token: Option<String>,
    pub oauth_verifier: Option<String>,
    /// OAuth 1.0a: the request token of a sign-in the person refused.
    pub denied: Option<String>,
}

/// Longer than any real callback; a bound on what the server will even look at.
pub const MAX_QUERY_LEN: usize = 4096;
const MAX_VALUE_LEN: usize = 2048;

pub fn parse(raw: &str) -> Result<CallbackQuery, &'static str> {
    if raw.len() > MAX_QUERY_LEN {
        return Err("the callback query is too long");
    }
    let mut query = CallbackQuery::default();
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let slot = match key.as_ref() {
            "code" => &mut query.code,
            "state" => &mut query.state,
            "iss" => &mut query.iss,
            "error" => &mut query.error,
            "oauth_token" => &mut query.oauth_token,
            "oauth_verifier" => &mut query.oauth_verifier,
            "denied" => &mut query.denied,
            _ => continue,
        };
        if slot.is_some() {
            return Err("a callback parameter was given twice");
        }
        if value.len() > MAX_VALUE_LEN || value.contains('\u{FFFD}') {
            return Err("a callback parameter is malformed");
        }
        *slot = Some(value.into_owned());
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_parameters_that_matter() {
        let q = parse("code=abc&state=xyz&iss=http%3A%2F%2F127.0.0.1%3A9400&scope=openid").unwrap();
        assert_eq!(q.code.as_deref(), Some("abc"));
        assert_eq!(q.state.as_deref(), Some("xyz"));
        assert_eq!(q.iss.as_deref(), Some("http://127.0.0.1:9400"));
        assert_eq!(q.error, None);
    }

    #[test]
    fn refuses_duplicates_oversize_and_broken_encoding() {
        assert!(parse("state=a&state=b").is_err());
        assert!(parse("code=a&code=a").is_err());
        assert!(parse(&format!("code={}", "a".repeat(10_000))).is_err());
        assert!(parse("code=%FF%FE").is_err());
        assert!(parse("oauth_token=a&oauth_token=b").is_err());
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        /// A value as a provider might send it: any text but the replacement character, which
        /// the parser reads as a sign of bytes that were not UTF-8.
        fn value() -> impl Strategy<Value = Option<String>> {
            proptest::option::of("[^\u{FFFD}]{0,40}")
        }

        proptest! {
            #[test]
            fn any_input_is_parsed_or_refused_without_panicking(raw in ".{0,300}") {
                let _ = parse(&raw);
            }

            #[test]
            fn what_a_provider_encodes_comes_back_unchanged(
                code in value(), state in value(), iss in value(), error in value(),
                extra in "[a-z_]{1,10}", extra_value in ".{0,20}",
            ) {
                let mut encoder = url::form_urlencoded::Serializer::new(String::new());
                for (name, value) in [("code", &code), ("state", &state), ("iss", &iss), ("error", &error)] {
                    if let Some(value) = value {
                        encoder.append_pair(name, value);
                    }
                }
                let known = ["code", "state", "iss", "error", "oauth_token", "oauth_verifier", "denied"];
                if !known.contains(&extra.as_str()) {
                    encoder.append_pair(&extra, &extra_value);
                }
                let parsed = parse(&encoder.finish()).unwrap();
                prop_assert_eq!(parsed, CallbackQuery { code, state, iss, error, ..CallbackQuery::default() });
            }
        }
    }
}

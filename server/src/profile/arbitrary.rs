//! Generators and invariants shared by the property tests of every profile reader.

use proptest::prelude::*;
use serde_json::Value;

use super::VerifiedIdentity;
use crate::domain::Subject;

/// Any JSON, nested a few levels, whose objects mostly use `keys` (what the reader under test
/// looks for) and whose strings include URLs of every scheme and things that look like
/// addresses.
pub fn json_value(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        3 => prop::sample::select(keys).prop_map(str::to_owned),
        1 => ".{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("JSON has no NaN", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        ".{0,300}".prop_map(Value::String),
        "(https?|javascript|data):[ -~]{0,40}".prop_map(Value::String),
        "[ -~]{0,20}@[ -~]{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 96, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// What every accepted profile satisfies, whatever the provider sent.
pub fn assert_usable(identity: &VerifiedIdentity) -> Result<(), TestCaseError> {
    prop_assert!(!identity.subject.as_str().is_empty());
    prop_assert!(identity.subject.as_str().chars().count() <= Subject::MAX_LEN);
    prop_assert!(identity.person.display_name.chars().count() <= 120);
    match &identity.person.email {
        Some(email) => prop_assert!(email.contains('@'), "{}", email),
        None => prop_assert_eq!(
            identity.person.email_verified,
            None,
            "verified says nothing without an address"
        ),
    }
    if let Some(avatar) = &identity.person.avatar_url {
        prop_assert!(
            avatar.starts_with("https://") || avatar.starts_with("http://"),
            "{}",
            avatar
        );
    }
    Ok(())
}

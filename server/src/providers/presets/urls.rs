//! How a preset's endpoint URLs are made: its own (the Graph API's at one pinned version) unless
//! the configuration gave one, those a configuration cannot name found beside one it can, and
//! the profile query kept when an override brings none.

use url::Url;

/// Facebook and Instagram Graph endpoints are versioned; one version is pinned for all URLs.
const GRAPH_VERSION: &str = "v25.0";

/// `path` on a Graph API `host`, at the pinned version.
pub(super) fn graph(host: &str, path: &str) -> String {
    format!("https://{host}/{GRAPH_VERSION}/{path}")
}

/// The URL the configuration gave, else the preset's own.
pub(super) fn endpoint(given: &Option<Url>, default: &str) -> Url {
    given
        .clone()
        .unwrap_or_else(|| Url::parse(default).expect("preset URLs are valid"))
}

/// The endpoint `up` path segments above `near` and then down `down`, without a query. A
/// preset's endpoints that a configuration cannot name (or did not) live beside one it did, so
/// that pointing the profile or token endpoint at a stand-in moves its neighbours with it.
pub(super) fn beside(near: &Url, up: usize, down: &[&str]) -> Result<Url, String> {
    let mut url = near.clone();
    url.set_query(None);
    let mut path = url
        .path_segments_mut()
        .map_err(|()| "an endpoint URL has no path".to_owned())?;
    for _ in 0..up {
        path.pop();
    }
    path.pop_if_empty().extend(down);
    drop(path);
    Ok(url)
}

/// The URL the configuration gave, else the one [`beside`] `near`.
pub(super) fn endpoint_beside(
    given: &Option<Url>,
    near: &Url,
    up: usize,
    down: &[&str],
) -> Result<Url, String> {
    given.clone().map_or_else(|| beside(near, up, down), Ok)
}

/// The preset's query (the profile fields to ask for), unless an override brought its own.
pub(super) fn with_query(mut url: Url, query: &str) -> Url {
    if url.query().is_none() {
        url.set_query(Some(query));
    }
    url
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::super::{Overrides, Preset};
    use crate::providers::protocol::{Protocol, Revocation};

    #[test]
    fn revocation_moves_with_the_endpoints_a_configuration_points_elsewhere() {
        let url = |value: &str| Some(Url::parse(value).unwrap());
        let oauth2 =
            |preset: Preset, overrides| match preset.protocol("client", &[], false, overrides).unwrap() {
                Protocol::OAuth2(s) => s.revocation.unwrap(),
                other => panic!("{other:?}"),
            };
        let github = Overrides {
            userinfo_url: url("http://127.0.0.1:9420/github/user"),
            ..Overrides::default()
        };
        assert_eq!(
            oauth2(Preset::GitHub, github),
            Revocation::GitHubGrant(url("http://127.0.0.1:9420/github/applications/client/grant").unwrap())
        );
        let x = Overrides {
            token_url: url("http://127.0.0.1:9420/x/token"),
            ..Overrides::default()
        };
        assert_eq!(
            oauth2(Preset::X, x),
            Revocation::Rfc7009(url("http://127.0.0.1:9420/x/revoke").unwrap())
        );
        let facebook = Overrides {
            userinfo_url: url("http://127.0.0.1:9420/facebook/v25.0/me"),
            ..Overrides::default()
        };
        assert_eq!(
            oauth2(Preset::Facebook, facebook),
            Revocation::FacebookPermissions(
                url("http://127.0.0.1:9420/facebook/v25.0/me/permissions").unwrap()
            )
        );
        let legacy = |overrides| match Preset::X.protocol("client", &[], true, overrides).unwrap() {
            Protocol::OAuth1(s) => s.revocation_url,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            legacy(Overrides::default()).as_str(),
            "https://api.x.com/1.1/oauth/invalidate_token"
        );
        let stand_in = Overrides {
            token_url: url("http://127.0.0.1:9420/x-legacy/oauth/access_token"),
            ..Overrides::default()
        };
        assert_eq!(
            legacy(stand_in).as_str(),
            "http://127.0.0.1:9420/x-legacy/1.1/oauth/invalidate_token"
        );
        // A URL given for it wins.
        let given = Overrides {
            userinfo_url: url("http://127.0.0.1:9420/github/user"),
            revocation_url: url("http://127.0.0.1:9421/grant"),
            ..Overrides::default()
        };
        assert_eq!(
            oauth2(Preset::GitHub, given),
            Revocation::GitHubGrant(url("http://127.0.0.1:9421/grant").unwrap())
        );
    }

    #[test]
    fn overrides_keep_the_preset_query_unless_they_bring_one() {
        let overrides = Overrides {
            userinfo_url: Some(Url::parse("http://127.0.0.1:9500/v25.0/me").unwrap()),
            ..Overrides::default()
        };
        let Protocol::OAuth2(s) = Preset::Facebook
            .protocol("client", &[], false, overrides)
            .unwrap()
        else {
            panic!("facebook is OAuth 2.0")
        };
        assert_eq!(
            s.profile_url.as_str(),
            "http://127.0.0.1:9500/v25.0/me?fields=id,name,email,picture.type(large)"
        );
    }
}

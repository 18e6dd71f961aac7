//! Return paths after sign-in: same-origin paths only, or `/`. Never an open redirect.

const MAX_LEN: usize = 512;

/// The path to return to, or `/` when `requested` is absent or could leave this site.
pub fn sanitize(requested: Option<&str>) -> String {
    requested
        .filter(|path| is_safe(path))
        .map(str::to_owned)
        .unwrap_or_else(|| "/".to_owned())
}

fn is_safe(path: &str) -> bool {
    if path.len() > MAX_LEN || !path.starts_with('/') {
        return false;
    }
    // Browsers treat `\` as `/` and drop tabs and newlines, so `/\evil` and `/\t/evil` are
    // `//evil`. Refuse them, every control character and space, encoded controls, and encoded
    // slashes in the path (a value in the query, `?next=%2Ffoo`, is only ever a value).
    let lower = path.to_ascii_lowercase();
    let lower_path = lower.split(['?', '#']).next().unwrap_or_default();
    if path
        .chars()
        .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
        || lower_path.contains("%2f")
        || lower_path.contains("%5c")
        || lower.contains("%0")
        || lower.contains("%09")
    {
        return false;
    }
    if path.starts_with("//") {
        return false;
    }
    // Belt and braces: resolving it against a stand-in origin must stay on that origin.
    let base = url::Url::parse("http://app.invalid/").expect("constant URL parses");
    base.join(path)
        .is_ok_and(|url| url.origin() == base.origin() && url.path().starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn paths_that_could_leave_the_site_fall_back_to_root() {
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/%2F%2Fevil.example",
            "/%2f%2fevil.example",
            "/%5C%5Cevil.example?x=1",
            "https://evil.example",
            "javascript:alert(1)",
            "/\r\nLocation: https://evil.example",
            "/%0d%0aSet-Cookie:x=y",
            "",
            "account",
            "/ /evil.example",
        ] {
            assert_eq!(sanitize(Some(bad)), "/", "{bad:?} was kept");
        }
    }

    #[test]
    fn same_origin_paths_are_kept() {
        assert_eq!(sanitize(Some("/account")), "/account");
        assert_eq!(
            sanitize(Some("/account?tab=security#top")),
            "/account?tab=security#top"
        );
        assert_eq!(sanitize(Some("/dashboard?next=%2Ffoo")), "/dashboard?next=%2Ffoo");
        assert_eq!(sanitize(None), "/");
        assert_eq!(sanitize(Some(&format!("/{}", "a".repeat(600)))), "/");
    }
}

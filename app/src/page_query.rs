//! Values of the page's own query string, decoded exactly once. leptos_router's query map
//! decodes what the browser has already decoded a second time, so a return path holding
//! `%2F`, `%26` or `%25` would come back changed; this reads the raw query instead: from the
//! request on the server, from the address bar in the browser.

/// The value of `name` in the query of the page being rendered.
pub fn value(name: &str) -> Option<String> {
    value_in(&raw(), name)
}

/// The page's query as it came, without its `?`.
#[cfg(feature = "ssr")]
pub fn raw() -> String {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.uri.query().map(str::to_owned))
        .unwrap_or_default()
}

/// The page's query as it came, without its `?`.
#[cfg(not(feature = "ssr"))]
pub fn raw() -> String {
    crate::browser::current_query()
}

fn value_in(query: &str, name: &str) -> Option<String> {
    query.trim_start_matches('?').split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(key) == name).then(|| decode(value))
    })
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = |i: usize| bytes.get(i).and_then(|b| (*b as char).to_digit(16));
        match (bytes[at], hex(at + 1), hex(at + 2)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push((high * 16 + low) as u8);
                at += 3;
            }
            (b'+', _, _) => {
                decoded.push(b' ');
                at += 1;
            }
            (byte, _, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::value_in;

    #[test]
    fn a_value_is_decoded_once() {
        let query = "?return_to=%2Fdashboard%3Fnext%3D%252Ffoo%26q%3D100%2525&x=1";
        assert_eq!(value_in(query, "return_to").as_deref(), Some("/dashboard?next=%2Ffoo&q=100%25"));
        assert_eq!(value_in("a=b+c&return_to=%2Faccount%3Fq%3Da%2520b", "return_to").as_deref(), Some("/account?q=a%20b"));
        assert_eq!(value_in("return_to", "return_to").as_deref(), Some(""));
        assert_eq!(value_in("x=%zz%", "x").as_deref(), Some("%zz%"));
        assert_eq!(value_in("", "return_to"), None);
    }
}

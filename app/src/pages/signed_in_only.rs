use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

use crate::{components::error_view::ErrorView, error::AuthError};

/// The frame of a page that needs a session: it shows `render(data)`, or, when the session
/// ended after `web::protected` let the request through (that middleware sends a request
/// without a session to sign in before anything renders), goes to the sign-in page with this
/// page's path and query as the return target.
#[component]
pub fn SignedInOnly<T>(data: Resource<Result<T, AuthError>>, render: Callback<T, AnyView>) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    let location = use_location();
    let sign_in_path = move || {
        let search = location.search.get_untracked();
        let search = search.trim_start_matches('?');
        let mut wanted = location.pathname.get_untracked();
        if !search.is_empty() {
            wanted = format!("{wanted}?{search}");
        }
        format!("/?return_to={}", encode_query_value(&wanted))
    };
    view! {
        <Suspense fallback=|| view! { <p class="card">"Loading…"</p> }>
            {move || {
                data
                    .get()
                    .map(|result| match result {
                        Ok(data) => render.run(data),
                        Err(AuthError::SignInRequired) => {
                            view! { <Redirect path=sign_in_path() /> }.into_any()
                        }
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_path_and_query_survive_as_one_query_value() {
        assert_eq!(
            super::encode_query_value("/dashboard?tab=x&y=1"),
            "/dashboard%3Ftab%3Dx%26y%3D1"
        );
        assert_eq!(super::encode_query_value("/é"), "/%C3%A9");
    }
}

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    api::load_home,
    components::{error_view::ErrorView, profile_card::ProfileCard, provider_list::ProviderList},
};

/// `/`: the signed-in person, or the providers to sign in with. Rendered completely on the
/// server (the route is `SsrMode::Async`), so a reload never flashes the signed-out view.
#[component]
pub fn HomePage() -> impl IntoView {
    let state = Resource::new(|| (), |_| load_home());
    let return_to = move || use_query_map().with_untracked(|q| q.get("return_to"));
    view! {
        <Suspense fallback=|| view! { <p class="card">"Loading…"</p> }>
            {move || {
                state
                    .get()
                    .map(|result| match result {
                        Ok(home) => match home.user {
                            Some(profile) => view! { <ProfileCard profile /> }.into_any(),
                            None if home.providers.is_empty() => view! { <NoProviders /> }.into_any(),
                            None => {
                                view! { <ProviderList providers=home.providers return_to=return_to() /> }
                                    .into_any()
                            }
                        },
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn NoProviders() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"No sign-in providers are configured"</h1>
            <p>
                "Add a provider to the file named by " <code>"AUTH_CONFIG"</code>
                " (default " <code>"auth.toml"</code> "), then restart the server."
            </p>
        </section>
    }
}

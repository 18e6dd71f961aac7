use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{api::complete_sign_in, browser, components::error_view::ErrorView, error::AuthError};

/// `/auth/callback/{provider}`: where the provider sends the browser back. The server renders
/// a waiting view; once hydrated, the page hands the query and the PKCE verifier to the server.
#[component]
pub fn CallbackPage() -> impl IntoView {
    let provider = use_params_map().with_untracked(|p| p.get("provider").unwrap_or_default());
    let failure = RwSignal::new(None::<AuthError>);

    // Effects run only in the browser, after hydration.
    Effect::new(move |_| {
        let provider = provider.clone();
        let query = browser::current_query();
        browser::strip_query();
        let verifier = browser::state_of(&query).and_then(|state| browser::take_verifier(&state));
        leptos::task::spawn_local(async move {
            match complete_sign_in(provider, query, verifier).await {
                Ok(signed_in) => browser::replace_with(&signed_in.return_to),
                Err(error) => failure.set(Some(error)),
            }
        });
    });

    view! {
        {move || match failure.get() {
            Some(error) => view! { <ErrorView error /> }.into_any(),
            None => {
                view! {
                    <section class="card" aria-busy="true">
                        <h1>"Signing you in…"</h1>
                        <p class="lead">"Checking the answer from your provider."</p>
                    </section>
                }
                    .into_any()
            }
        }}
    }
}

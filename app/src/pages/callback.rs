use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{complete_sign_in, finish_held_sign_in},
    browser,
    components::error_view::ErrorView,
    error::AuthError,
    page_query,
};

/// `/auth/callback/{provider}`: where the provider sends the browser back. A sign-in begun by
/// a plain form (the server keeps its verifier) is completed while the server renders this
/// page, which then answers with a 303 to the return path. Otherwise the page waits for the
/// wasm, which hands the query and the browser's PKCE verifier to the server.
#[component]
pub fn CallbackPage() -> impl IntoView {
    let provider = use_params_map().with_untracked(|p| p.get("provider").unwrap_or_default());
    let query = page_query::raw();
    let held = Resource::new(|| (), {
        let provider = provider.clone();
        move |_| finish_held_sign_in(provider.clone(), query.clone())
    });
    view! {
        <Suspense fallback=Waiting>
            {move || {
                held.get()
                    .map(|result| match result {
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                        // Completed: the answer is a 303 and this body is never shown.
                        Ok(Some(_)) => view! { <Waiting /> }.into_any(),
                        Ok(None) => view! { <FinishInBrowser provider=provider.clone() /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

/// Completes a sign-in whose verifier this browser keeps, once the wasm runs.
#[island]
fn FinishInBrowser(provider: String) -> impl IntoView {
    let failure = RwSignal::new(None::<AuthError>);
    // Effects run only in the browser.
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
    move || match failure.try_get().flatten() {
        Some(error) => view! { <ErrorView error /> }.into_any(),
        None => view! { <Waiting /> }.into_any(),
    }
}

#[component]
fn Waiting() -> impl IntoView {
    view! {
        <section class="card" aria-busy="true">
            <h1>"Signing you in…"</h1>
            <p class="lead">"Checking the answer from your provider."</p>
        </section>
    }
}

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api::finish_held_sign_in,
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
    let held = Resource::new(|| (), move |_| finish_held_sign_in(provider.clone(), query.clone()));
    view! {
        <Suspense fallback=Waiting>
            {move || {
                held.get()
                    .map(|result| match result {
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                        // Completed: the answer is a 303 and this body is never shown.
                        Ok(Some(_)) => view! { <Waiting /> }.into_any(),
                        Ok(None) => view! { <FinishInBrowser /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

/// Completes a sign-in whose verifier this browser keeps, once the wasm runs. It takes no
/// props (the provider is in the page's path), so the wasm needs no JSON parser for them.
#[island]
fn FinishInBrowser() -> impl IntoView {
    let failure = RwSignal::new(None::<AuthError>);
    // Effects run only in the browser.
    Effect::new(move |_| {
        let query = browser::current_query();
        browser::strip_query();
        let verifier = browser::state_of(&query).and_then(|state| browser::take_verifier(&state));
        leptos::task::spawn_local(async move {
            match complete(query, verifier).await {
                Ok(return_to) => browser::replace_with(&return_to),
                Err(error) => failure.set(Some(error)),
            }
        });
    });
    move || match failure.try_get().flatten() {
        Some(error) => view! { <ErrorView error /> }.into_any(),
        None => view! { <Waiting /> }.into_any(),
    }
}

/// Hands the callback's query and the verifier to `complete_sign_in`; the answer is where to go.
#[cfg(feature = "hydrate")]
async fn complete(query: String, verifier: Option<String>) -> Result<String, AuthError> {
    use leptos::server_fn::ServerFn;

    let provider = browser::callback_provider().ok_or(AuthError::InvalidCallback)?;
    let fields = web_sys::UrlSearchParams::new().map_err(|_| AuthError::Internal)?;
    fields.append("provider", &provider);
    fields.append("callback_query", &query);
    if let Some(verifier) = verifier {
        fields.append("code_verifier", &verifier);
    }
    let answer = browser::server_call::post(crate::api::CompleteSignIn::PATH, &fields).await?;
    answer.text("return_to").ok_or(AuthError::Internal)
}

#[cfg(not(feature = "hydrate"))]
async fn complete(_query: String, _verifier: Option<String>) -> Result<String, AuthError> {
    Err(AuthError::Internal)
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

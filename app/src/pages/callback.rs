use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map};

use crate::{
    api::{complete_sign_in, finish_held_sign_in},
    browser,
    components::error_view::ErrorView,
    error::AuthError,
};

/// `/auth/callback/{provider}`: where the provider sends the browser back. A sign-in begun by
/// a plain form (the server keeps its verifier) is completed while the server renders this
/// page, which then answers with a 303 to the return path. Otherwise the server renders a
/// waiting view, and once hydrated the page hands the query and the browser's PKCE verifier
/// to the server.
#[component]
pub fn CallbackPage() -> impl IntoView {
    let provider = use_params_map().with_untracked(|p| p.get("provider").unwrap_or_default());
    let query = use_location()
        .search
        .get_untracked()
        .trim_start_matches('?')
        .to_owned();
    let held = Resource::new(|| (), {
        let provider = provider.clone();
        move |_| finish_held_sign_in(provider.clone(), query.clone())
    });
    let failure = RwSignal::new(None::<AuthError>);

    // Effects run only in the browser, after hydration.
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) || held.get() != Some(Ok(None)) {
            return started.unwrap_or(false);
        }
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
        true
    });

    let waiting = || {
        view! {
            <section class="card" aria-busy="true">
                <h1>"Signing you in…"</h1>
                <p class="lead">"Checking the answer from your provider."</p>
            </section>
        }
    };
    view! {
        <Suspense fallback=waiting>
            {move || {
                let error = failure.get().or_else(|| held.get().and_then(Result::err));
                match error {
                    Some(error) => view! { <ErrorView error /> }.into_any(),
                    None => waiting().into_any(),
                }
            }}
        </Suspense>
    }
}

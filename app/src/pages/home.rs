use leptos::prelude::*;

use crate::{
    api::{confirm_provider_sign_out, load_home},
    components::{error_view::ErrorView, profile_card::ProfileCard, provider_list::ProviderList},
    error::AuthError,
    page_query,
};

/// `/`: the signed-in person, or the providers to sign in with. Rendered completely on the
/// server (the route is `SsrMode::Async`), so a reload never flashes the signed-out view.
#[component]
pub fn HomePage() -> impl IntoView {
    let state = Resource::new(|| (), |_| load_home());
    // Back from signing out at a provider: `state` is checked against what this browser kept.
    let signed_out_at = page_query::value("state")
        .map(|returned| Resource::new(|| (), move |_| confirm_provider_sign_out(returned.clone())));
    let signed_out_note = move || {
        signed_out_at.and_then(|confirmed| confirmed.get()).and_then(Result::ok).flatten().map(|name| {
            view! { <p class="card notice" role="status">{format!("You are signed out of {name} too.")}</p> }
        })
    };
    let return_to = page_query::value("return_to");
    // Where a plain form is sent when it cannot go on to the provider (see `api::start_sign_in`).
    let form_error =
        page_query::value("sign_in_error").map(|code| (code, page_query::value("provider").unwrap_or_default()));
    view! {
        <Suspense fallback=|| ()>{signed_out_note}</Suspense>
        <Suspense fallback=|| view! { <p class="card">"Loading…"</p> }>
            {move || {
                state
                    .get()
                    .map(|result| match result {
                        Ok(home) if form_error.is_some() && home.user.is_none() => {
                            let (code, provider) = form_error.clone().unwrap_or_default();
                            let name = home
                                .providers
                                .iter()
                                .find(|p| p.id == provider)
                                .map_or(provider, |p| p.name.clone());
                            let error = AuthError::from_code(&code, &name).unwrap_or(AuthError::Internal);
                            view! { <ErrorView error /> }.into_any()
                        }
                        Ok(home) => match home.user {
                            Some(profile) => view! { <ProfileCard profile /> }.into_any(),
                            None if home.providers.is_empty() => view! { <NoProviders /> }.into_any(),
                            None => {
                                view! { <ProviderList providers=home.providers return_to=return_to.clone() /> }
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

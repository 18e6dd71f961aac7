use leptos::prelude::*;

use crate::{
    api::begin_sign_in,
    browser,
    components::{brand_mark::BrandMark, error_view::ErrorView},
    error::AuthError,
    model::ProviderButton,
    pkce,
};

/// One "Sign in with {name}" button per configured provider.
#[component]
pub fn ProviderList(providers: Vec<ProviderButton>, return_to: Option<String>) -> impl IntoView {
    let error = RwSignal::new(None::<AuthError>);
    let busy = RwSignal::new(false);
    let start = move |provider: String| {
        let return_to = return_to.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome = start_sign_in(provider, return_to).await;
            if let Err(e) = outcome {
                error.set(Some(e));
                busy.set(false);
            }
        });
    };
    let buttons = move || {
        providers
            .iter()
            .map(|provider| {
                let id = provider.id.clone();
                let start = start.clone();
                let brand = provider.brand.map_or("generic", |b| b.key());
                view! {
                    <li>
                        <button
                            type="button"
                            class=format!("button provider brand-{brand}")
                            data-provider=provider.id.clone()
                            data-brand=brand
                            disabled=move || busy.get()
                            on:click=move |_| start(id.clone())
                        >
                            <BrandMark brand=provider.brand />
                            <span>{format!("Sign in with {}", provider.name)}</span>
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <Show
            when=move || error.with(Option::is_none)
            fallback=move || view! { <ErrorView error=error.get().unwrap_or(AuthError::Internal) /> }
        >
            <section class="card sign-in">
                <h1>"Sign in"</h1>
                <p class="lead">"Use an account you already have."</p>
                <ul class="providers">{buttons.clone()()}</ul>
            </section>
        </Show>
    }
}

/// Makes the PKCE pair in the browser, asks the server for the provider URL, and goes there.
async fn start_sign_in(provider: String, return_to: Option<String>) -> Result<(), AuthError> {
    let verifier = browser::new_pkce_verifier().ok_or(AuthError::BadRequest(
        "this browser cannot generate secure random numbers".into(),
    ))?;
    let challenge = pkce::challenge_s256(&verifier);
    let start = begin_sign_in(provider, challenge, return_to).await?;
    if !browser::store_verifier(&start.state, &verifier) {
        return Err(AuthError::BadRequest(
            "this browser does not allow session storage, which sign-in needs".into(),
        ));
    }
    browser::go_to(&start.authorization_url);
    Ok(())
}

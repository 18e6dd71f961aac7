use leptos::prelude::*;

use crate::{
    components::{error_view::ErrorView, provider_buttons::ProviderButtons},
    error::AuthError,
    model::ProviderButton,
    provider_start::Purpose,
};

/// One "Sign in with {name}" button per configured provider: an island, the part of the
/// sign-in page the wasm brings to life.
#[island]
pub fn ProviderList(providers: Vec<ProviderButton>, return_to: Option<String>) -> impl IntoView {
    let error = RwSignal::new(None::<AuthError>);
    view! {
        <Show
            when=move || error.try_with(Option::is_none).unwrap_or(true)
            fallback=move || view! { <ErrorView error=error.try_get().flatten().unwrap_or(AuthError::Internal) /> }
        >
            <section class="card sign-in">
                <h1>"Sign in"</h1>
                <p class="lead">"Use an account you already have."</p>
                <ul class="providers">
                    <ProviderButtons
                        providers=providers.clone()
                        verb="Sign in with"
                        purpose=Purpose::SignIn { return_to: return_to.clone() }
                        error
                    />
                </ul>
            </section>
        </Show>
    }
}

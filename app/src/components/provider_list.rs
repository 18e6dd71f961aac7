use leptos::prelude::*;

use crate::{
    components::{brand_mark::BrandMark, error_view::ErrorView},
    error::AuthError,
    model::ProviderButton,
    provider_start::{Purpose, go_to_provider},
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
            let outcome = go_to_provider(provider, Purpose::SignIn { return_to }).await;
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

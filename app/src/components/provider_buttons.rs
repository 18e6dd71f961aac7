use leptos::prelude::*;

use crate::{
    components::brand_mark::BrandMark,
    error::AuthError,
    model::ProviderButton,
    provider_start::{Purpose, go_to_provider},
};

/// One branded button per provider, labelled "{verb} {name}", that leaves for the provider
/// with `purpose`. Each is a plain form the server answers with a 303 to the provider, so it
/// works before the wasm has loaded and without JavaScript; once hydrated, the click takes the
/// wasm path instead (PKCE made in the browser). All are disabled while one is on its way; a
/// failure lands in `error`.
///
/// Signals in islands are read with `try_`: the server may evaluate a view closure after the
/// island's owner is gone (when a client hangs up mid-render), and a disposed signal must read
/// as its default there rather than panic. Found by `server/tests/random_requests.rs`.
#[component]
pub fn ProviderButtons(
    providers: Vec<ProviderButton>,
    verb: &'static str,
    purpose: Purpose,
    error: RwSignal<Option<AuthError>>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let (action, return_to) = match &purpose {
        Purpose::SignIn { return_to } => ("/api/start_sign_in", return_to.clone()),
        Purpose::Connect => ("/api/start_connect", None),
    };
    let start = move |provider: String| {
        let purpose = purpose.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            if let Err(e) = go_to_provider(provider, purpose).await {
                error.set(Some(e));
                busy.set(false);
            }
        });
    };
    providers
        .into_iter()
        .map(|provider| {
            let id = provider.id.clone();
            let start = start.clone();
            let brand = provider.brand.map_or("generic", |b| b.key());
            let submit = move |event: leptos::ev::SubmitEvent| {
                event.prevent_default();
                start(id.clone());
            };
            view! {
                <li>
                    <form method="post" action=action on:submit=submit>
                        <input type="hidden" name="provider" value=provider.id.clone() />
                        {return_to.clone().map(|path| view! { <input type="hidden" name="return_to" value=path /> })}
                        <button
                            type="submit"
                            class=format!("button provider brand-{brand}")
                            data-provider=provider.id
                            data-brand=brand
                            disabled=move || busy.try_get().unwrap_or_default()
                        >
                            <BrandMark brand=provider.brand />
                            <span>{format!("{verb} {}", provider.name)}</span>
                        </button>
                    </form>
                </li>
            }
        })
        .collect_view()
}

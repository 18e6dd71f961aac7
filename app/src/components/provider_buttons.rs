use leptos::prelude::*;

use crate::{
    api::{BeginConnect, BeginSignIn, StartConnect, StartSignIn},
    components::brand_mark::BrandMark,
    model::ProviderButton,
};
use leptos::server_fn::ServerFn;

/// Why a person leaves for a provider.
#[derive(Debug, Clone)]
pub enum Purpose {
    /// Sign in, then go to `return_to` (a same-origin path, or a protected app's allowed URL) or `/`.
    SignIn { return_to: Option<String> },
    /// Connect the provider to the signed-in account, then go back to the account page.
    Connect,
}

/// One branded button per provider, labelled "{verb} {name}", that leaves for the provider
/// with `purpose`. Each is a plain form the server answers with a 303 to the provider, so it
/// works before the wasm has loaded and without JavaScript; inside a
/// [`ProviderForms`](super::provider_forms::ProviderForms) island the wasm takes the click
/// instead and calls the form's `data-begin` server function (PKCE made in the browser).
#[component]
pub fn ProviderButtons(providers: Vec<ProviderButton>, verb: &'static str, purpose: Purpose) -> impl IntoView {
    let (action, begin, return_to) = match purpose {
        Purpose::SignIn { return_to } => (StartSignIn::PATH, BeginSignIn::PATH, return_to),
        Purpose::Connect => (StartConnect::PATH, BeginConnect::PATH, None),
    };
    providers
        .into_iter()
        .map(|provider| {
            let brand = provider.brand.map_or("generic", |b| b.key());
            view! {
                <li>
                    <form method="post" action=action data-begin=begin>
                        <input type="hidden" name="provider" value=provider.id.clone() />
                        {return_to.clone().map(|path| view! { <input type="hidden" name="return_to" value=path /> })}
                        <button
                            type="submit"
                            class=format!("button provider brand-{brand}")
                            data-provider=provider.id
                            data-brand=brand
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

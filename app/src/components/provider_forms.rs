use leptos::prelude::*;

use crate::provider_start;

/// Provider forms the wasm brings to life: an island around server-rendered
/// [`ProviderButtons`](super::provider_buttons::ProviderButtons). It takes no props, so the
/// wasm needs no JSON parser for them; the forms say what to call.
#[island]
pub fn ProviderForms(children: Children) -> impl IntoView {
    view! {
        <fieldset class="provider-forms" on:submit=provider_start::take_over>
            {children()}
        </fieldset>
    }
}

use leptos::prelude::*;

use crate::{
    components::brand_mark::BrandMark,
    error::AuthError,
    model::ProviderButton,
    provider_start::{Purpose, go_to_provider},
};

/// One branded button per provider, labelled "{verb} {name}", that leaves for the provider
/// with `purpose`. All are disabled while one is on its way; a failure lands in `error`.
#[component]
pub fn ProviderButtons(
    providers: Vec<ProviderButton>,
    verb: &'static str,
    purpose: Purpose,
    error: RwSignal<Option<AuthError>>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
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
            view! {
                <li>
                    <button
                        type="button"
                        class=format!("button provider brand-{brand}")
                        data-provider=provider.id
                        data-brand=brand
                        disabled=move || busy.get()
                        on:click=move |_| start(id.clone())
                    >
                        <BrandMark brand=provider.brand />
                        <span>{format!("{verb} {}", provider.name)}</span>
                    </button>
                </li>
            }
        })
        .collect_view()
}

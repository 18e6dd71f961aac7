use leptos::prelude::*;

use super::signed_in_only::SignedInOnly;
use crate::{
    api::load_account,
    components::{brand_mark::BrandMark, profile_card::ProfileCard},
    model::Account,
};

/// `/dashboard`: the signed-in home. Who you are, and the providers you can sign in with.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let account = Resource::new(|| (), |_| load_account());
    view! {
        <SignedInOnly account render=Callback::new(|account: Account| view! { <Dashboard account /> }.into_any()) />
    }
}

#[component]
fn Dashboard(account: Account) -> impl IntoView {
    let connected = account
        .connected
        .into_iter()
        .map(|connected| {
            view! {
                <li data-provider=connected.provider_id.clone()>
                    <BrandMark brand=connected.brand />
                    <span class="provider-name">{connected.provider_name}</span>
                    {connected.label.map(|label| view! { <span class="label">{label}</span> })}
                    <span class="when">"Last sign-in " {connected.last_sign_in_at}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <ProfileCard profile=account.profile />
        <section class="card" aria-labelledby="connected-title">
            <h2 id="connected-title">"Connected providers"</h2>
            <p class="lead">"Any of these signs you in to this same account."</p>
            <ul class="connected">{connected}</ul>
            <a class="button" href="/account">"Manage connections and sessions"</a>
        </section>
    }
}

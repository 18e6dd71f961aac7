use leptos::prelude::*;

use super::signed_in_only::SignedInOnly;
use crate::{
    api::{load_dashboard, load_provider_live},
    components::{brand_mark::BrandMark, profile_card::ProfileCard},
    error::AuthError,
    model::{ConnectedAccount, Dashboard, LiveFromProvider, ProviderLive},
};

type LiveViews = Resource<Result<Vec<ProviderLive>, AuthError>>;

/// `/dashboard`: the signed-in home. Who you are, the providers you can sign in with, and what
/// each says about you now, asked on the server with the access it granted.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let dashboard = Resource::new(|| (), |_| load_dashboard());
    let live: LiveViews = Resource::new(|| (), |_| load_provider_live());
    view! {
        <SignedInOnly
            data=dashboard
            render=Callback::new(move |dashboard: Dashboard| view! { <DashboardView dashboard live /> }.into_any())
        />
    }
}

#[component]
fn DashboardView(dashboard: Dashboard, live: LiveViews) -> impl IntoView {
    let connected = dashboard
        .connected
        .into_iter()
        .map(|connected| view! { <Connected connected live /> })
        .collect_view();
    view! {
        <ProfileCard profile=dashboard.profile />
        <section class="card" aria-labelledby="connected-title">
            <h2 id="connected-title">"Connected providers"</h2>
            <p class="lead">"Any of these signs you in to this same account."</p>
            <ul class="connected">{connected}</ul>
            <a class="button" href="/account">"Manage connections and sessions"</a>
        </section>
    }
}

#[component]
fn Connected(connected: ConnectedAccount, live: LiveViews) -> impl IntoView {
    let identity = connected.id;
    let name = connected.provider_name.clone();
    let now = move || {
        live.get().map(|views| {
            let (view, as_of) = views
                .ok()
                .and_then(|views| views.into_iter().find(|v| v.identity == identity))
                .map_or((LiveFromProvider::Unavailable, None), |v| (v.live, v.as_of));
            view! { <Live name=name.clone() live=view as_of /> }
        })
    };
    view! {
        <li data-provider=connected.provider_id.clone()>
            <BrandMark brand=connected.brand />
            <span class="provider-name">{connected.provider_name}</span>
            {connected.label.map(|label| view! { <span class="label">{label}</span> })}
            <span class="when">"Last sign-in " {connected.last_sign_in_at}</span>
            <Suspense fallback=|| ()>{now}</Suspense>
        </li>
    }
}

/// What one provider says now (as of when it said it: it is asked at most once a minute), or
/// why it cannot be shown; nothing for providers without a live call.
#[component]
fn Live(name: String, live: LiveFromProvider, as_of: Option<String>) -> impl IntoView {
    match live {
        LiveFromProvider::Facts(facts) if facts.is_empty() => {
            view! { <p class="live muted">{format!("{name} shares nothing more with this app.")}</p> }
                .into_any()
        }
        LiveFromProvider::Facts(facts) => {
            let facts = facts
                .into_iter()
                .map(|(label, value)| view! { <div><dt>{label}</dt><dd>{value}</dd></div> })
                .collect_view();
            let as_of = as_of.map(|time| view! { <p class="as-of muted">{format!("As of {time}; asked again after a minute")}</p> });
            view! { <dl class="live" aria-label=format!("Now at {name}")>{facts}</dl> {as_of} }.into_any()
        }
        LiveFromProvider::ReconnectNeeded => view! {
            <p class="live alert">
                {format!("{name} no longer accepts this app's access. ")}
                <a href="/account">"Reconnect it"</a>
            </p>
        }
        .into_any(),
        LiveFromProvider::Unavailable => {
            view! { <p class="live muted">{format!("{name} could not be reached just now.")}</p> }.into_any()
        }
        LiveFromProvider::NothingKept => {
            view! { <p class="live muted">{format!("No access to {name} is kept for this account.")}</p> }
                .into_any()
        }
        LiveFromProvider::NotOffered => ().into_any(),
    }
}

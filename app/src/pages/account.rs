use leptos::prelude::*;

use leptos::server_fn::ServerFn;

use super::signed_in_only::SignedInOnly;
use crate::{
    api::{
        DELETE_CONFIRMATION, DeleteAccount, Disconnect, SignOutAtProvider, SignOutElsewhere, load_account,
    },
    components::{
        brand_mark::BrandMark,
        provider_buttons::{ProviderButtons, Purpose},
        provider_forms::ProviderForms,
    },
    error::AuthError,
    model::{Account, ActiveSession, ConnectedAccount, HistoryEntry, ProviderButton},
    page_query,
};

/// `/account`: the providers connected to this account (connect more, disconnect any but the
/// last), and the account's live sessions (end all but this one). Its forms are plain forms
/// the server answers with a 303 back here, with `?account_error=` when it refused.
#[component]
pub fn AccountPage() -> impl IntoView {
    let disconnect = ServerAction::<Disconnect>::new();
    let sign_out_elsewhere = ServerAction::<SignOutElsewhere>::new();
    let account = Resource::new(|| (), |_| load_account());
    let render = Callback::new(move |account: Account| {
        view! { <AccountView account disconnect sign_out_elsewhere /> }.into_any()
    });
    view! { <SignedInOnly data=account render /> }
}

#[component]
fn AccountView(
    account: Account,
    disconnect: ServerAction<Disconnect>,
    sign_out_elsewhere: ServerAction<SignOutElsewhere>,
) -> impl IntoView {
    let only_one = account.connected.len() <= 1;
    let others = account.sessions.iter().filter(|s| !s.current).count();
    let connected = account
        .connected
        .into_iter()
        .map(|connected| view! { <Connected connected disconnect only_one /> })
        .collect_view();
    let sessions = account
        .sessions
        .into_iter()
        .map(|session| view! { <Session session /> })
        .collect_view();
    let history = account
        .history
        .into_iter()
        .map(|entry| view! { <HistoryLine entry /> })
        .collect_view();
    // Offered where the provider advertises it (RP-Initiated Logout); here rather than beside
    // "Sign out" on the signed-in view, whose one button of that name pages rely on.
    let at_provider = account.sign_out_at_provider.then(|| {
        let sign_out_at_provider = ServerAction::<SignOutAtProvider>::new();
        let label = format!("Sign out of {} too", account.profile.provider_name);
        view! {
            <ActionForm action=sign_out_at_provider>
                <button type="submit" class="button">{label}</button>
            </ActionForm>
        }
    });
    let failure = page_query::value("account_error")
        .and_then(|code| AuthError::from_code(&code, ""))
        .map(|error| view! { <p role="alert" class="alert">{error.to_string()}</p> });
    view! {
        <section class="card account" aria-labelledby="account-title">
            <h1 id="account-title">"Your account"</h1>
            <p class="lead">
                {account.profile.person.display_name} " · " <a href="/dashboard">"Back to the dashboard"</a>
            </p>
            {failure}
            <h2>"Connected providers"</h2>
            <ul class="connected">{connected}</ul>
            <Connectable providers=account.connectable />
            <h2>"Sessions"</h2>
            <ul class="sessions">{sessions}</ul>
            <ActionForm action=sign_out_elsewhere>
                <button type="submit" class="button" disabled=others == 0>
                    "Sign out everywhere else"
                </button>
            </ActionForm>
            {at_provider}
            <h2>"Recent activity"</h2>
            <p class="note">
                "The last 20 events of this account, with the browser and the network (never the "
                "full address) they came from."
            </p>
            <ol class="history">{history}</ol>
            <h2>"Your data"</h2>
            <p>
                <a href="/account/data.json" download="my-data.json">"Download my data"</a>
                " (JSON): your account, what each provider shared, your sessions and sign-ins. "
                "Never a token or a secret."
            </p>
            <DeleteAccountForm />
        </section>
    }
}

/// Two steps: open the fold, then press the button that says what happens. A plain form, so
/// the browser follows the server's 303 to the signed-out start page, with or without the wasm.
#[component]
fn DeleteAccountForm() -> impl IntoView {
    view! {
        <h2>"Account deletion"</h2>
        <details class="delete-account">
            <summary>"Delete my account…"</summary>
            <p>
                "Your account, every connected provider's details, your sessions and your sign-in "
                "history are deleted here at once, and each provider is asked to forget this app's "
                "access. Signing in again later starts a new, empty account. This cannot be undone."
            </p>
            <form method="post" action=DeleteAccount::PATH>
                <input type="hidden" name="confirm" value=DELETE_CONFIRMATION />
                <button type="submit" class="button danger">"Delete my account and my data"</button>
            </form>
        </details>
    }
}

#[component]
fn Connected(
    connected: ConnectedAccount,
    disconnect: ServerAction<Disconnect>,
    only_one: bool,
) -> impl IntoView {
    let name = connected.provider_name.clone();
    // The provider refused to refresh its grant: connecting it again replaces the grant.
    let reconnect = connected.reconnect_needed.then(|| {
        let button = ProviderButton {
            id: connected.provider_id.clone(),
            name: connected.provider_name.clone(),
            brand: connected.brand,
        };
        view! {
            <p class="alert">{format!("{name} no longer accepts this app's access.")}</p>
            <ProviderForms>
                <ul class="providers">
                    <ProviderButtons providers=vec![button] verb="Reconnect" purpose=Purpose::Connect />
                </ul>
            </ProviderForms>
        }
    });
    view! {
        <li data-provider=connected.provider_id.clone()>
            <BrandMark brand=connected.brand />
            <span class="provider-name">{connected.provider_name}</span>
            {connected.label.map(|label| view! { <span class="label">{label}</span> })}
            <span class="when">"Connected " {connected.connected_at}</span>
            <ActionForm action=disconnect>
                <input type="hidden" name="identity" value=connected.id.to_string() />
                <button
                    type="submit"
                    class="button small"
                    disabled=only_one
                    title=only_one.then_some("Your only way to sign in cannot be disconnected")
                    aria-label=format!("Disconnect {name}")
                >
                    "Disconnect"
                </button>
            </ActionForm>
            {reconnect}
        </li>
    }
}

/// "Connect {name}" for each configured provider this account does not have yet.
#[component]
fn Connectable(providers: Vec<ProviderButton>) -> impl IntoView {
    (!providers.is_empty()).then(|| {
        view! {
            <h2>"Connect another provider"</h2>
            <ProviderForms>
                <ul class="providers">
                    <ProviderButtons providers verb="Connect" purpose=Purpose::Connect />
                </ul>
            </ProviderForms>
        }
    })
}

#[component]
fn Session(session: ActiveSession) -> impl IntoView {
    view! {
        <li class:current=session.current>
            <span class="browser">{session.browser}</span>
            {session.current.then(|| view! { <span class="badge">"This session"</span> })}
            <span class="when">
                "Started " {session.started_at} " · last seen " {session.last_seen_at}
            </span>
        </li>
    }
}

#[component]
fn HistoryLine(entry: HistoryEntry) -> impl IntoView {
    let from = [entry.browser, entry.network]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <li>
            <span class="event">{entry.event} " with " {entry.provider_name}</span>
            <span class="when">{entry.at} {(!from.is_empty()).then(|| format!(" · {from}"))}</span>
        </li>
    }
}

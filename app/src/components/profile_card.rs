use leptos::prelude::*;

use crate::{api::SignOut, model::Profile};

/// The signed-in view: who you are, and how to sign out.
#[component]
pub fn ProfileCard(profile: Profile) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    // After signing out, a full load shows the signed-out page as the server renders it.
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            crate::browser::replace_with("/");
        }
    });
    // The initials are always there, under the picture: while it loads, and if it never does
    // (then it is hidden once the app runs; before that, a broken image with an empty `alt`
    // draws nothing, so the initials show through).
    let broken = RwSignal::new(false);
    let picture = NodeRef::<leptos::html::Img>::new();
    Effect::new(move |_| {
        if let Some(img) = picture.get()
            && img.complete()
            && img.natural_width() == 0
        {
            broken.set(true);
        }
    });
    let avatar = view! {
        <span class="avatar initials" aria-hidden="true">
            {profile.initials()}
            {profile
                .avatar_url
                .clone()
                .map(|url| {
                    view! {
                        <img
                            src=url
                            alt=""
                            width="72"
                            height="72"
                            referrerpolicy="no-referrer"
                            node_ref=picture
                            class:broken=move || broken.get()
                            on:error=move |_| broken.set(true)
                        />
                    }
                })}
        </span>
    };
    let verified = match profile.email_verified {
        Some(true) => "verified",
        Some(false) => "not verified",
        None => "verification unknown",
    };
    view! {
        <section class="card profile" aria-labelledby="profile-name">
            {avatar}
            <h1 id="profile-name" class="display-name">{profile.display_name.clone()}</h1>
            {profile.username.clone().map(|u| view! { <p class="username">"@" {u}</p> })}
            {profile
                .email
                .clone()
                .map(|email| {
                    view! {
                        <p class="email">
                            {email} " " <span class="badge">{verified}</span>
                        </p>
                    }
                })}
            <p class="via">"Signed in with " {profile.provider_name.clone()}</p>
            <details class="claims">
                <summary>"What " {profile.provider_name.clone()} " shared"</summary>
                <dl>
                    <dt>"Account id"</dt>
                    <dd class="subject">{profile.subject.clone()}</dd>
                </dl>
                {profile
                    .raw_claims
                    .clone()
                    .map(|claims| {
                        view! {
                            <pre class="raw-claims" aria-label="Claims as the provider sent them">
                                {claims}
                            </pre>
                        }
                    })}
                <p class="note">"Tokens stay on the server and are never shown."</p>
            </details>
            <nav class="account-links" aria-label="Your account">
                <a href="/dashboard">"Dashboard"</a>
                <a href="/account">"Account"</a>
            </nav>
            <ActionForm action=sign_out>
                <button type="submit" class="button">"Sign out"</button>
            </ActionForm>
            {move || {
                sign_out
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|e| view! { <p role="alert">{e.to_string()}</p> })
            }}
        </section>
    }
}

use leptos::prelude::*;

use crate::error::AuthError;

/// A failed sign-in: what happened, and the way back.
#[component]
pub fn ErrorView(error: AuthError) -> impl IntoView {
    view! {
        <section class="card error" role="alert">
            <h1>"Sign-in did not complete"</h1>
            <p>{error.to_string()}</p>
            <a class="button primary" href="/" rel="external">"Try again"</a>
        </section>
    }
}

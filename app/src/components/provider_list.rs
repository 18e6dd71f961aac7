use leptos::prelude::*;

use crate::{
    components::{
        provider_buttons::{ProviderButtons, Purpose},
        provider_forms::ProviderForms,
    },
    model::ProviderButton,
};

/// One "Sign in with {name}" button per configured provider.
#[component]
pub fn ProviderList(providers: Vec<ProviderButton>, return_to: Option<String>) -> impl IntoView {
    view! {
        <section class="card sign-in">
            <h1>"Sign in"</h1>
            <p class="lead">"Use an account you already have."</p>
            <ProviderForms>
                <ul class="providers">
                    <ProviderButtons providers verb="Sign in with" purpose=Purpose::SignIn { return_to } />
                </ul>
            </ProviderForms>
        </section>
    }
}

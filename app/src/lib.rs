//! The Leptos application shared by the server (SSR) and the browser (hydration).
//!
//! Server-only code sits behind the `ssr` feature; browser-only code behind `hydrate`.

pub mod api;
mod browser;
mod components;
#[cfg(feature = "ssr")]
mod csp;
pub mod error;
pub mod model;
mod page_query;
mod pages;
pub mod pkce;
mod provider_start;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, StaticSegment,
    components::{Route, Router, Routes},
};

use pages::{
    account::AccountPage, callback::CallbackPage, dashboard::DashboardPage, home::HomePage, not_found::NotFound,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    csp::provide_nonce_and_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                // Named here, so browsers that read it do not ask for /favicon.ico (a 404).
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="app-style" href="/pkg/app.css" />
        <Title text="Sign in" />
        <Router>
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage ssr=leptos_router::SsrMode::Async />
                    <Route path=StaticSegment("dashboard") view=DashboardPage ssr=leptos_router::SsrMode::Async />
                    <Route path=StaticSegment("account") view=AccountPage ssr=leptos_router::SsrMode::Async />
                    <Route
                        path=(StaticSegment("auth"), StaticSegment("callback"), ParamSegment("provider"))
                        view=CallbackPage
                        ssr=leptos_router::SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}

//! The wasm entry point: brings the server-rendered page's islands to life (the provider
//! buttons, and the callback page's completion in the browser); the rest is plain HTML.

// The islands are `#[wasm_bindgen]` exports of the app crate, which nothing here names
// otherwise: without this the crate would not be linked into the bundle at all.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    mark_hydrated();
}

/// `data-hydrated` on `<body>` tells people's tools and our tests that the page is interactive.
fn mark_hydrated() {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "");
    }
}

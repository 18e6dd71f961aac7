//! Leaving for a provider once the wasm runs: the PKCE pair is made in the browser, the
//! provider form's begin call records the transaction and answers with the provider's URL,
//! and the verifier waits in sessionStorage for the callback page. Should any step fail, the
//! form is sent as it is: that is the path that works without the wasm, and the server then
//! either leaves for the provider itself or shows the person what went wrong.

use leptos::ev::SubmitEvent;

/// Takes over the submission of a provider form inside `event.current_target()`, a fieldset
/// that is disabled while the browser is on its way.
#[cfg(feature = "hydrate")]
pub fn take_over(event: SubmitEvent) {
    use wasm_bindgen::JsCast;
    use web_sys::{HtmlFieldSetElement, HtmlFormElement};

    let form = event.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok());
    let fieldset = event
        .current_target()
        .and_then(|t| t.dyn_into::<HtmlFieldSetElement>().ok());
    let (Some(form), Some(fieldset)) = (form, fieldset) else {
        return;
    };
    // The server function the wasm path calls instead of the form's action (see ProviderButtons).
    let Some(begin) = form.get_attribute("data-begin") else {
        return;
    };
    event.prevent_default();
    // Read before disabling: the controls of a disabled fieldset are left out of its forms.
    let Some(fields) = web_sys::FormData::new_with_form(&form)
        .and_then(|data| web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data))
        .ok()
    else {
        return form_fallback(&form, &fieldset);
    };
    fieldset.set_disabled(true);
    leptos::task::spawn_local(async move {
        if leave(&begin, &fields).await.is_none() {
            form_fallback(&form, &fieldset);
        }
    });
}

#[cfg(not(feature = "hydrate"))]
pub fn take_over(_event: SubmitEvent) {}

#[cfg(feature = "hydrate")]
async fn leave(begin: &str, fields: &web_sys::UrlSearchParams) -> Option<()> {
    use crate::{browser, pkce};

    let verifier = browser::new_pkce_verifier()?;
    fields.append("code_challenge", &pkce::challenge_s256(&verifier));
    let start = browser::server_call::post(begin, fields).await.ok()?;
    let state = start.text("state")?;
    let authorization_url = start.text("authorization_url")?;
    browser::store_verifier(&state, &verifier).then_some(())?;
    browser::go_to(&authorization_url);
    Some(())
}

/// Sends the form the way a browser without the wasm would (`submit()` fires no submit event,
/// so this is not taken over again).
#[cfg(feature = "hydrate")]
fn form_fallback(form: &web_sys::HtmlFormElement, fieldset: &web_sys::HtmlFieldSetElement) {
    fieldset.set_disabled(false);
    let _ = form.submit();
}

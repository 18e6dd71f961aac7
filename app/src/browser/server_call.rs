//! Calls a server function from the browser as its generated client would (a form-encoded
//! POST, answered with JSON), with the browser's own `fetch` and `JSON.parse`. The generated
//! client brings a JSON parser, a form encoder and an HTTP layer into the wasm; this brings
//! none, and the islands read only the fields they need.

use js_sys::{JSON, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response, UrlSearchParams};

use crate::error::AuthError;

/// A server function's answer: the JSON value it returned.
pub struct Answer(JsValue);

impl Answer {
    /// A text field of the returned object.
    pub fn text(&self, name: &str) -> Option<String> {
        Reflect::get(&self.0, &JsValue::from_str(name)).ok()?.as_string()
    }
}

/// POSTs `fields` to the server function at `path`. A refusal comes back as the error the
/// server sent; a failure to reach it, or an answer that is not JSON, as `Transport`.
pub async fn post(path: &str, fields: &UrlSearchParams) -> Result<Answer, AuthError> {
    let response = send(path, fields).await.map_err(transport)?;
    let body = JsFuture::from(response.text().map_err(transport)?)
        .await
        .map_err(transport)?
        .as_string()
        .unwrap_or_default();
    let value = JSON::parse(&body).map_err(transport)?;
    if response.ok() {
        Ok(Answer(value))
    } else {
        Err(refusal(&value))
    }
}

async fn send(path: &str, fields: &UrlSearchParams) -> Result<Response, JsValue> {
    let headers = Headers::new()?;
    headers.set("content-type", "application/x-www-form-urlencoded")?;
    headers.set("accept", "application/json")?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from(fields.to_string()));
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await?
        .dyn_into()
}

/// An error in its JSON form: a variant's name (`"Expired"`), or an object holding one
/// variant's name and its text (`{"ProviderUnavailable":"Acme"}`).
fn refusal(value: &JsValue) -> AuthError {
    if let Some(variant) = value.as_string() {
        return AuthError::from_wire(&variant, None);
    }
    let Some(object) = value.dyn_ref::<Object>() else {
        return AuthError::Internal;
    };
    let keys = Object::keys(object);
    match keys.get(0).as_string() {
        Some(variant) => {
            let text = Reflect::get(object, &keys.get(0)).ok().and_then(|v| v.as_string());
            AuthError::from_wire(&variant, text)
        }
        None => AuthError::Internal,
    }
}

fn transport(error: JsValue) -> AuthError {
    let reason = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| "no answer".into());
    AuthError::Transport(reason)
}

use std::sync::Arc;

use app::{App, api::AuthBackend, shell};
use axum::{
    Router,
    body::Body,
    extract::{FromRef, Request, State},
    middleware,
    response::IntoResponse,
    routing::post,
};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use tower_http::services::ServeDir;

use super::{guard, headers};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: Arc<dyn AuthBackend>,
}

/// The whole HTTP surface: server functions under `/api`, server-rendered pages, and the
/// built assets (served precompressed when a `.br` or `.gz` sibling exists).
pub fn build(state: AppState, app_origin: guard::AppOrigin) -> Router {
    let routes = generate_route_list(App);
    let backend = state.backend.clone();
    let provide_backend = move || provide_context(backend.clone());
    let site_root = state.leptos_options.site_root.to_string();
    let render_missing = leptos_axum::render_app_to_stream_with_context(provide_backend.clone(), {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    });
    let assets = ServeDir::new(site_root)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(tower::service_fn(move |request: Request<Body>| {
            let render = render_missing.clone();
            async move { Ok::<_, std::convert::Infallible>(render(request).await.into_response()) }
        }));

    let api = Router::new()
        .route("/api/{*fn_name}", post(server_fn_handler))
        .route_layer(middleware::from_fn_with_state(app_origin, guard::refuse_cross_site));

    Router::new()
        .merge(api)
        .leptos_routes_with_context(&state, routes, provide_backend, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback_service(assets)
        .layer(middleware::from_fn(headers::protective_headers))
        .with_state(state)
}

async fn server_fn_handler(State(state): State<AppState>, request: Request<Body>) -> impl IntoResponse {
    let backend = state.backend.clone();
    handle_server_fns_with_context(move || provide_context(backend.clone()), request).await
}

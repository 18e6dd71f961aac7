use std::sync::{Arc, LazyLock};

use app::{App, api::AuthBackend, shell};
use axum::{
    Router,
    body::Body,
    extract::{FromRef, Request},
    middleware,
    response::IntoResponse,
};
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::services::ServeDir;

use super::{
    account_data, api_edge, client_address, compression, forward_auth, guard, headers,
    kept_pages::{signed_in, signed_out_home},
    posted_callback, protected, rate_limit, request_id,
};

/// The page routes, listed once per process: while leptos lists them it holds every resource
/// that starts loading anywhere in the process pending for good (a process-wide flag), so a
/// listing made beside a running app, as when tests start apps in parallel, could stall one of
/// its pages.
static PAGE_ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

/// The router's state: the site's options behind one pointer. axum clones a route's service,
/// state included, for every request, and a copy of every setting cost a page as much as a
/// tenth of its CPU.
#[derive(Clone)]
pub struct SiteOptions(Arc<LeptosOptions>);

impl FromRef<SiteOptions> for LeptosOptions {
    fn from_ref(site: &SiteOptions) -> Self {
        (*site.0).clone()
    }
}

/// What the HTTP surface is made of.
pub struct Surface {
    pub options: LeptosOptions,
    pub backend: Arc<dyn AuthBackend>,
    /// `/healthz` and `/readyz`.
    pub operations: Router<SiteOptions>,
    /// `/auth/backchannel-logout/{provider}`, `/auth/notifications/{provider}` and
    /// `/auth/security-events/{provider}`.
    pub back_channel: Router<SiteOptions>,
    /// Facebook's data-deletion and deauthorize callbacks, and the deletion status page.
    pub data_requests: Router<SiteOptions>,
    /// `POST /auth/callback/{provider}`, for providers in form_post mode.
    pub posted_callbacks: posted_callback::PostedCallbacks,
    /// `/auth/check`, `/auth/start` and `/auth/sign-out`.
    pub forward_auth: forward_auth::Routes<SiteOptions>,
    pub app_origin: guard::AppOrigin,
    pub https: headers::ServedOverHttps,
    pub sign_in_limit: rate_limit::SignInRateLimit,
    pub trusted_proxies: client_address::TrustedProxies,
    pub request_spans: request_id::RequestSpans,
    pub protected_pages: protected::ProtectedPages,
    /// The sign-in page as everyone signed out first sees it, rendered once.
    pub signed_out_home: signed_out_home::SignedOutHome,
    /// `/`, `/dashboard` and `/account` signed in, kept per session.
    pub signed_in_pages: signed_in::SignedInPages,
}

/// The whole HTTP surface: server functions under `/api` and server-rendered pages (both
/// registered by `leptos_routes_with_context`), the operations endpoints, and the built
/// assets, served precompressed when a `.br` or `.gz` sibling exists. Server-function bodies
/// are bounded, and every state-changing request passes the cross-site guard; every request
/// is attributed to its client address and given a request id first.
pub fn build(surface: Surface) -> Router {
    let Surface {
        options,
        backend,
        operations,
        back_channel,
        data_requests,
        posted_callbacks,
        forward_auth,
        app_origin,
        https,
        sign_in_limit,
        trusted_proxies,
        request_spans,
        protected_pages,
        signed_out_home,
        signed_in_pages,
    } = surface;
    let routes = PAGE_ROUTES.clone();
    let provide_backend = move || provide_context(backend.clone());
    let render_missing = leptos_axum::render_app_to_stream_with_context(provide_backend.clone(), {
        let options = options.clone();
        move || shell(options.clone())
    });
    let assets = ServeDir::new(options.site_root.as_ref())
        .precompressed_br()
        .precompressed_gzip()
        .fallback(tower::service_fn(move |request: Request<Body>| {
            let render = render_missing.clone();
            async move { Ok::<_, std::convert::Infallible>(render(request).await.into_response()) }
        }));

    let site = SiteOptions(Arc::new(options.clone()));
    Router::new()
        .leptos_routes_with_context(&site, routes, provide_backend, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .merge(operations)
        .merge(back_channel)
        .merge(data_requests)
        .merge(forward_auth.pages)
        .merge(account_data::routes(protected_pages.clone()))
        .fallback_service(assets)
        .layer(compression::pages())
        // Inside the check that sends a browser without a session to sign in, which hands it
        // the session it read; it compresses the pages it keeps itself.
        .layer(middleware::from_fn_with_state(signed_in_pages, signed_in::serve))
        .layer(middleware::from_fn_with_state(
            protected_pages,
            protected::require_session,
        ))
        .layer(middleware::from_fn_with_state(
            posted_callbacks,
            posted_callback::hand_over,
        ))
        .layer(middleware::from_fn_with_state(
            sign_in_limit,
            rate_limit::limit_sign_in,
        ))
        .layer(middleware::from_fn(api_edge::bound_and_classify))
        .layer(middleware::from_fn_with_state(
            app_origin,
            guard::refuse_cross_site,
        ))
        // Outside the layers that have nothing to do for a signed-out GET, inside those every
        // answer needs; it compresses the kept page itself.
        .layer(middleware::from_fn_with_state(
            signed_out_home,
            signed_out_home::serve,
        ))
        .layer(middleware::from_fn_with_state(https, headers::protective_headers))
        .layer(middleware::from_fn_with_state(request_spans, request_id::assign))
        .layer(middleware::from_fn_with_state(
            Arc::new(trusted_proxies),
            client_address::resolve,
        ))
        // Added after the layers, so none of them wraps it: the check answers a proxy before
        // every request of a protected app, with no body, no page and no state to change.
        .merge(forward_auth.check)
        .with_state(site)
}

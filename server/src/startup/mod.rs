//! Putting the pieces together: configuration, database, providers, router; and what only
//! start-up sets going (the log, the metrics listener).

pub mod logging;
mod metrics_listener;

use std::sync::Arc;

use leptos::config::LeptosOptions;

use crate::{
    flow::SignInFlow,
    provider_http::ProviderHttp,
    providers::{Protocol, ProviderConfig, config},
    registry::ProviderRegistry,
    settings::{LogFormat, Settings},
    store::{Database, cleanup},
    tokens::on_demand::TokenSource,
    web::{
        back_channel, backend::Backend, guard::AppOrigin, headers::ServedOverHttps, operations,
        protected::ProtectedPages, rate_limit::SignInRateLimit, request_id::RequestSpans, router,
    },
};

/// Everything that can stop the server from starting, each with a message an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid setting: {0}")]
    Settings(String),
    #[error("invalid provider configuration: {0}")]
    Providers(#[from] config::ConfigError),
    #[error("cannot open the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[from] reqwest::Error),
    #[error("{0}")]
    Metrics(String),
}

/// Reads `AUTH_CONFIG` with secrets from the process environment.
pub fn load_providers(settings: &Settings) -> Result<Vec<ProviderConfig>, StartupError> {
    Ok(config::load(&settings.auth_config, |name| {
        std::env::var(name).ok()
    })?)
}

/// Builds the application router, ready to serve.
pub async fn build_app(
    settings: &Settings,
    providers: Vec<ProviderConfig>,
    leptos_options: LeptosOptions,
) -> Result<axum::Router, StartupError> {
    let db = Database::connect(&settings.database_url).await?;
    cleanup::spawn(db.clone(), settings.cleanup_interval);
    if let Some(address) = settings.metrics_address {
        metrics_listener::serve(address, db.clone(), settings.metrics_refresh)
            .map_err(StartupError::Metrics)?;
    }
    let registry =
        Arc::new(ProviderRegistry::new(providers, &settings.app_url).map_err(StartupError::Settings)?);
    let operations = operations::routes(db.clone(), registry.clone());
    let http = ProviderHttp::new()?;
    let back_channel = back_channel::routes(db.clone(), registry.clone(), http.clone());
    let protected_pages = ProtectedPages(db.clone());
    let flow = SignInFlow {
        registry: registry.clone(),
        db,
        http,
        token_keys: settings.token_keys.clone(),
    };
    if settings.token_keys.is_none() {
        tracing::warn!("TOKEN_KEYS is not set: the tokens providers grant are not kept");
    }
    warm_up_discovery(&flow);
    let tokens = TokenSource::new(
        flow.db.clone(),
        flow.http.clone(),
        flow.registry.clone(),
        flow.token_keys.clone(),
    );
    let backend = Arc::new(Backend::new(flow, tokens, settings.app_url.clone()));
    let https = ServedOverHttps(settings.app_url.scheme() == "https");
    let sign_in_limit = SignInRateLimit::start(settings.sign_in_burst, settings.sign_in_refill)
        .ok_or_else(|| StartupError::Settings("the sign-in rate limit must be above zero".into()))?;
    Ok(router::build(router::Surface {
        options: leptos_options,
        backend,
        operations,
        back_channel,
        app_origin: AppOrigin(settings.app_origin().into()),
        https,
        sign_in_limit,
        trusted_proxies: settings.trusted_proxies.clone(),
        request_spans: RequestSpans(settings.log_format == LogFormat::Json),
        protected_pages,
    }))
}

/// Fetches every provider's discovery document in the background, so the first sign-in
/// does not wait for it and a broken provider shows up in the log at start.
fn warm_up_discovery(flow: &SignInFlow) {
    let oidc_providers = flow
        .registry
        .all()
        .iter()
        .filter(|p| matches!(p.config.protocol, Protocol::Oidc(_)))
        .cloned();
    for provider in oidc_providers {
        let http = flow.http.clone();
        tokio::spawn(async move {
            if provider.discovered(&http).await.is_ok() {
                tracing::info!(provider = %provider.config.id, "provider ready");
            }
        });
    }
}

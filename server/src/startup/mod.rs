//! Putting the pieces together: configuration, database, providers, router; and what only
//! start-up sets going (the log, the metrics listener).

pub mod logging;
mod metrics_listener;

use std::sync::Arc;

use leptos::config::LeptosOptions;

use app::model::Brand;

use crate::{
    access::{AccessGate, AccessPolicy, PolicyError, github::GitHubMemberships},
    flow::SignInFlow,
    provider_http::ProviderHttp,
    providers::{Protocol, ProviderConfig, config},
    registry::ProviderRegistry,
    settings::{LogFormat, Settings},
    store::{Database, cleanup, session_cache::SessionCache},
    tokens::on_demand::TokenSource,
    web::{
        back_channel,
        backend::{Backend, BackendParts},
        cookies::SessionCookie,
        data_deletion,
        forward_auth::{self, ForwardAuth},
        guard::AppOrigin,
        headers::ServedOverHttps,
        kept_pages::{signed_in::SignedInPages, signed_out_home::SignedOutHome},
        operations,
        posted_callback::PostedCallbacks,
        protected::ProtectedPages,
        provider_events,
        rate_limit::SignInRateLimit,
        request_id::RequestSpans,
        router,
    },
};

/// Everything that can stop the server from starting, each with a message an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid setting: {0}")]
    Settings(String),
    #[error("invalid provider configuration: {0}")]
    Providers(#[from] config::ConfigError),
    #[error("invalid access policy: {0}")]
    Access(#[from] PolicyError),
    #[error("cannot open the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[from] reqwest::Error),
    #[error("{0}")]
    Metrics(String),
}

/// What `AUTH_CONFIG` says: the providers, and who may enter.
pub struct AuthConfig {
    pub providers: Vec<ProviderConfig>,
    pub access: Option<AccessPolicy>,
}

impl AuthConfig {
    /// Providers and `[access]` together, checked against each other: the policy names only
    /// configured providers, and a GitHub preset asks for `read:org` when the policy needs it.
    pub fn new(
        mut providers: Vec<ProviderConfig>,
        access: Option<AccessPolicy>,
    ) -> Result<Self, StartupError> {
        if let Some(policy) = &access {
            let ids = providers.iter().map(|p| p.id.as_str());
            policy.check_providers(ids).map_err(StartupError::Settings)?;
            if !policy.github_groups.is_empty() {
                for github in providers.iter_mut().filter(|p| p.brand == Some(Brand::GitHub)) {
                    if !github.scopes.iter().any(|s| s == READ_ORG) {
                        github.scopes.push(READ_ORG.to_owned());
                    }
                }
            }
        }
        Ok(Self { providers, access })
    }
}

/// GitHub's scope for reading the organizations and teams a person is in.
const READ_ORG: &str = "read:org";

/// Reads `AUTH_CONFIG` with secrets from the process environment.
pub fn load_auth_config(settings: &Settings) -> Result<AuthConfig, StartupError> {
    let providers = config::load(&settings.auth_config, |name| std::env::var(name).ok())?;
    let file = settings.auth_config.display().to_string();
    let access = match std::fs::read_to_string(&settings.auth_config) {
        Ok(text) => AccessPolicy::parse(&file, &text)?,
        Err(_) => None,
    };
    AuthConfig::new(providers, access)
}

/// Builds the application router, ready to serve.
pub async fn build_app(
    settings: &Settings,
    auth_config: AuthConfig,
    leptos_options: LeptosOptions,
) -> Result<axum::Router, StartupError> {
    let AuthConfig { providers, access } = auth_config;
    let needs_kept_tokens =
        access.as_ref().is_some_and(|p| !p.github_groups.is_empty()) || settings.pass_access_token;
    if needs_kept_tokens && settings.token_keys.is_none() {
        return Err(StartupError::Settings(
            "[access] github_organizations and PASS_ACCESS_TOKEN use the provider's kept token: set TOKEN_KEYS".into(),
        ));
    }
    match &access {
        None => tracing::info!("no [access] table in AUTH_CONFIG: anyone who signs in may enter"),
        Some(policy) => tracing::info!(?policy, "access policy in force"),
    }
    let db = Database::connect(&settings.database_url).await?;
    cleanup::spawn(db.clone(), settings.cleanup_interval, settings.audit_retention);
    if let Some(address) = settings.metrics_address {
        metrics_listener::serve(address, db.clone(), settings.metrics_refresh)
            .map_err(StartupError::Metrics)?;
    }
    let registry =
        Arc::new(ProviderRegistry::new(providers, &settings.app_url).map_err(StartupError::Settings)?);
    let operations = operations::routes(db.clone(), registry.clone());
    let http = ProviderHttp::new()?;
    let sessions = Arc::new(SessionCache::default());
    let session_cookie = SessionCookie::new(settings.cookie_domain.clone());
    let back_channel = provider_events::routes(back_channel::BackChannel {
        db: db.clone(),
        registry: registry.clone(),
        http: http.clone(),
        sessions: sessions.clone(),
    });
    let data_requests = data_deletion::routes(data_deletion::DataRequests {
        db: db.clone(),
        registry: registry.clone(),
        sessions: sessions.clone(),
        app_url: settings.app_url.clone(),
    });
    let posted_callbacks = PostedCallbacks {
        db: db.clone(),
        registry: registry.clone(),
    };
    let protected_pages = ProtectedPages {
        db: db.clone(),
        cookie: session_cookie.clone(),
    };
    let access = Arc::new(AccessGate::new(
        access,
        GitHubMemberships::new(settings.access_recheck),
        http.clone(),
    ));
    let flow = SignInFlow {
        registry: registry.clone(),
        db,
        http,
        token_keys: settings.token_keys.clone(),
        redirect_hosts: settings.redirect_hosts.clone(),
        access: access.clone(),
    };
    if settings.token_keys.is_none() {
        tracing::warn!("TOKEN_KEYS is not set: the tokens providers grant are not kept");
    }
    warm_up_discovery(&flow);
    let tokens = Arc::new(TokenSource::new(
        flow.db.clone(),
        flow.http.clone(),
        flow.registry.clone(),
        flow.token_keys.clone(),
    ));
    let forward_auth = forward_auth::routes(ForwardAuth {
        db: flow.db.clone(),
        sessions: sessions.clone(),
        cookie: session_cookie.clone(),
        access,
        registry: registry.clone(),
        tokens: tokens.clone(),
        redirect_hosts: settings.redirect_hosts.clone(),
        pass_access_token: settings.pass_access_token,
        app_url: settings.app_url.clone(),
    });
    let signed_out_home = SignedOutHome::new(session_cookie.clone());
    let backend = Arc::new(Backend::new(
        flow,
        BackendParts {
            tokens,
            app_url: settings.app_url.clone(),
            session_cookie: session_cookie.clone(),
            sessions,
        },
    ));
    let signed_in_pages = SignedInPages::new(backend.clone(), session_cookie);
    let https = ServedOverHttps(settings.app_url.scheme() == "https");
    let sign_in_limit = SignInRateLimit::start(settings.sign_in_burst, settings.sign_in_refill)
        .ok_or_else(|| StartupError::Settings("the sign-in rate limit must be above zero".into()))?;
    Ok(router::build(router::Surface {
        options: leptos_options,
        backend,
        operations,
        back_channel,
        data_requests,
        posted_callbacks,
        forward_auth,
        app_origin: AppOrigin(settings.app_origin().into()),
        https,
        sign_in_limit,
        trusted_proxies: settings.trusted_proxies.clone(),
        request_spans: RequestSpans(settings.log_format == LogFormat::Json),
        protected_pages,
        signed_out_home,
        signed_in_pages,
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

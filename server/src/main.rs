use std::process::ExitCode;

use server::{settings, startup};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), String> {
    let settings = settings::Settings::from_env(|name| std::env::var(name).ok())?;
    let leptos_options = settings::leptos_options()?;
    let providers = startup::load_providers(&settings).map_err(|e| e.to_string())?;
    let address = leptos_options.site_addr;
    let app = startup::build_app(&settings, providers, leptos_options)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    tracing::info!("listening on http://{address}, public URL {}", settings.app_url);
    // The accept loop runs as a task on the workers, not on the main thread, so that taking
    // a connection does not mean waking another thread.
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    tokio::spawn(server.into_future())
        .await
        .map_err(|e| format!("server task failed: {e}"))?
        .map_err(|e| format!("server error: {e}"))
}

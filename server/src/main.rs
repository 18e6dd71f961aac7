use std::{num::NonZeroUsize, process::ExitCode, sync::Arc};

use server::{settings, startup, web};

fn main() -> ExitCode {
    let outcome = runtime()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
        .and_then(|runtime| runtime.block_on(run()));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// One async worker per core but one, unless `TOKIO_WORKER_THREADS` says otherwise. SQLite's
/// statements run on a thread of their own (sqlx's), and the kernel's network work runs beside
/// the workers; leaving them a core costs fewer thread wake-ups than workers competing with
/// them for it (see docs/performance.md).
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        builder.worker_threads(cores.saturating_sub(1).max(1));
    }
    builder.build()
}

async fn run() -> Result<(), String> {
    let settings = settings::Settings::from_env(|name| std::env::var(name).ok())?;
    startup::logging::init(settings.log_format);
    let leptos_options = settings::leptos_options()?;
    let auth_config = startup::load_auth_config(&settings).map_err(|e| e.to_string())?;
    let address = leptos_options.site_addr;
    let app = startup::build_app(&settings, auth_config, leptos_options)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    tracing::info!("listening on http://{address}, public URL {}", settings.app_url);
    let stopping = Arc::new(tokio::sync::Notify::new());
    let server = web::serve::serve(listener, app, settings.header_read_timeout, {
        let stopping = stopping.clone();
        async move {
            stop_requested().await;
            tracing::info!("stopping: no new connections; finishing the requests in flight");
            stopping.notify_one();
        }
    });
    // The accept loop runs as a task on the workers, not on the main thread, so that taking
    // a connection does not mean waking another thread.
    let mut serving = tokio::spawn(server);
    let grace = settings.shutdown_grace;
    tokio::select! {
        finished = &mut serving => {
            finished.map_err(|e| format!("server task failed: {e}"))?;
            tracing::info!("stopped");
            Ok(())
        }
        () = async { stopping.notified().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(?grace, "requests still in flight after the grace period; stopping anyway");
            Ok(())
        }
    }
}

/// SIGTERM (what orchestrators and systemd send) or Ctrl-C.
async fn stop_requested() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops the server gracefully");
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

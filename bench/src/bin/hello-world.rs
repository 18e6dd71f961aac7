//! An axum hello-world, the yardstick of the benchmark's forward-auth check row: `GET /`
//! answers "Hello, World!". It serves with `axum::serve` (hyper's HTTP/1.1 and HTTP/2
//! connection builder, as the server's own accept loop) and runs its async runtime as the
//! server does, one worker per core but one unless `TOKIO_WORKER_THREADS` is set, so the two
//! are compared on equal terms.
//!
//! usage: hello-world 127.0.0.1:PORT

use std::{num::NonZeroUsize, process::ExitCode};

use axum::{Router, routing::get};

/// The server's runtime (server/src/main.rs `runtime()`).
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        builder.worker_threads(cores.saturating_sub(1).max(1));
    }
    builder.build()
}

fn main() -> ExitCode {
    let Some(address) = std::env::args().nth(1) else {
        eprintln!("usage: hello-world 127.0.0.1:PORT");
        return ExitCode::from(2);
    };
    let served = runtime().and_then(|runtime| {
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind(&address).await?;
            let app = Router::new().route("/", get(|| async { "Hello, World!" }));
            axum::serve(listener, app).await
        })
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hello-world on {address}: {error}");
            ExitCode::FAILURE
        }
    }
}

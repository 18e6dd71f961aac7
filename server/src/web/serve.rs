//! The accept loop. It does what `axum::serve` does (every connection gets the peer address
//! as `ConnectInfo`, HTTP/1.1 and HTTP/2, graceful shutdown) plus what that leaves out: a
//! limit on how long a client may take to send a request's head, so that clients trickling
//! bytes (slowloris) cannot hold connections, and tasks, open for ever.

use std::{future::Future, pin::pin, time::Duration};

use axum::{Router, body::Body, extract::ConnectInfo};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto::Builder,
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::watch};
use tower::ServiceExt;

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting and returns
/// once every connection has finished the requests it had.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    // Connections hold a receiver each: the sender sees them all gone when they have finished.
    let (stop_connections, connections_stopping) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service =
            TowerToHyperService::new(tower::service_fn(move |mut request: http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(request.map(Body::new))
            }));
        let builder = builder.clone();
        let mut stopping = connections_stopping.clone();
        tokio::spawn(async move {
            let mut connection = pin!(builder.serve_connection_with_upgrades(TokioIo::new(stream), service));
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::debug!(%error, %peer, "connection ended with an error");
                        }
                        break;
                    }
                    changed = stopping.changed() => {
                        // Finish the request in flight, take no more.
                        connection.as_mut().graceful_shutdown();
                        if changed.is_err() {
                            break;
                        }
                    }
                }
            }
        });
    }
    drop(listener);
    drop(connections_stopping);
    let _ = stop_connections.send(true);
    stop_connections.closed().await;
}

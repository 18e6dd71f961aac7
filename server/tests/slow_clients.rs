//! Slow clients (slowloris): connections that send their request head a byte a second are
//! closed once the header-read timeout passes, and while they hang on, people still sign in.

mod support;

use std::time::{Duration, Instant};

use support::{StandInProvider, TestApp, app::auth_config};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    task::JoinSet,
};

const SLOW_CLIENTS: usize = 200;
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(2);
/// Whatever the machine's load, the server must have closed them by then.
const CLOSED_WITHIN: Duration = Duration::from_secs(8);

/// Trickles a request head one byte a second until the server closes the connection, and
/// says how long that took.
async fn trickle(address: String, connected: tokio::sync::mpsc::Sender<()>) -> Duration {
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let started = Instant::now();
    connected.send(()).await.unwrap();
    let head = format!("GET / HTTP/1.1\r\nHost: {address}\r\nX-Slow: ");
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    let mut answer = [0u8; 512];
    for byte in head.bytes().cycle() {
        tokio::select! {
            _ = ticks.tick() => {
                if stream.write_all(&[byte]).await.is_err() {
                    return started.elapsed();
                }
            }
            read = stream.read(&mut answer) => {
                // Closed (0 bytes or reset), or an answer such as 408 before closing.
                if matches!(read, Ok(0) | Err(_)) {
                    return started.elapsed();
                }
            }
        }
        assert!(
            started.elapsed() < CLOSED_WITHIN,
            "a slow client was kept past {CLOSED_WITHIN:?}"
        );
    }
    unreachable!("the head never ends")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_dropped_after_the_header_timeout_and_do_not_stop_a_sign_in() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn_with_settings(
        &auth_config(&[("acme", &provider.issuer())]),
        &[(
            "HEADER_READ_TIMEOUT_SECS",
            &HEADER_READ_TIMEOUT.as_secs().to_string(),
        )],
    )
    .await;
    let address = app.origin.trim_start_matches("http://").to_owned();
    let (connected, mut connections) = tokio::sync::mpsc::channel(SLOW_CLIENTS);
    let mut slow = JoinSet::new();
    for _ in 0..SLOW_CLIENTS {
        slow.spawn(trickle(address.clone(), connected.clone()));
    }
    for _ in 0..SLOW_CLIENTS {
        connections.recv().await.unwrap();
    }

    // All of them are connected and trickling: a person signs in as usual.
    let callback = app.begin().await;
    provider.answer_valid_sign_in(&callback.nonce).await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.session().is_some());

    let mut closed_after = Vec::new();
    while let Some(held) = slow.join_next().await {
        closed_after.push(held.unwrap());
    }
    assert_eq!(closed_after.len(), SLOW_CLIENTS);
    // Closed by the timeout, not at once.
    let earliest = closed_after.iter().min().unwrap();
    assert!(
        *earliest >= HEADER_READ_TIMEOUT - Duration::from_millis(500),
        "closed after {earliest:?}"
    );
}

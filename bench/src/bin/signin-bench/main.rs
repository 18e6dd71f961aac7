//! The sign-in load benchmark and soak run. Starts the release server and a fast local
//! OpenID provider, drives full sign-ins from distinct loopback addresses, and prints what the
//! server spent: sign-ins per second, CPU per completed sign-in, latency, errors, memory. Then
//! the forward-auth check (`GET /auth/check` with a signed-in cookie) and the pages on
//! keep-alive connections, next to an axum hello-world served in the same run. This file picks
//! what to run from the command line and turns the outcome into the exit code (1 when anything
//! failed, 2 on a usage error); the sections, the command line and the rig they run on are
//! modules of their own.

mod cli;
mod flask_rows;
mod forward_auth_check;
mod keep_alive_rows;
mod page_rows;
mod rig;
mod sign_in_rows;
mod soak;

use std::{collections::BTreeMap, net::SocketAddr, process::ExitCode, time::Duration};

use bench::{http1_client::Request, sign_in::loopback_source};
use cli::Options;

#[tokio::main]
async fn main() -> ExitCode {
    let result = match cli::parse_options() {
        Ok(options) => match options.soak {
            Some(duration) => soak::run(&options, duration).await,
            None if options.keep_alive.only => keep_alive_section(&options).await,
            None => benchmark(&options).await,
        },
        Err(message) => Err(message),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// The keep-alive section's person signs in from an address no warm-up sign-in uses.
const KEEP_ALIVE_SOURCE: u32 = 9_000_000;

/// The sign-in rows, Flask + Authlib's when asked for, the calibration, then (unless left
/// out) the keep-alive rows.
async fn benchmark(options: &Options) -> Result<bool, String> {
    let rows = sign_in_rows::run(options).await?;
    let mut signed_in = rows.iter().all(|row| row.failed == 0);
    if let Some(venv) = &options.flask_authlib {
        signed_in &= flask_rows::compare(options, venv, &rows).await?;
    }
    let calibrated = sign_in_rows::calibrate(options).await?;
    let kept_alive = if options.keep_alive.any_rows() {
        println!();
        keep_alive_section(options).await?
    } else {
        true
    };
    Ok(calibrated && kept_alive && signed_in)
}

/// The forward-auth check's row and the pages' (as chosen), beside hello-world's, on a fresh
/// rig where one person has signed in; each target is probed once before any load.
async fn keep_alive_section(options: &Options) -> Result<bool, String> {
    let rows = &options.keep_alive;
    println!(
        "keep-alive rows: {} keep-alive HTTP/1.1 connections, each request sent when the last \
         was answered; {} s measured per row in {} round(s) taking turns, beside an axum \
         hello-world's GET / in the same run",
        rows.connections, rows.seconds, rows.rounds
    );
    let rig = rig::start(options).await?;
    let person = rig
        .driver
        .sign_in(loopback_source(KEEP_ALIVE_SOURCE), "keep-alive-person")
        .await
        .map_err(|failure| format!("the keep-alive rows' sign-in failed: {failure}"))?;
    let address: SocketAddr = rig
        .server
        .origin
        .strip_prefix("http://")
        .and_then(|address| address.parse().ok())
        .ok_or_else(|| format!("the server's origin {} is not http://ADDRESS", rig.server.origin))?;
    let request_to = |path: &str, cookie: Option<&str>| Request {
        address,
        path: path.to_owned(),
        headers: cookie
            .map(|cookie| vec![("Cookie".to_owned(), cookie.to_owned())])
            .unwrap_or_default(),
    };
    let cookie = person.session_cookie.as_str();
    let mut targets = Vec::new();
    let probed = async {
        if rows.check {
            targets.push(forward_auth_check::target(rows, request_to, cookie).await?);
        }
        if rows.pages {
            targets.extend(page_rows::targets(request_to, cookie).await?);
        }
        Ok::<_, String>(())
    };
    if let Err(message) = probed.await {
        println!(
            "FAILED: {message}
server log (last lines):
{}",
            rig.server.log_tail()
        );
        return Ok(false);
    }
    let passed = keep_alive_rows::compare(&targets, rig.server.pid(), rows, &options.server_env).await?;
    if !passed {
        println!(
            "      server log (last lines):
{}",
            rig.server.log_tail()
        );
    }
    Ok(passed)
}

fn print_failures(failures: &BTreeMap<String, u64>) {
    for (kind, count) in failures {
        println!("      {count} x {kind}");
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

//! The sign-in load benchmark and soak run. Starts the release server and a fast local
//! OpenID provider, drives full sign-ins from distinct loopback addresses, and prints what the
//! server spent: sign-ins per second, CPU per completed sign-in, latency, errors, memory. Then
//! the forward-auth check (`GET /auth/check` with a signed-in cookie) on keep-alive
//! connections, next to an axum hello-world served in the same run. This file picks what to
//! run from the command line and turns the outcome into the exit code (1 when anything
//! failed, 2 on a usage error); the sections, the command line and the rig they run on are
//! modules of their own.

mod cli;
mod forward_auth_check;
mod rig;
mod sign_in_rows;
mod soak;

use std::{collections::BTreeMap, process::ExitCode, time::Duration};

use cli::Options;

#[tokio::main]
async fn main() -> ExitCode {
    let result = match cli::parse_options() {
        Ok(options) => match options.soak {
            Some(duration) => soak::run(&options, duration).await,
            None if options.check.only => forward_auth_check::run(&options).await,
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

/// The sign-in rows, the calibration, then (unless left out) the forward-auth check.
async fn benchmark(options: &Options) -> Result<bool, String> {
    let signed_in = sign_in_rows::run(options).await?;
    let calibrated = sign_in_rows::calibrate(options).await?;
    let checked = if options.check.run {
        println!();
        forward_auth_check::run(options).await?
    } else {
        true
    };
    Ok(calibrated && checked && signed_in)
}

fn print_failures(failures: &BTreeMap<String, u64>) {
    for (kind, count) in failures {
        println!("      {count} x {kind}");
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

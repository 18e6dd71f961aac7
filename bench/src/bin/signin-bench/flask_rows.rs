//! Flask + Authlib beside our server: the tutorial stack (`bench/flask-authlib`, gunicorn with
//! two workers) signs in the same number of new people at each row's number of clients, each
//! from its own loopback address, with the same fast provider; then each row's CPU per sign-in
//! beside ours, and their ratio, which our budget holds under a quarter.

use std::{path::Path, sync::Arc, time::Duration};

use bench::{
    flask_authlib::FlaskAuthlib,
    load::{self, Population, Tally},
    provider::{FastProvider, ProfileShape},
};

use crate::{cli::Options, print_failures, rig::WARM_UP_SIGN_INS, sign_in_rows::Row};

/// Our server's CPU per sign-in may be at most this share of Flask + Authlib's.
const BUDGET: f64 = 0.25;

struct FlaskRow {
    clients: u32,
    completed: u64,
    failed: u64,
    per_second: f64,
    cpu_ms_per_sign_in: f64,
}

/// A row per row of ours, then the ratios; `Ok(true)` when no sign-in failed there.
pub(crate) async fn compare(options: &Options, venv: &Path, ours: &[Row]) -> Result<bool, String> {
    println!(
        "\nFlask + Authlib (bench/flask-authlib, gunicorn with 2 workers, {}), the same sign-ins:",
        venv.display()
    );
    let mut rows = Vec::new();
    for row in ours {
        rows.push(measure(options, venv, row.clients).await?);
    }
    println!();
    println!(
        "| clients | Flask + Authlib sign-ins/s | failed | Flask + Authlib CPU ms/sign-in | ours ms/sign-in | ours / Flask + Authlib |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    for (flask, ours) in rows.iter().zip(ours) {
        println!(
            "| {} | {:.0} | {} | {:.3} | {:.3} | {:.3} |",
            flask.clients,
            flask.per_second,
            flask.failed,
            flask.cpu_ms_per_sign_in,
            ours.cpu_ms_per_sign_in,
            ours.cpu_ms_per_sign_in / flask.cpu_ms_per_sign_in
        );
    }
    for (flask, ours) in rows.iter().zip(ours) {
        let share = ours.cpu_ms_per_sign_in / flask.cpu_ms_per_sign_in;
        println!(
            "{} clients: our CPU per sign-in is {share:.3} of Flask + Authlib's (budget: under {BUDGET}: {})",
            flask.clients,
            if share < BUDGET { "met" } else { "NOT met" }
        );
    }
    Ok(rows.iter().all(|row| row.failed == 0 && row.completed > 0))
}

/// Flask + Authlib on a fresh provider, warmed up as our server is, then `options.sign_ins`
/// sign-ins by `clients` clients at once, by the same people as ours (new or returning), and
/// asking userinfo when ours does.
async fn measure(options: &Options, venv: &Path, clients: u32) -> Result<FlaskRow, String> {
    let provider = FastProvider::start_shaped(options.profile_shape)
        .await
        .map_err(|e| format!("cannot start the provider: {e}"))?;
    let logs = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let ask_userinfo = options.profile_shape == ProfileShape::UserinfoNeeded;
    let app = Arc::new(FlaskAuthlib::start(venv, provider.issuer(), ask_userinfo, logs.path()).await?);
    let warm_up = Arc::new(Tally::default());
    sign_in_all(&app, Population::new_people(0), WARM_UP_SIGN_INS, 1, &warm_up).await;
    if warm_up.summary().failed > 0 {
        return Err(format!(
            "Flask + Authlib's warm-up failed: {:?}\nits log:\n{}",
            warm_up.summary().failures,
            app.log_tail()
        ));
    }
    let cpu_before = app.cpu_time().map_err(|e| e.to_string())?;
    let tally = Arc::new(Tally::default());
    let population = Population {
        first: WARM_UP_SIGN_INS,
        returning: options.returning,
    };
    let elapsed = sign_in_all(&app, population, options.sign_ins, clients, &tally).await;
    let cpu = app
        .cpu_time()
        .map_err(|e| e.to_string())?
        .checked_sub(cpu_before)
        .ok_or("Flask + Authlib's CPU time went backwards (a worker ended unseen)")?;
    let summary = tally.summary();
    let row = FlaskRow {
        clients,
        completed: summary.completed,
        failed: summary.failed,
        per_second: summary.per_second(elapsed),
        cpu_ms_per_sign_in: summary.cpu_ms_each(cpu),
    };
    println!(
        "{:>4} clients: {} completed, {} failed in {:.1} s = {:.0} sign-ins/s; Flask + Authlib CPU {:.3} ms per sign-in",
        clients,
        row.completed,
        row.failed,
        elapsed.as_secs_f64(),
        row.per_second,
        row.cpu_ms_per_sign_in
    );
    print_failures(&summary.failures);
    if summary.failed > 0 {
        println!("      its log (last lines):\n{}", app.log_tail());
    }
    Ok(row)
}

/// `sign_ins` sign-ins at Flask + Authlib by `clients` clients at once.
async fn sign_in_all(
    app: &Arc<FlaskAuthlib>,
    population: Population,
    sign_ins: u32,
    clients: u32,
    tally: &Arc<Tally>,
) -> Duration {
    let app = app.clone();
    let sign_in = move |source, login: String| {
        let app = app.clone();
        async move { app.sign_in(source, &login).await }
    };
    load::closed_loop_with(sign_in, population, sign_ins, clients, tally).await
}

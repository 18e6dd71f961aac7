//! The sign-in load benchmark and soak run. Starts the release server and a fast local
//! OpenID provider, drives full sign-ins from distinct loopback addresses, and prints what the
//! server spent: sign-ins per second, CPU per completed sign-in, latency, errors, memory. Then
//! the forward-auth check (`GET /auth/check` with a signed-in cookie) on keep-alive
//! connections, next to an axum hello-world served in the same run.

use std::{
    path::PathBuf,
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use bench::{
    hello_world::HelloWorldProcess,
    keep_alive::{self, Outcome, Shape},
    load::{self, Population, Tally},
    proc_stats::{self, mebibytes},
    provider::FastProvider,
    server_process::{ServerProcess, ServerSetup},
    sign_in::{SignInDriver, loopback_source},
};

const USAGE: &str = "\
usage: signin-bench [--clients 1,8,64,256] [--sign-ins 2000] [--returning N] [--check-only]
       signin-bench --soak SECONDS [--rate PER_SECOND] [--clients MAX_IN_FLIGHT]
  --clients      clients at once, one row each (soak: the most sign-ins in flight)
  --sign-ins     sign-ins per row
  --returning N  sign-ins come from N people who sign in again and again (default: all new)
  --soak S       hold 80 % of the highest rate (or --rate) for S seconds, reporting memory
  --server       the server binary (default target/release/server)
  --site-root    the built site (default target/site)
  --server-env NAME=VALUE  a setting for the server, repeatable (e.g. RUST_LOG=warn)
After the sign-in rows, the forward-auth check against an axum hello-world:
  --check-only         only that section
  --no-check           leave it out
  --check-seconds S    measured seconds per target (default 10)...
  --check-rounds N     ...in N rounds, the check and hello-world taking turns (default 5);
                       each target warms up for 2 s before its first round
  --check-connections N  keep-alive connections (default 16)
  --hello-world PATH   the hello-world binary (default target/release/hello-world)
  --check-path PATH --check-status CODE  try the driver on another endpoint (say /healthz
                       200); the probes of the check's contract are then left out
Exits 1 when any sign-in failed, any check answered other than 202 (or, in a soak, memory
was not flat), 2 on a usage error.";

const PROVIDER_ID: &str = "load";
/// Sign-ins before measuring, so discovery, keys and connection pools are warm.
const WARM_UP_SIGN_INS: u32 = 50;
/// Before a soak, this many rounds of sign-ins at its highest concurrency, so that buffers,
/// pools and caches have grown to what the soak may need; memory is compared after that.
const SOAK_WARM_UP_ROUNDS: u32 = 20;
/// The soak runs the server's periodic cleanup this often (its default is five minutes), so a
/// ten-minute soak sees it forty times rather than twice...
const SOAK_CLEANUP_INTERVAL: &str = "15";
/// ...and judges memory from this far in, once the cleanup's read connections have filled
/// their page caches.
const SOAK_SETTLE: Duration = Duration::from_secs(60);
const SOAK_REPORT_EVERY: Duration = Duration::from_secs(30);
/// The forward-auth check's goals (issue 19): at least this share of hello-world's rate...
const CHECK_RATE_GOAL: f64 = 0.5;
/// ...and a p99 under this.
const CHECK_P99_GOAL: Duration = Duration::from_millis(2);
/// Before each target's first round; later rounds, on new connections too, warm up briefly.
const CHECK_WARM_UP: Duration = Duration::from_secs(2);
const CHECK_ROUND_WARM_UP: Duration = Duration::from_millis(250);
const CHECK_PATH: &str = "/auth/check";
/// The check's person signs in from an address no warm-up sign-in uses.
const CHECK_SOURCE: u32 = 9_000_000;

#[derive(Clone)]
struct Options {
    clients: Vec<u32>,
    sign_ins: u32,
    returning: Option<u32>,
    soak: Option<Duration>,
    rate: Option<f64>,
    server: PathBuf,
    site_root: PathBuf,
    server_env: Vec<(String, String)>,
    check: CheckOptions,
}

#[derive(Clone)]
struct CheckOptions {
    /// Run the forward-auth section (after the sign-in rows)...
    run: bool,
    /// ...and nothing else.
    only: bool,
    seconds: u32,
    rounds: u32,
    connections: u32,
    hello_world: PathBuf,
    path: String,
    status: u16,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        clients: vec![1, 8, 64, 256],
        sign_ins: 2000,
        returning: None,
        soak: None,
        rate: None,
        server: PathBuf::from("target/release/server"),
        site_root: PathBuf::from("target/site"),
        server_env: Vec::new(),
        check: CheckOptions {
            run: true,
            only: false,
            seconds: 10,
            rounds: 5,
            connections: 16,
            hello_world: PathBuf::from("target/release/hello-world"),
            path: CHECK_PATH.into(),
            status: 202,
        },
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<u32>()
                .map_err(|_| format!("{flag}: {v:?} is not a whole number"))
        };
        match flag.as_str() {
            "--clients" => {
                options.clients = value()?
                    .split(',')
                    .map(|c| {
                        c.trim()
                            .parse()
                            .map_err(|_| format!("--clients: {c:?} is not a number"))
                    })
                    .collect::<Result<_, _>>()?
            }
            "--sign-ins" => options.sign_ins = number(value()?)?,
            "--returning" => options.returning = Some(number(value()?)?),
            "--soak" => options.soak = Some(Duration::from_secs(number(value()?)?.into())),
            "--rate" => {
                let rate = value()?;
                options.rate = Some(
                    rate.parse()
                        .map_err(|_| format!("--rate: {rate:?} is not a number"))?,
                )
            }
            "--server" => options.server = value()?.into(),
            "--site-root" => options.site_root = value()?.into(),
            "--server-env" => {
                let setting = value()?;
                let (name, value) = setting
                    .split_once('=')
                    .ok_or_else(|| format!("--server-env: {setting:?} is not NAME=VALUE"))?;
                options.server_env.push((name.to_owned(), value.to_owned()));
            }
            "--check-only" => options.check.only = true,
            "--no-check" => options.check.run = false,
            "--check-seconds" => options.check.seconds = number(value()?)?.max(1),
            "--check-rounds" => options.check.rounds = number(value()?)?.max(1),
            "--check-connections" => options.check.connections = number(value()?)?.max(1),
            "--hello-world" => options.check.hello_world = value()?.into(),
            "--check-path" => options.check.path = value()?,
            "--check-status" => {
                let status = value()?;
                options.check.status = status
                    .parse()
                    .map_err(|_| format!("--check-status: {status:?} is not a status code"))?
            }
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    if options.check.only && !options.check.run {
        return Err("--check-only and --no-check leave nothing to run".into());
    }
    let checking = options.soak.is_none() && options.check.run;
    if checking && !options.check.hello_world.is_file() {
        return Err(format!(
            "no hello-world binary at {} (run `cargo build --release --locked -p bench` first, or `make bench`)",
            options.check.hello_world.display()
        ));
    }
    if !options.server.is_file() {
        return Err(format!(
            "no server binary at {} (run `cargo leptos build --release` first, or `make bench`)",
            options.server.display()
        ));
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match parse_options() {
        Ok(options) => match options.soak {
            Some(duration) => soak(&options, duration).await,
            None if options.check.only => forward_auth_check(&options).await,
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

/// A fresh server on a fresh database, its provider, and a warm-up.
struct Rig {
    _provider: FastProvider,
    server: ServerProcess,
    driver: SignInDriver,
    _data: tempfile::TempDir,
}

async fn start_rig(options: &Options) -> Result<Rig, String> {
    let provider = FastProvider::start()
        .await
        .map_err(|e| format!("cannot start the provider: {e}"))?;
    let data = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let server = ServerProcess::start(&ServerSetup {
        binary: &options.server,
        data_dir: data.path(),
        auth_config: &provider.auth_config(PROVIDER_ID),
        site_root: Some(&options.site_root),
        extra_env: &options
            .server_env
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect::<Vec<_>>(),
    })
    .await?;
    let driver = SignInDriver {
        app_origin: server.origin.clone(),
        provider_id: PROVIDER_ID.into(),
    };
    let warm_up = Arc::new(Tally::default());
    load::closed_loop(&driver, Population::new_people(0), WARM_UP_SIGN_INS, 1, &warm_up).await;
    let summary = warm_up.summary();
    if summary.failed > 0 {
        return Err(format!(
            "the warm-up failed: {:?}\nserver log:\n{}",
            summary.failures,
            server.log_tail()
        ));
    }
    Ok(Rig {
        _provider: provider,
        server,
        driver,
        _data: data,
    })
}

struct Row {
    clients: u32,
    completed: u64,
    failed: u64,
    per_second: f64,
    cpu_ms_per_sign_in: f64,
    p50: Duration,
    p99: Duration,
    idle_mib: f64,
    peak_mib: f64,
}

async fn benchmark(options: &Options) -> Result<bool, String> {
    println!(
        "{} sign-ins per row, each from its own loopback address, {} people; server {}",
        options.sign_ins,
        options
            .returning
            .map_or("all new".to_owned(), |n| format!("{n} returning")),
        options.server.display()
    );
    let mut rows = Vec::new();
    for &clients in &options.clients {
        let row = measure(options, clients).await?;
        rows.push(row);
    }
    println!();
    println!(
        "| clients | sign-ins | failed | sign-ins/s | server CPU ms/sign-in | p50 ms | p99 ms | RSS idle MiB | RSS peak MiB |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in &rows {
        println!(
            "| {} | {} | {} | {:.0} | {:.3} | {:.1} | {:.1} | {:.1} | {:.1} |",
            row.clients,
            row.completed,
            row.failed,
            row.per_second,
            row.cpu_ms_per_sign_in,
            millis(row.p50),
            millis(row.p99),
            row.idle_mib,
            row.peak_mib
        );
    }
    let calibrated = calibrate(options).await?;
    let checked = if options.check.run {
        println!();
        forward_auth_check(options).await?
    } else {
        true
    };
    Ok(calibrated && checked && rows.iter().all(|row| row.failed == 0))
}

/// What the server spends on a sign-in's HTTP and server-function handling alone: as many
/// bare visits (a new connection, two server-function calls that need neither database nor
/// provider) as a row has sign-ins, from as many clients at once as a row has at most.
async fn calibrate(options: &Options) -> Result<bool, String> {
    let rig = start_rig(options).await?;
    let pid = rig.server.pid();
    let clients = options.clients.iter().copied().max().unwrap_or(64).min(64);
    let cpu_before = proc_stats::cpu_time(pid).map_err(|e| e.to_string())?;
    let population = Population::new_people(WARM_UP_SIGN_INS);
    let (elapsed, failures) = load::bare_visits(&rig.driver, population, options.sign_ins, clients).await;
    let cpu = proc_stats::cpu_time(pid).map_err(|e| e.to_string())? - cpu_before;
    println!(
        "\ncalibration: {} bare visits at {clients} at once (new connection, two signed-out \
         `load_home` calls), {} failed in {:.1} s; server CPU {:.3} ms per visit",
        options.sign_ins,
        failures.len(),
        elapsed.as_secs_f64(),
        cpu.as_secs_f64() * 1000.0 / f64::from(options.sign_ins.max(1)),
    );
    for failure in failures.iter().take(3) {
        println!("      {failure}");
    }
    Ok(failures.is_empty())
}

async fn measure(options: &Options, clients: u32) -> Result<Row, String> {
    let rig = start_rig(options).await?;
    let pid = rig.server.pid();
    let idle = proc_stats::memory(pid).map_err(|e| e.to_string())?;
    let cpu_before = proc_stats::cpu_time(pid).map_err(|e| e.to_string())?;
    let tally = Arc::new(Tally::default());
    let population = Population {
        first: WARM_UP_SIGN_INS,
        returning: options.returning,
    };
    let elapsed = load::closed_loop(&rig.driver, population, options.sign_ins, clients, &tally).await;
    let cpu = proc_stats::cpu_time(pid).map_err(|e| e.to_string())? - cpu_before;
    let peak = proc_stats::memory(pid).map_err(|e| e.to_string())?;
    let summary = tally.summary();
    let row = Row {
        clients,
        completed: summary.completed,
        failed: summary.failed,
        per_second: summary.completed as f64 / elapsed.as_secs_f64(),
        cpu_ms_per_sign_in: cpu.as_secs_f64() * 1000.0 / summary.completed.max(1) as f64,
        p50: summary.p50,
        p99: summary.p99,
        idle_mib: mebibytes(idle.resident),
        peak_mib: mebibytes(peak.peak_resident),
    };
    println!(
        "{:>4} clients: {} completed, {} failed in {:.1} s = {:.0} sign-ins/s; server CPU {:.3} ms per sign-in \
         ({:.0} ms in all); latency p50 {:.1} ms, p99 {:.1} ms; RSS idle {:.1} MiB, peak {:.1} MiB",
        clients,
        row.completed,
        row.failed,
        elapsed.as_secs_f64(),
        row.per_second,
        row.cpu_ms_per_sign_in,
        cpu.as_secs_f64() * 1000.0,
        millis(row.p50),
        millis(row.p99),
        row.idle_mib,
        row.peak_mib
    );
    print_failures(&summary.failures);
    if summary.failed > 0 {
        println!("      server log (last lines):\n{}", rig.server.log_tail());
    }
    Ok(row)
}

fn print_failures(failures: &std::collections::BTreeMap<String, u64>) {
    for (kind, count) in failures {
        println!("      {count} x {kind}");
    }
}

/// Finds the highest rate (unless given), warms up at the highest concurrency, then holds
/// 80 % of the rate for `duration`, reporting memory along the way; passes with zero errors
/// and memory flat within 10 % of its mean once settled.
async fn soak(options: &Options, duration: Duration) -> Result<bool, String> {
    let mut options = options.clone();
    if !options
        .server_env
        .iter()
        .any(|(name, _)| name == "CLEANUP_INTERVAL_SECS")
    {
        options
            .server_env
            .push(("CLEANUP_INTERVAL_SECS".into(), SOAK_CLEANUP_INTERVAL.into()));
    }
    let options = &options;
    let clients = options.clients.iter().copied().max().unwrap_or(256);
    let rate = match options.rate {
        Some(rate) => rate,
        None => {
            let row = measure(options, clients.min(64)).await?;
            if row.failed > 0 {
                return Ok(false);
            }
            println!("highest rate measured: {:.0} sign-ins/s", row.per_second);
            row.per_second * 0.8
        }
    };
    let rig = start_rig(options).await?;
    let pid = rig.server.pid();
    let warm_up = Arc::new(Tally::default());
    let warm_up_sign_ins = SOAK_WARM_UP_ROUNDS * clients;
    load::closed_loop(
        &rig.driver,
        Population::new_people(WARM_UP_SIGN_INS),
        warm_up_sign_ins,
        clients,
        &warm_up,
    )
    .await;
    let warmed = warm_up.summary();
    println!(
        "warm-up: {} sign-ins at {clients} at once, {} failed; RSS {:.1} MiB",
        warmed.completed,
        warmed.failed,
        mebibytes(proc_stats::memory(pid).map_err(|e| e.to_string())?.resident)
    );
    print_failures(&warmed.failures);
    println!(
        "soak: {rate:.0} sign-ins/s for {} s, at most {clients} at once",
        duration.as_secs()
    );
    let tally = Arc::new(Tally::default());
    let run = {
        let (driver, tally) = (rig.driver.clone(), tally.clone());
        let population = Population::new_people(WARM_UP_SIGN_INS + warm_up_sign_ins);
        tokio::spawn(
            async move { load::open_loop(&driver, population, rate, duration, clients, &tally).await },
        )
    };
    let started = Instant::now();
    let cpu_start = proc_stats::cpu_time(pid).map_err(|e| e.to_string())?;
    let mut samples = Vec::new();
    let mut next_report = started + SOAK_REPORT_EVERY;
    loop {
        let finished = run.is_finished();
        if finished || Instant::now() >= next_report {
            next_report += SOAK_REPORT_EVERY;
            let memory = proc_stats::memory(pid).map_err(|e| e.to_string())?;
            let summary = tally.summary();
            tally.drop_sessions();
            let elapsed = started.elapsed();
            if elapsed >= SOAK_SETTLE {
                samples.push(memory.resident);
            }
            println!(
                "{:>5.0} s: {} completed, {} failed, RSS {:.1} MiB ({:.1} heap and stacks, {:.1} files and shared)",
                elapsed.as_secs_f64(),
                summary.completed,
                summary.failed,
                mebibytes(memory.resident),
                mebibytes(memory.anonymous),
                mebibytes(memory.file_and_shared)
            );
        }
        if finished {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let elapsed = run.await.map_err(|e| e.to_string())?;
    let cpu = proc_stats::cpu_time(pid).map_err(|e| e.to_string())? - cpu_start;
    let summary = tally.summary();
    println!(
        "soak done: {} completed, {} failed in {:.0} s = {:.0} sign-ins/s (target {rate:.0}); server CPU {:.3} ms \
         per sign-in; latency p50 {:.1} ms, p99 {:.1} ms",
        summary.completed,
        summary.failed,
        elapsed.as_secs_f64(),
        summary.completed as f64 / elapsed.as_secs_f64(),
        cpu.as_secs_f64() * 1000.0 / summary.completed.max(1) as f64,
        millis(summary.p50),
        millis(summary.p99),
    );
    print_failures(&summary.failures);
    let flat = match (samples.iter().min(), samples.iter().max()) {
        (Some(&low), Some(&high)) => {
            let mean = samples.iter().sum::<u64>() as f64 / samples.len() as f64;
            let spread = |v: u64| (v as f64 - mean) / mean * 100.0;
            println!(
                "RSS from {} s on: mean {:.1} MiB, lowest {:+.1} %, highest {:+.1} % of it ({} samples)",
                SOAK_SETTLE.as_secs(),
                mebibytes(mean as u64),
                spread(low),
                spread(high),
                samples.len()
            );
            spread(low) >= -10.0 && spread(high) <= 10.0
        }
        _ => {
            println!("the soak was too short to judge memory");
            false
        }
    };
    Ok(warmed.failed == 0 && summary.failed == 0 && flat)
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The forward-auth check: one person signs in, then `GET /auth/check` with their session
/// cookie is sent back to back on keep-alive connections, and the same request (path `/`) to
/// an axum hello-world, one after the other in this run. Fails on any answer from the check
/// other than 202 (a wrong cookie would otherwise measure the 401 path) and on any error.
async fn forward_auth_check(options: &Options) -> Result<bool, String> {
    let check = &options.check;
    let round_duration = Duration::from_secs(check.seconds.into()) / check.rounds;
    let shape = |round, expected_status| Shape {
        connections: check.connections,
        warm_up: if round == 0 {
            CHECK_WARM_UP
        } else {
            CHECK_ROUND_WARM_UP
        },
        duration: round_duration,
        expected_status,
    };
    println!(
        "forward-auth check: GET {} with a signed-in session cookie, and an axum hello-world's GET /, \
         {} keep-alive HTTP/1.1 connections; {} s measured each, in {} round(s) taking turns; \
         goal: the check at least {CHECK_RATE_GOAL} of hello-world's rate, p99 under {} ms",
        check.path,
        check.connections,
        check.seconds,
        check.rounds,
        CHECK_P99_GOAL.as_millis()
    );
    let rig = start_rig(options).await?;
    let signed_in = rig
        .driver
        .sign_in(loopback_source(CHECK_SOURCE), "check-person")
        .await
        .map_err(|failure| format!("the check's sign-in failed: {failure}"))?;
    let server_address = rig
        .server
        .origin
        .strip_prefix("http://")
        .and_then(|address| address.parse().ok())
        .ok_or_else(|| format!("the server's origin {} is not http://ADDRESS", rig.server.origin))?;
    // Both targets get the same request but for the path: Host, and the session cookie.
    let headers = vec![("Cookie".to_owned(), signed_in.session_cookie.clone())];
    let check_request = keep_alive::Request {
        address: server_address,
        path: check.path.clone(),
        headers: headers.clone(),
    };
    if check.path == CHECK_PATH && check.status == 202 {
        if let Err(message) = probe_check(&check_request).await {
            println!(
                "FAILED: {message}\nserver log (last lines):\n{}",
                rig.server.log_tail()
            );
            return Ok(false);
        }
    } else {
        println!(
            "(GET {} expecting {}: the check's contract is not probed)",
            check.path, check.status
        );
    }

    let hello_env: Vec<(&str, &str)> = options
        .server_env
        .iter()
        .filter(|(name, _)| name == "TOKIO_WORKER_THREADS")
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let hello = HelloWorldProcess::start(&check.hello_world, &hello_env).await?;
    let hello_request = keep_alive::Request {
        address: hello.address,
        path: "/".into(),
        headers,
    };

    let mut checked = KeepAliveRow::default();
    let mut hello_world = KeepAliveRow::default();
    for round in 0..check.rounds {
        let check_round =
            measure_keep_alive(&check_request, shape(round, check.status), rig.server.pid()).await;
        let hello_round = measure_keep_alive(&hello_request, shape(round, 200), hello.pid()).await;
        println!(
            "round {}: check {:.0}/s, p99 {:.3} ms; hello-world {:.0}/s, p99 {:.3} ms",
            round + 1,
            check_round.outcome.per_second(),
            millis(check_round.outcome.percentile(0.99)),
            hello_round.outcome.per_second(),
            millis(hello_round.outcome.percentile(0.99)),
        );
        checked.absorb(check_round);
        hello_world.absorb(hello_round);
    }

    println!();
    println!(
        "| target | requests | non-2xx | errors | requests/s | p50 ms | p99 ms | max ms | server CPU µs/request | load generator CPU µs/request |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let check_label = format!("GET {} (signed in)", check.path);
    for (label, row) in [
        (check_label.as_str(), &checked),
        ("hello-world GET /", &hello_world),
    ] {
        let outcome = &row.outcome;
        println!(
            "| {label} | {} | {} | {} | {:.0} | {:.3} | {:.3} | {:.1} | {:.1} | {:.1} |",
            outcome.answered(),
            outcome
                .statuses
                .iter()
                .filter(|(status, _)| !(200..300).contains(*status))
                .map(|(_, count)| count)
                .sum::<u64>(),
            outcome.errors(),
            outcome.per_second(),
            millis(outcome.percentile(0.50)),
            millis(outcome.percentile(0.99)),
            millis(outcome.max()),
            row.server_micros_per_request(),
            row.own_micros_per_request(),
        );
    }
    let ratio = checked.outcome.per_second() / hello_world.outcome.per_second();
    let p99 = checked.outcome.percentile(0.99);
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    println!(
        "\ncheck / hello-world: {ratio:.2} of the rate (goal at least {CHECK_RATE_GOAL}: {}); \
         check p99 {:.3} ms (goal under {} ms: {})",
        verdict(ratio >= CHECK_RATE_GOAL),
        millis(p99),
        CHECK_P99_GOAL.as_millis(),
        verdict(p99 < CHECK_P99_GOAL),
    );

    let mut passed = true;
    for (label, row, expected) in [
        (check_label.as_str(), &checked, check.status),
        ("hello-world", &hello_world, 200),
    ] {
        let outcome = &row.outcome;
        let wrong = outcome.other_than(expected);
        if wrong == 0 && outcome.errors() == 0 && outcome.first_unexpected.is_none() {
            continue;
        }
        passed = false;
        println!("FAILED: {label} answered other than {expected} or failed:");
        for (status, count) in &outcome.statuses {
            println!("      {count} x HTTP {status}");
        }
        print_failures(&outcome.errors);
        if let Some(answer) = &outcome.first_unexpected {
            println!("      first other answer: {}", answer.describe());
        }
    }
    if !passed {
        println!("      server log (last lines):\n{}", rig.server.log_tail());
    }
    Ok(passed)
}

/// The check's contract, asked once each before the load: with the cookie 202 and the
/// person's id in `X-Auth-Request-User`; without a cookie 401.
async fn probe_check(request: &keep_alive::Request) -> Result<(), String> {
    let ask = |request: keep_alive::Request| async move {
        let mut connection = keep_alive::Connection::open(&request)
            .await
            .map_err(|e| format!("cannot connect to the server: {e}"))?;
        connection
            .send()
            .await
            .map_err(|e| format!("GET {} failed: {e}", request.path))
    };
    let signed_in = ask(request.clone()).await?;
    if signed_in.status != 202 || signed_in.header("x-auth-request-user").is_none() {
        return Err(format!(
            "GET {} with the session cookie answered other than 202 with X-Auth-Request-User: {}",
            request.path,
            signed_in.describe()
        ));
    }
    let identity: Vec<&str> = signed_in
        .headers
        .iter()
        .filter(|(name, _)| name.starts_with("x-auth-request-"))
        .map(|(name, _)| name.as_str())
        .collect();
    println!(
        "probe: with the cookie HTTP 202, {}; cache-control: {}",
        identity.join(", "),
        signed_in.header("cache-control").unwrap_or("(none)")
    );
    let signed_out = ask(keep_alive::Request {
        headers: Vec::new(),
        ..request.clone()
    })
    .await?;
    if signed_out.status != 401 {
        return Err(format!(
            "GET {} without a cookie answered other than 401: {}",
            request.path,
            signed_out.describe()
        ));
    }
    println!("probe: without a cookie HTTP 401");
    Ok(())
}

#[derive(Default)]
struct KeepAliveRow {
    outcome: Outcome,
    /// CPU over the measured seconds, of the process answering and of this one.
    server_cpu: Duration,
    own_cpu: Duration,
}

impl KeepAliveRow {
    fn absorb(&mut self, other: KeepAliveRow) {
        self.outcome.absorb(other.outcome);
        self.server_cpu += other.server_cpu;
        self.own_cpu += other.own_cpu;
    }

    fn server_micros_per_request(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.outcome.answered().max(1) as f64
    }

    fn own_micros_per_request(&self) -> f64 {
        self.own_cpu.as_secs_f64() * 1e6 / self.outcome.answered().max(1) as f64
    }
}

/// A keep-alive run against `request`, with the CPU that process `pid` and this one used
/// over its measured seconds.
async fn measure_keep_alive(request: &keep_alive::Request, shape: Shape, pid: u32) -> KeepAliveRow {
    let own = std::process::id();
    let cpu = |pid| proc_stats::cpu_time(pid).unwrap_or_default();
    let cpu_window = async {
        tokio::time::sleep(shape.warm_up).await;
        let (server, this) = (cpu(pid), cpu(own));
        tokio::time::sleep(shape.duration).await;
        (cpu(pid).saturating_sub(server), cpu(own).saturating_sub(this))
    };
    let (outcome, (server_cpu, own_cpu)) = tokio::join!(keep_alive::run(request, shape), cpu_window);
    KeepAliveRow {
        outcome,
        server_cpu,
        own_cpu,
    }
}

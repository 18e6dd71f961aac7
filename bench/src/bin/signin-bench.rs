//! The sign-in load benchmark and soak run. Starts the release server and a fast local
//! OpenID provider, drives full sign-ins from distinct loopback addresses, and prints what the
//! server spent: sign-ins per second, CPU per completed sign-in, latency, errors, memory.

use std::{
    path::PathBuf,
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use bench::{
    load::{self, Population, Tally},
    proc_stats::{self, mebibytes},
    provider::FastProvider,
    server_process::{ServerProcess, ServerSetup},
    sign_in::SignInDriver,
};

const USAGE: &str = "\
usage: signin-bench [--clients 1,8,64,256] [--sign-ins 2000] [--returning N]
       signin-bench --soak SECONDS [--rate PER_SECOND] [--clients MAX_IN_FLIGHT]
  --clients      clients at once, one row each (soak: the most sign-ins in flight)
  --sign-ins     sign-ins per row
  --returning N  sign-ins come from N people who sign in again and again (default: all new)
  --soak S       hold 80 % of the highest rate (or --rate) for S seconds, reporting memory
  --server       the server binary (default target/release/server)
  --site-root    the built site (default target/site)
  --server-env NAME=VALUE  a setting for the server, repeatable (e.g. RUST_LOG=warn)
Exits 1 when any sign-in failed (or, in a soak, memory was not flat), 2 on a usage error.";

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
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
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
    Ok(calibrated && rows.iter().all(|row| row.failed == 0))
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

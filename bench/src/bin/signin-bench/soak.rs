//! The soak run: the highest sign-in rate (measured, unless given), then a warm-up at the
//! highest concurrency, then 80 % of that rate held for the given time, with memory reported
//! along the way; it passes with no failed sign-in and memory flat once settled.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use bench::{
    load::{self, Population, Tally},
    proc_stats::{self, mebibytes},
};

use crate::{
    cli::Options,
    millis, print_failures,
    rig::{self, WARM_UP_SIGN_INS},
    sign_in_rows,
};

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

/// Finds the highest rate (unless given), warms up at the highest concurrency, then holds
/// 80 % of the rate for `duration`, reporting memory along the way; passes with zero errors
/// and memory flat within 10 % of its mean once settled.
pub(crate) async fn run(options: &Options, duration: Duration) -> Result<bool, String> {
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
            let row = sign_in_rows::measure(options, clients.min(64)).await?;
            if row.failed > 0 {
                return Ok(false);
            }
            println!("highest rate measured: {:.0} sign-ins/s", row.per_second);
            row.per_second * 0.8
        }
    };
    let rig = rig::start(options).await?;
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
        summary.per_second(elapsed),
        summary.cpu_ms_each(cpu),
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

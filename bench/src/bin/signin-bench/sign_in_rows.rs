//! The sign-in rows: for each number of clients at once, a fresh rig signs in the same number
//! of people, each from its own loopback address, and a line and then a table row give what
//! the server spent (sign-ins per second, CPU per completed sign-in, latency, failures,
//! memory); after them the calibration line, what bare visits cost the server without a
//! sign-in's work.

use std::{sync::Arc, time::Duration};

use bench::{
    load::{self, Population, Tally},
    proc_stats::{self, mebibytes},
};

use crate::{
    cli::Options,
    millis, print_failures,
    rig::{self, WARM_UP_SIGN_INS},
};

/// One row of the table.
pub(crate) struct Row {
    pub(crate) clients: u32,
    completed: u64,
    pub(crate) failed: u64,
    pub(crate) per_second: f64,
    pub(crate) cpu_ms_per_sign_in: f64,
    p50: Duration,
    p99: Duration,
    idle_mib: f64,
    peak_mib: f64,
}

/// Prints the heading, a line per row as it is measured, then the table; returns the rows.
pub(crate) async fn run(options: &Options) -> Result<Vec<Row>, String> {
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
    Ok(rows)
}

/// One row: a fresh rig, `options.sign_ins` sign-ins by `clients` clients at once.
pub(crate) async fn measure(options: &Options, clients: u32) -> Result<Row, String> {
    let rig = rig::start(options).await?;
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
        per_second: summary.per_second(elapsed),
        cpu_ms_per_sign_in: summary.cpu_ms_each(cpu),
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

/// What the server spends on a sign-in's HTTP and server-function handling alone: as many
/// bare visits (a new connection, two server-function calls that need neither database nor
/// provider) as a row has sign-ins, from as many clients at once as a row has at most.
pub(crate) async fn calibrate(options: &Options) -> Result<bool, String> {
    let rig = rig::start(options).await?;
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

//! The forward-auth check section: one person signs in, two probes try the check's contract,
//! then `GET /auth/check` with their session cookie is sent back to back on keep-alive
//! connections, taking turns over rounds with the same request to an axum hello-world served
//! in the same run; a line per round, then a table of both and the ratio line against the
//! goals.

use std::time::Duration;

use bench::{
    hello_world::HelloWorldProcess,
    http1_client::{Connection, Request},
    keep_alive::{self, Outcome, Shape},
    proc_stats,
    sign_in::loopback_source,
};

use crate::{cli::Options, millis, print_failures, rig};

/// The forward-auth check's goals (issue 19): at least this share of hello-world's rate...
const CHECK_RATE_GOAL: f64 = 0.5;
/// ...and a p99 under this.
const CHECK_P99_GOAL: Duration = Duration::from_millis(2);
/// Before each target's first round; later rounds, on new connections too, warm up briefly.
const CHECK_WARM_UP: Duration = Duration::from_secs(2);
const CHECK_ROUND_WARM_UP: Duration = Duration::from_millis(250);
pub(crate) const CHECK_PATH: &str = "/auth/check";
/// The check's person signs in from an address no warm-up sign-in uses.
const CHECK_SOURCE: u32 = 9_000_000;

/// The forward-auth check: one person signs in, then `GET /auth/check` with their session
/// cookie is sent back to back on keep-alive connections, and the same request (path `/`) to
/// an axum hello-world, one after the other in this run. Fails on any answer from the check
/// other than 202 (a wrong cookie would otherwise measure the 401 path) and on any error.
pub(crate) async fn run(options: &Options) -> Result<bool, String> {
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
    let rig = rig::start(options).await?;
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
    let check_request = Request {
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
    let hello_request = Request {
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
async fn probe_check(request: &Request) -> Result<(), String> {
    let ask = |request: Request| async move {
        let mut connection = Connection::open(&request)
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
    let signed_out = ask(Request {
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
async fn measure_keep_alive(request: &Request, shape: Shape, pid: u32) -> KeepAliveRow {
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

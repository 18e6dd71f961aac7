//! Rows measured on keep-alive connections beside an axum hello-world served in the same run:
//! each target (the forward-auth check, the pages) and hello-world take turns over rounds, a
//! line per round, then one table of all of them and a line per target with its share of
//! hello-world's rate against its goal.

use std::time::Duration;

use bench::{
    hello_world::HelloWorldProcess,
    http1_client::Request,
    keep_alive::{self, Outcome, Shape},
    proc_stats,
};

use crate::{cli::KeepAliveOptions, millis, print_failures};

/// Before each target's first round; later rounds, on new connections too, warm up briefly.
const FIRST_WARM_UP: Duration = Duration::from_secs(2);
const ROUND_WARM_UP: Duration = Duration::from_millis(250);

/// What a target should reach next to hello-world.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Goal {
    /// At least this share of hello-world's rate...
    pub(crate) share: f64,
    /// ...and, where given, a p99 under this.
    pub(crate) p99: Option<Duration>,
}

/// One request measured against hello-world.
pub(crate) struct Target {
    pub(crate) label: String,
    pub(crate) request: Request,
    /// Every answer should have it; any other fails the run (a lost cookie would otherwise
    /// measure the sign-in redirect).
    pub(crate) status: u16,
    pub(crate) goal: Option<Goal>,
}

/// Measures `targets` (all answered by process `server_pid`) and hello-world, taking turns
/// over `options.rounds`; prints the rounds, the table and the ratios. False when any answer
/// had another status than expected or any request failed; goals are reported, not enforced.
pub(crate) async fn compare(
    targets: &[Target],
    server_pid: u32,
    options: &KeepAliveOptions,
    server_env: &[(String, String)],
) -> Result<bool, String> {
    // Hello-world runs its async runtime as the server was told to.
    let hello_env: Vec<(&str, &str)> = server_env
        .iter()
        .filter(|(name, _)| name == "TOKIO_WORKER_THREADS")
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let hello = HelloWorldProcess::start(&options.hello_world, &hello_env).await?;
    // The same request as the first target's, Host and cookie included, but for the path.
    let hello_target = Target {
        label: "hello-world GET /".into(),
        request: Request {
            address: hello.address,
            path: "/".into(),
            headers: targets
                .first()
                .map(|target| target.request.headers.clone())
                .unwrap_or_default(),
        },
        status: 200,
        goal: None,
    };

    let round_duration = Duration::from_secs(options.seconds.into()) / options.rounds;
    let shape = |round, expected_status| Shape {
        connections: options.connections,
        warm_up: if round == 0 { FIRST_WARM_UP } else { ROUND_WARM_UP },
        duration: round_duration,
        expected_status,
    };
    let mut rows: Vec<KeepAliveRow> = (0..=targets.len()).map(|_| KeepAliveRow::default()).collect();
    let everyone: Vec<(&Target, u32)> = targets
        .iter()
        .map(|target| (target, server_pid))
        .chain([(&hello_target, hello.pid())])
        .collect();
    for round in 0..options.rounds {
        let mut line = format!("round {}:", round + 1);
        for ((target, pid), row) in everyone.iter().zip(rows.iter_mut()) {
            let measured = measure(&target.request, shape(round, target.status), *pid).await;
            line.push_str(&format!(
                " {} {:.0}/s p99 {:.3} ms;",
                target.request.path,
                measured.outcome.per_second(),
                millis(measured.outcome.percentile(0.99))
            ));
            row.absorb(measured);
        }
        println!("{}", line.trim_end_matches(';'));
    }

    println!();
    println!(
        "| target | requests | non-2xx | errors | requests/s | p50 ms | p99 ms | max ms | server CPU µs/request | load generator CPU µs/request |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for ((target, _), row) in everyone.iter().zip(&rows) {
        let outcome = &row.outcome;
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.3} | {:.3} | {:.1} | {:.1} | {:.1} |",
            target.label,
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

    println!();
    let hello_rate = rows[targets.len()].outcome.per_second();
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    for (target, row) in targets.iter().zip(&rows) {
        let share = row.outcome.per_second() / hello_rate;
        let p99 = row.outcome.percentile(0.99);
        let mut line = format!(
            "{} / hello-world: {share:.3} of the rate, p99 {:.3} ms",
            target.label,
            millis(p99)
        );
        if let Some(goal) = target.goal {
            line.push_str(&format!(
                " (goal: at least {}: {}",
                goal.share,
                verdict(share >= goal.share)
            ));
            if let Some(most) = goal.p99 {
                line.push_str(&format!(
                    "; p99 under {} ms: {}",
                    most.as_millis(),
                    verdict(p99 < most)
                ));
            }
            line.push(')');
        }
        println!("{line}");
    }

    let mut passed = true;
    for ((target, _), row) in everyone.iter().zip(&rows) {
        let outcome = &row.outcome;
        if outcome.other_than(target.status) == 0
            && outcome.errors() == 0
            && outcome.first_unexpected.is_none()
        {
            continue;
        }
        passed = false;
        println!(
            "FAILED: {} answered other than {} or failed:",
            target.label, target.status
        );
        for (status, count) in &outcome.statuses {
            println!("      {count} x HTTP {status}");
        }
        print_failures(&outcome.errors);
        if let Some(answer) = &outcome.first_unexpected {
            println!("      first other answer: {}", answer.describe());
        }
    }
    Ok(passed)
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
async fn measure(request: &Request, shape: Shape, pid: u32) -> KeepAliveRow {
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

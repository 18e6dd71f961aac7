//! Many sign-ins at once: a closed loop (C clients, each starting its next sign-in when the
//! last one ends) for throughput, and an open loop (a fixed arrival rate) for soaking.

use std::{
    collections::BTreeMap,
    net::IpAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use crate::sign_in::{SignInDriver, SignInFailure, SignedIn, loopback_source};

/// Who signs in: sign-in `i` always comes from its own source address; its person is new, or
/// one of `returning` people who sign in again and again.
#[derive(Debug, Clone, Copy)]
pub struct Population {
    /// Offsets addresses and logins, so several runs against one app stay distinct.
    pub first: u32,
    pub returning: Option<u32>,
}

impl Population {
    pub fn new_people(first: u32) -> Self {
        Self {
            first,
            returning: None,
        }
    }

    pub fn source(&self, i: u32) -> IpAddr {
        loopback_source(self.first + i)
    }

    pub fn login(&self, i: u32) -> String {
        match self.returning {
            Some(people) => format!("person-{}", self.first + i % people.max(1)),
            None => format!("person-{}", self.first + i),
        }
    }
}

/// Outcomes as they arrive, shared by the clients of a run.
#[derive(Default)]
pub struct Tally {
    inner: Mutex<TallyInner>,
}

#[derive(Default)]
struct TallyInner {
    completed: u64,
    failures: BTreeMap<String, u64>,
    latencies_micros: Vec<u64>,
    signed_in: Vec<SignedIn>,
}

/// Counts and latency percentiles of a run so far.
#[derive(Debug, Clone)]
pub struct Summary {
    pub completed: u64,
    pub failed: u64,
    /// Each kind of failure ("step: what the server said") with how often it happened.
    pub failures: BTreeMap<String, u64>,
    pub p50: Duration,
    pub p99: Duration,
}

impl Summary {
    /// Completed sign-ins per second of a run that took `elapsed`.
    pub fn per_second(&self, elapsed: Duration) -> f64 {
        self.completed as f64 / elapsed.as_secs_f64()
    }

    /// `cpu` shared out over the completed sign-ins, in milliseconds.
    pub fn cpu_ms_each(&self, cpu: Duration) -> f64 {
        cpu.as_secs_f64() * 1000.0 / self.completed.max(1) as f64
    }
}

impl Tally {
    pub fn record(&self, result: Result<SignedIn, SignInFailure>, latency: Duration) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(signed_in) => {
                inner.completed += 1;
                inner.latencies_micros.push(latency.as_micros() as u64);
                inner.signed_in.push(signed_in);
            }
            Err(failure) => {
                let kind: String = failure.to_string().chars().take(160).collect();
                *inner.failures.entry(kind).or_default() += 1;
            }
        }
    }

    pub fn summary(&self) -> Summary {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut latencies = inner.latencies_micros.clone();
        latencies.sort_unstable();
        let percentile = |p: f64| {
            let index = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
            Duration::from_micros(latencies.get(index).copied().unwrap_or_default())
        };
        Summary {
            completed: inner.completed,
            failed: inner.failures.values().sum(),
            failures: inner.failures.clone(),
            p50: percentile(0.50),
            p99: percentile(0.99),
        }
    }

    /// Every completed sign-in, with its session cookie.
    pub fn signed_in(&self) -> Vec<SignedIn> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .signed_in
            .clone()
    }

    /// Forgets the sessions kept so far (a long run needs only the counts).
    pub fn drop_sessions(&self) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).signed_in = Vec::new();
    }
}

async fn one_sign_in(driver: &SignInDriver, population: Population, i: u32, tally: &Tally) {
    let started = Instant::now();
    let result = driver.sign_in(population.source(i), &population.login(i)).await;
    tally.record(result, started.elapsed());
}

/// `sign_ins` sign-ins by `clients` clients at once; returns the time the run took. Dropping
/// the future stops every client.
pub async fn closed_loop(
    driver: &SignInDriver,
    population: Population,
    sign_ins: u32,
    clients: u32,
    tally: &Arc<Tally>,
) -> Duration {
    let driver = driver.clone();
    let sign_in = move |source: IpAddr, login: String| {
        let driver = driver.clone();
        async move { driver.sign_in(source, &login).await }
    };
    closed_loop_with(sign_in, population, sign_ins, clients, tally).await
}

/// As [`closed_loop`], for any app: `sign_in(source, login)` signs one person in.
pub async fn closed_loop_with<S, F>(
    sign_in: S,
    population: Population,
    sign_ins: u32,
    clients: u32,
    tally: &Arc<Tally>,
) -> Duration
where
    S: Fn(IpAddr, String) -> F + Clone + Send + 'static,
    F: Future<Output = Result<SignedIn, SignInFailure>> + Send,
{
    run_clients(sign_ins, clients, {
        let tally = tally.clone();
        move |i| {
            let (sign_in, tally) = (sign_in.clone(), tally.clone());
            async move {
                let started = Instant::now();
                let result = sign_in(population.source(i), population.login(i)).await;
                tally.record(result, started.elapsed());
            }
        }
    })
    .await
}

/// `visits` bare visits (see `SignInDriver::bare_visit`) by `clients` clients at once, each
/// from its own address; returns the time the run took and what failed.
pub async fn bare_visits(
    driver: &SignInDriver,
    population: Population,
    visits: u32,
    clients: u32,
) -> (Duration, Vec<SignInFailure>) {
    let failures = Arc::new(Mutex::new(Vec::new()));
    let elapsed = run_clients(visits, clients, {
        let (driver, failures) = (driver.clone(), failures.clone());
        move |i| {
            let (driver, failures) = (driver.clone(), failures.clone());
            async move {
                if let Err(failure) = driver.bare_visit(population.source(i)).await {
                    failures.lock().unwrap_or_else(|e| e.into_inner()).push(failure);
                }
            }
        }
    })
    .await;
    let failures = std::mem::take(&mut *failures.lock().unwrap_or_else(|e| e.into_inner()));
    (elapsed, failures)
}

/// Runs `task(0)` to `task(count - 1)` on `clients` clients, each taking the next number when
/// its last task ends; returns the time the run took.
async fn run_clients<F, T>(count: u32, clients: u32, task: T) -> Duration
where
    T: Fn(u32) -> F + Clone + Send + 'static,
    F: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicU32::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..clients.max(1) {
        let (next, task) = (next.clone(), task.clone());
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                task(i).await;
            }
        });
    }
    workers.join_all().await;
    started.elapsed()
}

/// Starts sign-ins at `per_second` for `duration`, never more than `max_in_flight` at once
/// (arrivals wait for a slot, which shows as a lower achieved rate); returns when all ended.
pub async fn open_loop(
    driver: &SignInDriver,
    population: Population,
    per_second: f64,
    duration: Duration,
    max_in_flight: u32,
    tally: &Arc<Tally>,
) -> Duration {
    let slots = Arc::new(tokio::sync::Semaphore::new(max_in_flight as usize));
    let started = tokio::time::Instant::now();
    let mut i: u32 = 0;
    loop {
        let due = started + Duration::from_secs_f64(f64::from(i) / per_second);
        if due > started + duration {
            break;
        }
        tokio::time::sleep_until(due).await;
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let (driver, tally) = (driver.clone(), tally.clone());
        tokio::spawn(async move {
            one_sign_in(&driver, population, i, &tally).await;
            drop(slot);
        });
        i += 1;
    }
    let _all_done = slots.acquire_many(max_in_flight).await;
    started.elapsed()
}

//! A keep-alive HTTP/1.1 load driver: a number of connections, each sending one GET after
//! another for a fixed time, that counts the answers by status and keeps every latency, and
//! gives the rate and percentiles from them. Each connection is an `http1_client::Connection`
//! on a bare `TcpStream` (one hand-written request, a minimal response reader) so that the
//! driver costs little CPU on a machine it shares with the servers it measures, and sends
//! exactly the bytes it says.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use crate::http1_client::{Connection, Request, Response};

/// Connections still waiting for an answer this long after the end are stopped and counted
/// as errors: a hung server is a finding, not a stall.
const GRACE: Duration = Duration::from_secs(5);

/// How a run is shaped.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub connections: u32,
    /// Requests before measuring: sent, not counted.
    pub warm_up: Duration,
    pub duration: Duration,
    /// The status every answer should have; the first other answer is kept whole.
    pub expected_status: u16,
}

/// What a run measured: the requests that started after the warm-up and ended before the end.
#[derive(Debug, Default)]
pub struct Outcome {
    pub duration: Duration,
    pub statuses: BTreeMap<u16, u64>,
    /// Connection errors (reset, closed, unreadable answer, no answer) by kind, warm-up included.
    pub errors: BTreeMap<String, u64>,
    /// Every measured latency, sorted.
    latencies_nanos: Vec<u64>,
    /// The first answer whose status was not the expected one, warm-up included.
    pub first_unexpected: Option<Response>,
}

impl Outcome {
    pub fn answered(&self) -> u64 {
        self.statuses.values().sum()
    }

    pub fn per_second(&self) -> f64 {
        self.answered() as f64 / self.duration.as_secs_f64()
    }

    /// Measured answers whose status was not `status`.
    pub fn other_than(&self, status: u16) -> u64 {
        self.statuses
            .iter()
            .filter(|(s, _)| **s != status)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn errors(&self) -> u64 {
        self.errors.values().sum()
    }

    /// The latency that `p` (0 to 1) of the measured requests did not exceed.
    pub fn percentile(&self, p: f64) -> Duration {
        let index = ((self.latencies_nanos.len() as f64 * p).ceil() as usize).saturating_sub(1);
        Duration::from_nanos(self.latencies_nanos.get(index).copied().unwrap_or_default())
    }

    pub fn max(&self) -> Duration {
        Duration::from_nanos(self.latencies_nanos.last().copied().unwrap_or_default())
    }

    /// Adds another run's counts, latencies and time to this one's.
    pub fn absorb(&mut self, other: Outcome) {
        self.duration += other.duration;
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        for (kind, count) in other.errors {
            *self.errors.entry(kind).or_default() += count;
        }
        self.latencies_nanos.extend(other.latencies_nanos);
        self.latencies_nanos.sort_unstable();
        if self.first_unexpected.is_none() {
            self.first_unexpected = other.first_unexpected;
        }
    }

    fn error(&mut self, kind: String) {
        *self.errors.entry(kind).or_default() += 1;
    }
}

/// What one connection saw.
#[derive(Default)]
struct ConnectionTally {
    statuses: BTreeMap<u16, u64>,
    errors: BTreeMap<String, u64>,
    latencies_nanos: Vec<u64>,
    first_unexpected: Option<Response>,
}

/// Sends `request` on `shape.connections` keep-alive connections, each one request after the
/// other, for the warm-up and then `shape.duration`.
pub async fn run(request: &Request, shape: Shape) -> Outcome {
    let bytes: Arc<[u8]> = request.bytes().into();
    let started = Instant::now();
    let measure_from = started + shape.warm_up;
    let until = measure_from + shape.duration;
    let mut connections = tokio::task::JoinSet::new();
    for _ in 0..shape.connections.max(1) {
        let bytes = bytes.clone();
        let address = request.address;
        connections.spawn(drive(address, bytes, shape.expected_status, measure_from, until));
    }
    let mut outcome = Outcome {
        duration: shape.duration,
        ..Outcome::default()
    };
    let deadline = tokio::time::Instant::from_std(until + GRACE);
    loop {
        match tokio::time::timeout_at(deadline, connections.join_next()).await {
            Ok(Some(Ok(tally))) => {
                for (status, count) in tally.statuses {
                    *outcome.statuses.entry(status).or_default() += count;
                }
                for (kind, count) in tally.errors {
                    *outcome.errors.entry(kind).or_default() += count;
                }
                outcome.latencies_nanos.extend(tally.latencies_nanos);
                if outcome.first_unexpected.is_none() {
                    outcome.first_unexpected = tally.first_unexpected;
                }
            }
            Ok(Some(Err(join_error))) => outcome.error(format!("a connection task failed: {join_error}")),
            Ok(None) => break,
            Err(_) => {
                let stuck = connections.len();
                connections.abort_all();
                for _ in 0..stuck {
                    outcome.error(format!("no answer within {GRACE:?} after the end"));
                }
                break;
            }
        }
    }
    outcome.latencies_nanos.sort_unstable();
    outcome
}

async fn drive(
    address: SocketAddr,
    request: Arc<[u8]>,
    expected_status: u16,
    measure_from: Instant,
    until: Instant,
) -> ConnectionTally {
    let mut tally = ConnectionTally::default();
    let mut connection = None;
    loop {
        let started = Instant::now();
        if started >= until {
            break;
        }
        let open = match connection.as_mut() {
            Some(open) => open,
            None => match Connection::with_bytes(address, request.clone()).await {
                Ok(open) => connection.insert(open),
                Err(error) => {
                    *tally.errors.entry(format!("connect: {error}")).or_default() += 1;
                    // Not a busy loop against a server that is gone.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let keep_first_unexpected = tally.first_unexpected.is_none();
        match open
            .send_keeping(|status| keep_first_unexpected && status != expected_status)
            .await
        {
            Ok(response) => {
                let ended = Instant::now();
                if started >= measure_from && ended <= until {
                    *tally.statuses.entry(response.status).or_default() += 1;
                    tally.latencies_nanos.push((ended - started).as_nanos() as u64);
                }
                let close = response.close;
                if response.status != expected_status && tally.first_unexpected.is_none() {
                    tally.first_unexpected = Some(response);
                }
                if close {
                    connection = None;
                }
            }
            Err(error) => {
                *tally.errors.entry(format!("request: {error}")).or_default() += 1;
                connection = None;
            }
        }
    }
    tally
}

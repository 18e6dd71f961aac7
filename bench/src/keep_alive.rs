//! A keep-alive HTTP/1.1 load driver: a number of connections, each sending one GET after
//! another for a fixed time, that counts the answers by status and keeps every latency. It is
//! written on a bare `TcpStream` (one hand-written request, a minimal response reader) so that
//! it costs little CPU on a machine it shares with the servers it measures, and sends exactly
//! the bytes it says.

use std::{
    collections::BTreeMap,
    io,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// The longest response head the reader accepts.
const MAX_HEAD: usize = 64 * 1024;
/// Connections still waiting for an answer this long after the end are stopped and counted
/// as errors: a hung server is a finding, not a stall.
const GRACE: Duration = Duration::from_secs(5);

/// One GET, sent again and again.
#[derive(Debug, Clone)]
pub struct Request {
    pub address: SocketAddr,
    pub path: String,
    /// Sent after `Host`, in this order (for example `Cookie`).
    pub headers: Vec<(String, String)>,
}

impl Request {
    fn bytes(&self) -> Vec<u8> {
        let mut text = format!("GET {} HTTP/1.1\r\nHost: {}\r\n", self.path, self.address);
        for (name, value) in &self.headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str("\r\n");
        text.into_bytes()
    }
}

/// An answer: its status, headers (names in lower case) and body (both empty when the reader
/// was told not to keep them).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The server said it closes the connection after this answer.
    close: bool,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Status, headers and the start of the body, for a message.
    pub fn describe(&self) -> String {
        let mut text = format!("HTTP {}", self.status);
        for (name, value) in &self.headers {
            text.push_str(&format!("\n  {name}: {value}"));
        }
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(300).collect();
        if !body.is_empty() {
            text.push_str(&format!("\n  body: {body}"));
        }
        text
    }
}

/// One keep-alive connection sending `request`.
pub struct Connection {
    stream: TcpStream,
    request: Arc<[u8]>,
    /// Bytes read and not yet consumed.
    buffer: Vec<u8>,
}

impl Connection {
    pub async fn open(request: &Request) -> io::Result<Self> {
        Self::with_bytes(request.address, request.bytes().into()).await
    }

    async fn with_bytes(address: SocketAddr, request: Arc<[u8]>) -> io::Result<Self> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            request,
            buffer: Vec::with_capacity(8192),
        })
    }

    /// Sends the request once and reads the whole answer, headers and body included.
    pub async fn send(&mut self) -> io::Result<Response> {
        self.send_keeping(|_| true).await
    }

    /// Sends the request once and reads the whole answer; its headers and body are kept only
    /// when `keep(status)` (else they are read and dropped).
    async fn send_keeping(&mut self, keep: impl Fn(u16) -> bool) -> io::Result<Response> {
        self.stream.write_all(&self.request).await?;
        self.read_response(keep).await
    }

    async fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 8192];
        let read = self.stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(())
    }

    /// Takes `n` bytes off the front, read as needed.
    async fn take(&mut self, n: usize, keep: bool, into: &mut Vec<u8>) -> io::Result<()> {
        while self.buffer.len() < n {
            self.fill().await?;
        }
        if keep {
            into.extend_from_slice(&self.buffer[..n]);
        }
        self.buffer.drain(..n);
        Ok(())
    }

    /// Takes one line (without its CRLF) off the front.
    async fn line(&mut self) -> io::Result<String> {
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n") {
                let line = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
                self.buffer.drain(..end + 2);
                return Ok(line);
            }
            if self.buffer.len() > MAX_HEAD {
                return Err(invalid("a chunk-size line without an end"));
            }
            self.fill().await?;
        }
    }

    /// Reads one answer; its headers and body are kept only when `keep(status)`, so that the
    /// steady state allocates nothing per answer.
    async fn read_response(&mut self, keep: impl Fn(u16) -> bool) -> io::Result<Response> {
        let head_end = loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                break end;
            }
            if self.buffer.len() > MAX_HEAD {
                return Err(invalid("a response head longer than 64 KiB"));
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buffer[..head_end])
            .map_err(|_| invalid("a response head that is not UTF-8"))?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let mut parts = status_line.split(' ');
        let version = parts.next().unwrap_or_default();
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .filter(|_| version.starts_with("HTTP/1."))
            .ok_or_else(|| invalid(&format!("not an HTTP/1 status line: {status_line:?}")))?;
        let keep = keep(status);
        let mut headers = Vec::new();
        let (mut chunked, mut length) = (false, None);
        let mut close = version == "HTTP/1.0";
        for line in lines {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| invalid(&format!("a header line without a colon: {line:?}")))?;
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| invalid("a bad Content-Length"))?,
                );
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.to_ascii_lowercase().contains("close");
            }
            if keep {
                headers.push((name.to_ascii_lowercase(), value.to_owned()));
            }
        }
        self.buffer.drain(..head_end + 4);
        let mut body = Vec::new();
        if (100..200).contains(&status) {
            return Err(invalid("an interim (1xx) answer to a GET"));
        } else if status == 204 || status == 304 {
        } else if chunked {
            loop {
                let size_line = self.line().await?;
                let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                    .map_err(|_| invalid(&format!("a bad chunk size {size_line:?}")))?;
                if size == 0 {
                    // Trailers, up to the empty line.
                    while !self.line().await?.is_empty() {}
                    break;
                }
                self.take(size, keep, &mut body).await?;
                if !self.line().await?.is_empty() {
                    return Err(invalid("a chunk longer than its size"));
                }
            }
        } else if let Some(length) = length {
            self.take(length, keep, &mut body).await?;
        } else {
            return Err(invalid(
                "an answer with neither Content-Length nor a chunked body",
            ));
        }
        Ok(Response {
            status,
            headers,
            body,
            close,
        })
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

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

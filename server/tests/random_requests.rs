//! A seeded stream of random and mutated requests against one server process: methods, paths
//! (pages, the callback, every server function, assets, operations), query strings, bodies,
//! content types, cookies and headers, some of them with bytes of the request head flipped,
//! dropped or doubled. Whatever arrives, the server answers with less than 500, creates no
//! session, keeps its memory within a bound, and still signs a person in afterwards.
//!
//! `RANDOM_REQUESTS_SEED=<n>` replays another stream; a failure prints the seed and request.

mod support;

use std::{net::Ipv4Addr, time::Duration};

use bench::proc_stats;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpSocket,
    task::JoinSet,
};

use support::{StandInProvider, TestApp};

const DEFAULT_SEED: u64 = 0x5eed_2026;
const REQUESTS: usize = 3000;
const AT_ONCE: usize = 16;
/// How long an intact request may wait for its answer. A request whose head was mutated may
/// legitimately get none (a mutated length leaves the server waiting for a body we never send).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
/// Resident memory may not grow by more than this between the end of a warm-up (the first
/// `WARM_UP` requests, after which allocator arenas and caches have their size) and the end of
/// the stream: what stays behind per request would show here.
const WARM_UP: usize = 500;
const GROWTH_AFTER_WARM_UP: u64 = 16 * 1024 * 1024;
/// And at no moment may it exceed its size at start by more than this: every request body is
/// bounded at 64 KiB, so 16 requests at once cannot hold much; the rest is allocator slack,
/// which varies with how threads were scheduled.
const PEAK_GROWTH: u64 = 128 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_and_mutated_requests_get_4xx_at_worst_and_change_nothing() {
    let seed = std::env::var("RANDOM_REQUESTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let provider = StandInProvider::start().await;
    let (app, server, _data) = TestApp::start_process(&provider, &[]).await;
    // A real sign-in under way, so that mutated requests can reach past the lookup of its
    // transaction; its verifier is never sent, so none of them can complete it.
    let under_way = app.begin().await;
    let memory_at_start = proc_stats::memory(server.pid()).unwrap().resident;

    let mut rng = StdRng::seed_from_u64(seed);
    let target = Target {
        origin: app.origin.clone(),
        state: under_way.state.clone(),
        binding_cookie: under_way.binding_cookie.clone(),
    };
    let requests: Vec<Generated> = (0..REQUESTS).map(|_| target.generate(&mut rng)).collect();

    let address = app.origin.trim_start_matches("http://").to_owned();
    let mut unanswered_intact = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut memory_after_warm_up = None;
    for (batch_number, batch) in requests.chunks(AT_ONCE).enumerate() {
        if memory_after_warm_up.is_none() && batch_number * AT_ONCE >= WARM_UP {
            memory_after_warm_up = Some(proc_stats::memory(server.pid()).unwrap().resident);
        }
        let mut sending = JoinSet::new();
        for (offset, request) in batch.iter().enumerate() {
            let index = batch_number * AT_ONCE + offset;
            let (address, request) = (address.clone(), request.clone());
            sending.spawn(async move { (index, send(&address, &request).await, request) });
        }
        while let Some(joined) = sending.join_next().await {
            let (index, answer, request) = joined.unwrap();
            match answer {
                Some(head) => *statuses.entry(check_answer(seed, index, &request, &head)).or_default() += 1,
                None if request.mutated => {}
                None => unanswered_intact.push(index),
            }
        }
    }
    assert!(
        unanswered_intact.is_empty(),
        "seed {seed}: intact requests {unanswered_intact:?} got no answer within {ANSWER_TIMEOUT:?}"
    );

    let log = std::fs::read_to_string(&server.log_path).unwrap();
    assert!(!log.contains("panicked"), "seed {seed}: the server panicked:\n{log}");

    let memory = proc_stats::memory(server.pid()).unwrap();
    let memory_after_warm_up = memory_after_warm_up.unwrap();
    let mib = proc_stats::mebibytes;
    eprintln!(
        "seed {seed}: answers by status {statuses:?}; resident memory {:.1} MiB at start, \
         {:.1} MiB after {WARM_UP} requests, {:.1} MiB at the end ({:.1} MiB heap and stacks), \
         peak {:.1} MiB",
        mib(memory_at_start),
        mib(memory_after_warm_up),
        mib(memory.resident),
        mib(memory.anonymous),
        mib(memory.peak_resident),
    );
    assert!(
        memory.resident <= memory_after_warm_up + GROWTH_AFTER_WARM_UP,
        "seed {seed}: resident memory grew from {:.1} MiB to {:.1} MiB after the warm-up",
        mib(memory_after_warm_up),
        mib(memory.resident),
    );
    assert!(
        memory.peak_resident <= memory_at_start + PEAK_GROWTH,
        "seed {seed}: resident memory went from {:.1} MiB to a peak of {:.1} MiB",
        mib(memory_at_start),
        mib(memory.peak_resident),
    );

    let pool = app.database.pool().await;
    let sessions = support::database::count(&pool, "sessions").await;
    assert_eq!(sessions, 0, "seed {seed}: random requests created a session");

    // The app still works: the person whose sign-in was under way throughout finishes it.
    provider.answer_valid_sign_in(&under_way.nonce).await;
    let finished = app.finish(&under_way).await;
    assert_eq!(finished.status, 200, "{}", finished.body);
    assert!(finished.session().is_some());
}

/// One generated request: its bytes, the loopback address it comes from, and whether its
/// head was mutated after it was written.
#[derive(Clone)]
struct Generated {
    bytes: Vec<u8>,
    source: Ipv4Addr,
    mutated: bool,
}

/// What the generator knows about the app: its origin, and the sign-in under way.
struct Target {
    origin: String,
    state: String,
    binding_cookie: String,
}

const PATHS: &[&str] = &[
    "/",
    "/auth/callback/acme",
    "/auth/callback/nobody",
    "/auth/callback/",
    "/auth/callback/ACME",
    "/api/begin_sign_in",
    "/api/complete_sign_in",
    "/api/sign_out",
    "/api/load_home",
    "/api/unknown_function",
    "/api/",
    "/healthz",
    "/readyz",
    "/pkg/app.js",
    "/pkg/app.wasm",
    "/pkg/../../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "//evil.example/",
    "/favicon.ico",
    "/dashboard",
    "/account",
    "/auth/check",
    "/auth/start",
    "/auth/sign-out",
    "*",
];

const METHODS: &[&str] = &[
    "GET", "GET", "GET", "POST", "POST", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS",
    "PATCH", "TRACE", "PROPFIND", "get", "G\u{e9}T",
];

const CONTENT_TYPES: &[&str] = &[
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "application/json",
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=xyz",
    "application/cbor",
    "application/octet-stream",
    "",
    ";;;",
];

const FIELDS: &[&str] = &[
    "provider",
    "code_challenge",
    "return_to",
    "callback_query",
    "code_verifier",
    "code",
    "state",
    "iss",
    "error",
    "error_description",
    "rd",
    "redirect",
];

impl Target {
    fn generate(&self, rng: &mut StdRng) -> Generated {
        let method = *METHODS.choose(rng).unwrap();
        let mut target = if rng.random_bool(0.8) {
            (*PATHS.choose(rng).unwrap()).to_owned()
        } else {
            format!("/{}", random_text(rng, 1..400))
        };
        if rng.random_bool(0.5) {
            target.push('?');
            target.push_str(&self.query(rng));
        }

        let body = match rng.random_range(0..10) {
            0..=1 => Vec::new(),
            2..=5 => self.query(rng).into_bytes(),
            6 => json_body(rng).into_bytes(),
            7 => (0..rng.random_range(0..2048)).map(|_| rng.random()).collect(),
            8 => random_text(rng, 0..4096).into_bytes(),
            // Over the 64 KiB limit of server-function bodies.
            _ => vec![b'a'; rng.random_range(60_000..300_000)],
        };

        let host = self.origin.trim_start_matches("http://");
        let mut head = format!("{method} {target} HTTP/1.1\r\n");
        if rng.random_bool(0.95) {
            head.push_str(&format!("Host: {host}\r\n"));
        }
        match rng.random_range(0..6) {
            0..=2 => head.push_str(&format!("Origin: {}\r\n", self.origin)),
            3 => head.push_str("Origin: null\r\n"),
            4 => head.push_str("Origin: http://evil.example\r\n"),
            _ => {}
        }
        if rng.random_bool(0.8) {
            head.push_str(&format!("Content-Type: {}\r\n", CONTENT_TYPES.choose(rng).unwrap()));
        }
        if rng.random_bool(0.5) {
            head.push_str(&format!("Cookie: {}\r\n", self.cookies(rng)));
        }
        for _ in 0..rng.random_range(0..4) {
            let (name, value) = random_header(rng);
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let chunked = !body.is_empty() && rng.random_bool(0.2);
        if chunked {
            head.push_str("Transfer-Encoding: chunked\r\n");
        } else if !body.is_empty() || method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("Connection: close\r\n\r\n");

        let mut head = head.into_bytes();
        let mutated = rng.random_bool(0.15);
        if mutated {
            mutate(rng, &mut head);
        }
        let mut bytes = head;
        if chunked {
            for chunk in body.chunks(rng.random_range(1..=8192)) {
                bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                bytes.extend_from_slice(chunk);
                bytes.extend_from_slice(b"\r\n");
            }
            bytes.extend_from_slice(b"0\r\n\r\n");
        } else {
            bytes.extend_from_slice(&body);
        }
        Generated {
            bytes,
            source: Ipv4Addr::new(127, rng.random_range(1..=254), rng.random(), rng.random_range(2..=254)),
            mutated,
        }
    }

    /// Form fields of the server functions and the callback, with values that are sometimes
    /// right (the state of the sign-in under way) and mostly not.
    fn query(&self, rng: &mut StdRng) -> String {
        (0..rng.random_range(0..6))
            .map(|_| {
                let name = if rng.random_bool(0.85) {
                    (*FIELDS.choose(rng).unwrap()).to_owned()
                } else {
                    random_text(rng, 0..20)
                };
                let value = match rng.random_range(0..8) {
                    0 => "acme".to_owned(),
                    1 => self.state.clone(),
                    2 => format!("code%3Dc%26state%3D{}", self.state),
                    3 => "%zz%".to_owned(),
                    4 => "x".repeat(rng.random_range(1000..20_000)),
                    _ => random_text(rng, 0..80),
                };
                format!("{name}={value}")
            })
            .collect::<Vec<_>>()
            .join(if rng.random_bool(0.9) { "&" } else { ";" })
    }

    fn cookies(&self, rng: &mut StdRng) -> String {
        (0..rng.random_range(1..4))
            .map(|_| match rng.random_range(0..5) {
                0 => self.binding_cookie.clone(),
                1 => format!("__Host-session={}", random_text(rng, 0..64)),
                2 => format!("__Host-sign-in={}", random_text(rng, 0..300)),
                3 => format!("__Host-session={}", "A".repeat(43)),
                _ => random_text(rng, 0..100),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn random_header(rng: &mut StdRng) -> (String, String) {
    let name = *[
        "Accept",
        "Accept-Encoding",
        "X-Forwarded-For",
        "Forwarded",
        "X-Request-Id",
        "User-Agent",
        "Range",
        "If-None-Match",
        "Expect",
        "Upgrade",
        "X-Random",
    ]
    .choose(rng)
    .unwrap();
    let value = match rng.random_range(0..4) {
        0 => "100-continue".to_owned(),
        1 => "bytes=0-1,5-2,-".to_owned(),
        2 => "y".repeat(rng.random_range(1000..12_000)),
        _ => random_text(rng, 0..100),
    };
    (name.to_owned(), value)
}

fn json_body(rng: &mut StdRng) -> String {
    let value = |rng: &mut StdRng| match rng.random_range(0..5) {
        0 => "7".to_owned(),
        1 => "null".to_owned(),
        2 => "[\"x\",{}]".to_owned(),
        3 => format!("{:?}", random_text(rng, 0..40)),
        _ => "\"acme\"".to_owned(),
    };
    let fields: Vec<String> = (0..rng.random_range(0..4))
        .map(|_| format!("\"{}\":{}", FIELDS.choose(rng).unwrap(), value(rng)))
        .collect();
    let json = format!("{{{}}}", fields.join(","));
    if rng.random_bool(0.2) {
        json[..rng.random_range(0..=json.len())].to_owned()
    } else {
        json
    }
}

/// Printable text with the characters that matter to parsers: percent signs, separators,
/// quotes, slashes, controls and non-ASCII, percent-encoded where a raw byte would not be
/// accepted in a request line at all.
fn random_text(rng: &mut StdRng, length: std::ops::Range<usize>) -> String {
    const ALPHABET: &[u8] = b"abcxyzABC0129-._~%&=;+?/#:@!$'()*,[]\"<>\\^`{|} ";
    (0..rng.random_range(length))
        .map(|_| match rng.random_range(0..20) {
            0 => format!("%{:02X}", rng.random::<u8>()),
            1 => "%E2%9C%93".to_owned(),
            _ => {
                let byte = *ALPHABET.choose(rng).unwrap();
                if byte == b' ' { "%20".to_owned() } else { (byte as char).to_string() }
            }
        })
        .collect()
}

/// Flips, drops, doubles or inserts bytes of a request head.
fn mutate(rng: &mut StdRng, head: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..4) {
        let at = rng.random_range(0..head.len());
        match rng.random_range(0..4) {
            0 => head[at] = rng.random(),
            1 => {
                let end = (at + rng.random_range(1..16)).min(head.len());
                head.drain(at..end);
            }
            2 => {
                let end = (at + rng.random_range(1..64)).min(head.len());
                let copy = head[at..end].to_vec();
                head.splice(at..at, copy);
            }
            _ => head.insert(at, *b"\r\n\0:% ".choose(rng).unwrap()),
        }
        if head.is_empty() {
            head.push(b'\r');
        }
    }
}

/// Sends one request from its own source address and returns the head of the answer, or
/// nothing when the server does not answer in time (or closes without answering).
async fn send(address: &str, request: &Generated) -> Option<String> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind((request.source, 0).into()).unwrap();
    let stream = socket.connect(address.parse().unwrap()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // Written beside the reading: the server may answer (413, 400) and close before it has
    // taken the whole body.
    let bytes = request.bytes.clone();
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&bytes).await;
        writer
    });
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    let reading = async {
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(read) => answer.extend_from_slice(&buffer[..read]),
            }
            // An interim answer (`100 Continue` to an `Expect`) is followed by the real one.
            while let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
                if !answer.starts_with(b"HTTP/1.1 1") {
                    return;
                }
                answer.drain(..end + 4);
            }
        }
    };
    let in_time = tokio::time::timeout(ANSWER_TIMEOUT, reading).await.is_ok();
    writing.abort();
    (in_time && !answer.is_empty()).then(|| String::from_utf8_lossy(&answer).into_owned())
}

/// Checks one answer and returns its status.
fn check_answer(seed: u64, index: usize, request: &Generated, head: &str) -> u16 {
    let shown = || {
        let bytes = &request.bytes[..request.bytes.len().min(1500)];
        format!("seed {seed}, request {index} from {}:\n{}", request.source, bytes.escape_ascii())
    };
    let status: u16 = head
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| head.strip_prefix("HTTP/1.0 "))
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {head:?}\n{}", shown()));
    assert!(status < 500, "answered {status}:\n{head}\n{}", shown());
    let sets_session = head.lines().any(|line| {
        line.to_ascii_lowercase().starts_with("set-cookie: __host-session=")
            && !line.to_ascii_lowercase().starts_with("set-cookie: __host-session=;")
    });
    assert!(!sets_session, "a session cookie was set:\n{head}\n{}", shown());
    status
}

//! A minimal HTTP/1.1 client for the keep-alive driver: one GET written by hand and sent again
//! and again on one keep-alive `TcpStream`, and a response reader that takes just enough of
//! each answer (status, headers, a sized or chunked body) to find where it ends, keeping
//! headers and body only when asked, so that it costs little CPU and sends exactly the bytes it
//! says.

use std::{io, net::SocketAddr, sync::Arc};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// The longest response head the reader accepts.
const MAX_HEAD: usize = 64 * 1024;

/// One GET, sent again and again.
#[derive(Debug, Clone)]
pub struct Request {
    pub address: SocketAddr,
    pub path: String,
    /// Sent after `Host`, in this order (for example `Cookie`).
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub(crate) fn bytes(&self) -> Vec<u8> {
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
    pub(crate) close: bool,
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

    pub(crate) async fn with_bytes(address: SocketAddr, request: Arc<[u8]>) -> io::Result<Self> {
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
    pub(crate) async fn send_keeping(&mut self, keep: impl Fn(u16) -> bool) -> io::Result<Response> {
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

//! The server binary run as a child process on a free loopback port, so that a run can read
//! its CPU and memory from /proc, and a test can kill it mid-flight.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

/// How long a server may take to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct ServerProcess {
    child: Child,
    pub origin: String,
    pub log_path: PathBuf,
}

/// What the server is started with; the database and configuration live in `data_dir`.
pub struct ServerSetup<'a> {
    pub binary: &'a Path,
    pub data_dir: &'a Path,
    pub auth_config: &'a str,
    /// Built site (`target/site`), for the pages; server functions do not need it.
    pub site_root: Option<&'a Path>,
    pub extra_env: &'a [(&'a str, &'a str)],
}

impl ServerSetup<'_> {
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("app.db")
    }
}

impl ServerProcess {
    /// Starts the server on a free port and waits until it answers HTTP.
    pub async fn start(setup: &ServerSetup<'_>) -> Result<Self, String> {
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let address = format!("127.0.0.1:{port}");
        let origin = format!("http://{address}");
        let config_path = setup.data_dir.join("auth.toml");
        std::fs::write(&config_path, setup.auth_config)
            .map_err(|e| format!("cannot write auth.toml: {e}"))?;
        let log_path = setup.data_dir.join(format!("server-{port}.log"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| format!("cannot open the server log: {e}"))?;
        let mut command = Command::new(setup.binary);
        command
            .env("LEPTOS_SITE_ADDR", &address)
            .env("LEPTOS_OUTPUT_NAME", "app")
            .env("APP_URL", &origin)
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", setup.database_path().display()),
            )
            .env("AUTH_CONFIG", &config_path)
            // Provider tokens are sealed and kept, as in a deployment; the database is thrown away.
            .env("TOKEN_KEYS", "bench:KWIpRKwPGUOz3zGAtZCcIGpJQr0oYVtBMTHpEKbpb0c=")
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        if let Some(site_root) = setup.site_root {
            command.env("LEPTOS_SITE_ROOT", site_root);
        }
        for (name, value) in setup.extra_env {
            command.env(name, value);
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", setup.binary.display()))?;
        let mut server = Self {
            child,
            origin,
            log_path,
        };
        server.wait_until_ready(&address).await?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_until_ready(&mut self, address: &str) -> Result<(), String> {
        // A single probe must not outlast the start deadline.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .build()
            .map_err(|error| error.to_string())?;
        let deadline = Instant::now() + START_TIMEOUT;
        let mut pause = Duration::from_millis(5);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("the server exited with {status}: {}", self.log_tail()));
            }
            if client
                .get(format!("http://{address}/healthz"))
                .send()
                .await
                .is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the server did not answer within {START_TIMEOUT:?}: {}",
                    self.log_tail()
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }

    /// The last lines the server wrote, for error messages.
    pub fn log_tail(&self) -> String {
        last_lines(&self.log_path)
    }

    /// SIGTERM, as an orchestrator or systemd stops a server.
    pub fn terminate(&self) -> Result<(), String> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .map_err(|e| format!("cannot run kill: {e}"))?;
        status
            .success()
            .then_some(())
            .ok_or_else(|| format!("kill -TERM failed: {status}"))
    }

    /// Waits until the server has exited on its own, at most `timeout`.
    pub async fn wait_for_exit(&mut self, timeout: Duration) -> Result<ExitStatus, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the server still runs after {timeout:?}: {}",
                    self.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no chance to finish anything, as in a crash or an OOM kill.
    pub fn kill_hard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last lines of a log, for error messages.
pub(crate) fn last_lines(log_path: &Path) -> String {
    let log = std::fs::read_to_string(log_path).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// A port the kernel just gave out on 127.0.0.1, free once the probe closes.
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

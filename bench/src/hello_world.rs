//! The hello-world binary (src/bin/hello-world.rs) run as a child process on a free loopback
//! port, as the server is, so that the forward-auth check can be compared with it in the same
//! run and its CPU read from /proc.

use std::{
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::{
    http1_client::{Connection, Request},
    server_process::free_port,
};

const START_TIMEOUT: Duration = Duration::from_secs(10);

pub struct HelloWorldProcess {
    child: Child,
    pub address: SocketAddr,
}

impl HelloWorldProcess {
    /// Starts `binary` with `env` (e.g. `TOKIO_WORKER_THREADS`) and waits until `GET /`
    /// answers "Hello, World!".
    pub async fn start(binary: &Path, env: &[(&str, &str)]) -> Result<Self, String> {
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let address: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut command = Command::new(binary);
        command
            .arg(address.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut process = Self { child, address };
        process.wait_until_ready().await?;
        Ok(process)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let request = Request {
            address: self.address,
            path: "/".into(),
            headers: Vec::new(),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("hello-world exited with {status}"));
            }
            if let Ok(mut connection) = Connection::open(&request).await {
                let answer = connection.send().await.map_err(|e| e.to_string())?;
                return if answer.status == 200 && answer.body == b"Hello, World!" {
                    Ok(())
                } else {
                    Err(format!("hello-world answered {}", answer.describe()))
                };
            }
            if Instant::now() > deadline {
                return Err(format!("hello-world did not answer within {START_TIMEOUT:?}"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for HelloWorldProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Flask + Authlib, the stack people copy from tutorials (`bench/flask-authlib/app.py`, served
//! by gunicorn with two workers, as such apps are deployed), run as a child process on a free
//! loopback port against the same fast provider, so that the benchmark can set its CPU per
//! sign-in beside our server's in the same run. A sign-in there is what a browser does: open
//! `/login`, follow the provider's redirect back to `/callback` with the cookie Flask set, and
//! get a signed-in session cookie with the redirect home.

use std::{
    net::IpAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use reqwest::header::{COOKIE, LOCATION};

use crate::{
    proc_stats,
    provider::{CLIENT_ID, CLIENT_SECRET},
    server_process::{free_port, last_lines},
    sign_in::{SignInFailure, SignedIn, client_from, cookie_value, failure},
};

const START_TIMEOUT: Duration = Duration::from_secs(60);
const WORKERS: &str = "2";
const SESSION_COOKIE: &str = "session";
const APP_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/flask-authlib");

pub struct FlaskAuthlib {
    gunicorn: Child,
    pub origin: String,
    log_path: PathBuf,
}

impl FlaskAuthlib {
    /// Starts the app with the gunicorn of the virtual environment `venv`, signing in with the
    /// provider at `issuer` (asking its userinfo when `ask_userinfo`); its log goes to
    /// `data_dir`.
    pub async fn start(
        venv: &Path,
        issuer: &str,
        ask_userinfo: bool,
        data_dir: &Path,
    ) -> Result<Self, String> {
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let address = format!("127.0.0.1:{port}");
        let log_path = data_dir.join(format!("flask-authlib-{port}.log"));
        let log = std::fs::File::create(&log_path).map_err(|e| format!("cannot open the Flask log: {e}"))?;
        let gunicorn = venv.join("bin/gunicorn");
        let child = Command::new(&gunicorn)
            .args(["--workers", WORKERS, "--bind", &address, "--chdir"])
            .arg(APP_DIR)
            .arg("app:app")
            .env("ISSUER", issuer)
            .env("ASK_USERINFO", if ask_userinfo { "1" } else { "0" })
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("FLASK_SECRET_KEY", random_secret())
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", gunicorn.display()))?;
        let mut app = Self {
            gunicorn: child,
            origin: format!("http://{address}"),
            log_path,
        };
        app.wait_until_ready().await?;
        Ok(app)
    }

    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .build()
            .map_err(|error| error.to_string())?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.gunicorn.try_wait() {
                return Err(format!("gunicorn exited with {status}: {}", self.log_tail()));
            }
            let answered = client.get(format!("{}/", self.origin)).send().await;
            if answered.is_ok_and(|response| response.status().is_success()) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "Flask did not answer within {START_TIMEOUT:?}: {}",
                    self.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// CPU time of gunicorn and its workers so far, those it has replaced included.
    pub fn cpu_time(&self) -> std::io::Result<Duration> {
        let master = self.gunicorn.id();
        let children = std::fs::read_to_string(format!("/proc/{master}/task/{master}/children"))?;
        let mut total = proc_stats::cpu_time_with_ended_children(master)?;
        for worker in children.split_whitespace().filter_map(|pid| pid.parse().ok()) {
            total += proc_stats::cpu_time(worker)?;
        }
        Ok(total)
    }

    /// Signs `login` in from `source`, as a browser would; the provider takes the login as the
    /// person's subject.
    pub async fn sign_in(&self, source: IpAddr, login: &str) -> Result<SignedIn, SignInFailure> {
        let client = client_from(source).map_err(failure("client"))?;
        let login_url = format!("{}/login?login={login}", self.origin);
        let started = client.get(login_url).send().await.map_err(failure("login"))?;
        let pending = redirect_with_cookie("login", &started)?;
        let approved = client
            .get(&pending.location)
            .send()
            .await
            .map_err(failure("authorize"))?;
        let back = location("authorize", &approved)?;
        let finished = client
            .get(&back)
            .header(COOKIE, format!("{SESSION_COOKIE}={}", pending.cookie))
            .send()
            .await
            .map_err(failure("callback"))?;
        let signed_in = redirect_with_cookie("callback", &finished)?;
        if signed_in.location != "/" {
            return Err(SignInFailure {
                step: "callback",
                detail: format!("sent to {} instead of home", signed_in.location),
            });
        }
        Ok(SignedIn {
            login: login.to_owned(),
            session_cookie: format!("{SESSION_COOKIE}={}", signed_in.cookie),
        })
    }

    pub fn log_tail(&self) -> String {
        last_lines(&self.log_path)
    }
}

impl Drop for FlaskAuthlib {
    fn drop(&mut self) {
        // SIGTERM: gunicorn stops its workers before it exits.
        let _ = Command::new("kill")
            .args(["-TERM", &self.gunicorn.id().to_string()])
            .status();
        let _ = self.gunicorn.wait();
    }
}

struct Redirect {
    location: String,
    cookie: String,
}

fn redirect_with_cookie(step: &'static str, response: &reqwest::Response) -> Result<Redirect, SignInFailure> {
    let location = location(step, response)?;
    let cookie = cookie_value(response, SESSION_COOKIE).ok_or_else(|| SignInFailure {
        step,
        detail: "no session cookie".into(),
    })?;
    Ok(Redirect { location, cookie })
}

fn location(step: &'static str, response: &reqwest::Response) -> Result<String, SignInFailure> {
    let status = response.status();
    response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .filter(|_| status.is_redirection())
        .map(str::to_owned)
        .ok_or_else(|| SignInFailure {
            step,
            detail: format!("answered {status} without a redirect"),
        })
}

fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

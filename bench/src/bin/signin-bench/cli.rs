//! The signin-bench command line: its usage text, its flags with their defaults, and the
//! `Options` they are parsed into, refusing flags that leave nothing to run and a server or
//! hello-world binary that is not there.

use std::{path::PathBuf, time::Duration};

use bench::provider::ProfileShape;

/// The forward-auth check's path, the default of `--check-path`.
pub(crate) const CHECK_PATH: &str = "/auth/check";

const USAGE: &str = "\
usage: signin-bench [--clients 1,8,64,256] [--sign-ins 2000] [--returning N] [--check-only | --pages-only]
       signin-bench --soak SECONDS [--rate PER_SECOND] [--clients MAX_IN_FLIGHT]
  --clients      clients at once, one row each (soak: the most sign-ins in flight)
  --sign-ins     sign-ins per row
  --returning N  sign-ins come from N people who sign in again and again (default: all new)
  --soak S       hold 80 % of the highest rate (or --rate) for S seconds, reporting memory
  --server       the server binary (default target/release/server)
  --site-root    the built site (default target/site)
  --server-env NAME=VALUE  a setting for the server, repeatable (e.g. RUST_LOG=warn)
  --complete-id-tokens  the provider puts the whole profile in the ID token, as Google does,
                 so the server does not ask userinfo (default: the username is only there)
  --flask-authlib VENV  after the sign-in rows, the same sign-ins against Flask + Authlib
                 (bench/flask-authlib under gunicorn from the virtual environment VENV, which
                 scripts/flask-authlib-venv.sh makes), and our CPU per sign-in as a share of
                 theirs (budget: under a quarter)
After the sign-in rows, the forward-auth check and the pages (/ signed out and signed in,
/dashboard, /account) on keep-alive connections beside an axum hello-world:
  --check-only         only the check's row (with hello-world's)
  --pages-only         only the pages' rows (with hello-world's)
  --no-check, --no-pages  leave those rows out
  --check-seconds S    measured seconds per row (default 10)...
  --check-rounds N     ...in N rounds, the rows taking turns (default 5); each row warms up
                       for 2 s before its first round
  --check-connections N  keep-alive connections (default 16)
  --hello-world PATH   the hello-world binary (default target/release/hello-world)
  --check-path PATH --check-status CODE  try the driver on another endpoint (say /healthz
                       200); the probes of the check's contract are then left out
Exits 1 when any sign-in failed, any check answered other than 202, any page other than 200
(or, in a soak, memory was not flat), 2 on a usage error.";

/// What to run, against which binaries.
#[derive(Clone)]
pub(crate) struct Options {
    pub(crate) clients: Vec<u32>,
    pub(crate) sign_ins: u32,
    pub(crate) returning: Option<u32>,
    pub(crate) soak: Option<Duration>,
    pub(crate) rate: Option<f64>,
    pub(crate) server: PathBuf,
    pub(crate) site_root: PathBuf,
    pub(crate) server_env: Vec<(String, String)>,
    pub(crate) profile_shape: ProfileShape,
    /// The virtual environment Flask + Authlib runs from, when it is compared.
    pub(crate) flask_authlib: Option<PathBuf>,
    pub(crate) keep_alive: KeepAliveOptions,
}

/// The keep-alive section's flags: which rows, and how they are measured.
#[derive(Clone)]
pub(crate) struct KeepAliveOptions {
    /// The forward-auth check's row...
    pub(crate) check: bool,
    /// ...the pages' rows...
    pub(crate) pages: bool,
    /// ...and no sign-in rows.
    pub(crate) only: bool,
    pub(crate) seconds: u32,
    pub(crate) rounds: u32,
    pub(crate) connections: u32,
    pub(crate) hello_world: PathBuf,
    pub(crate) check_path: String,
    pub(crate) check_status: u16,
}

impl KeepAliveOptions {
    pub(crate) fn any_rows(&self) -> bool {
        self.check || self.pages
    }
}

/// The options from this process's arguments; `--help` prints the usage and exits.
pub(crate) fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        clients: vec![1, 8, 64, 256],
        sign_ins: 2000,
        returning: None,
        soak: None,
        rate: None,
        server: PathBuf::from("target/release/server"),
        site_root: PathBuf::from("target/site"),
        server_env: Vec::new(),
        profile_shape: ProfileShape::UserinfoNeeded,
        flask_authlib: None,
        keep_alive: KeepAliveOptions {
            check: true,
            pages: true,
            only: false,
            seconds: 10,
            rounds: 5,
            connections: 16,
            hello_world: PathBuf::from("target/release/hello-world"),
            check_path: CHECK_PATH.into(),
            check_status: 202,
        },
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<u32>()
                .map_err(|_| format!("{flag}: {v:?} is not a whole number"))
        };
        match flag.as_str() {
            "--clients" => {
                options.clients = value()?
                    .split(',')
                    .map(|c| {
                        c.trim()
                            .parse()
                            .map_err(|_| format!("--clients: {c:?} is not a number"))
                    })
                    .collect::<Result<_, _>>()?
            }
            "--sign-ins" => options.sign_ins = number(value()?)?,
            "--returning" => options.returning = Some(number(value()?)?),
            "--soak" => options.soak = Some(Duration::from_secs(number(value()?)?.into())),
            "--rate" => {
                let rate = value()?;
                options.rate = Some(
                    rate.parse()
                        .map_err(|_| format!("--rate: {rate:?} is not a number"))?,
                )
            }
            "--server" => options.server = value()?.into(),
            "--site-root" => options.site_root = value()?.into(),
            "--server-env" => {
                let setting = value()?;
                let (name, value) = setting
                    .split_once('=')
                    .ok_or_else(|| format!("--server-env: {setting:?} is not NAME=VALUE"))?;
                options.server_env.push((name.to_owned(), value.to_owned()));
            }
            "--complete-id-tokens" => options.profile_shape = ProfileShape::CompleteIdToken,
            "--flask-authlib" => options.flask_authlib = Some(value()?.into()),
            "--check-only" => {
                options.keep_alive.only = true;
                options.keep_alive.pages = false;
            }
            "--pages-only" => {
                options.keep_alive.only = true;
                options.keep_alive.check = false;
            }
            "--no-check" => options.keep_alive.check = false,
            "--no-pages" => options.keep_alive.pages = false,
            "--check-seconds" => options.keep_alive.seconds = number(value()?)?.max(1),
            "--check-rounds" => options.keep_alive.rounds = number(value()?)?.max(1),
            "--check-connections" => options.keep_alive.connections = number(value()?)?.max(1),
            "--hello-world" => options.keep_alive.hello_world = value()?.into(),
            "--check-path" => options.keep_alive.check_path = value()?,
            "--check-status" => {
                let status = value()?;
                options.keep_alive.check_status = status
                    .parse()
                    .map_err(|_| format!("--check-status: {status:?} is not a status code"))?
            }
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    if options.keep_alive.only && !options.keep_alive.any_rows() {
        return Err("those flags leave no keep-alive row to run".into());
    }
    let keep_alive = options.soak.is_none() && options.keep_alive.any_rows();
    if keep_alive && !options.keep_alive.hello_world.is_file() {
        return Err(format!(
            "no hello-world binary at {} (run `cargo build --release --locked -p bench` first, or `make bench`)",
            options.keep_alive.hello_world.display()
        ));
    }
    if let Some(venv) = &options.flask_authlib
        && !venv.join("bin/gunicorn").is_file()
    {
        return Err(format!(
            "no gunicorn in {} (run scripts/flask-authlib-venv.sh {0} first, or `make bench`)",
            venv.display()
        ));
    }
    if !options.server.is_file() {
        return Err(format!(
            "no server binary at {} (run `cargo leptos build --release` first, or `make bench`)",
            options.server.display()
        ));
    }
    Ok(options)
}

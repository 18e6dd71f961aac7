//! The forward-auth check's row: `GET /auth/check` with a signed-in person's session cookie,
//! after two probes of the check's contract (202 with the person's headers; 401 without a
//! cookie).

use std::time::Duration;

use bench::http1_client::{Connection, Request};

use crate::{
    cli::{CHECK_PATH, KeepAliveOptions},
    keep_alive_rows::{Goal, Target},
};

/// The forward-auth check's goals (issue 19): at least half of hello-world's rate, p99 under
/// 2 ms.
const CHECK_GOAL: Goal = Goal {
    share: 0.5,
    p99: Some(Duration::from_millis(2)),
};

/// The check's row for the person whose session `cookie` is, probed first (unless another
/// path was asked for, whose contract is not the check's).
pub(crate) async fn target(
    options: &KeepAliveOptions,
    request_to: impl Fn(&str, Option<&str>) -> Request,
    cookie: &str,
) -> Result<Target, String> {
    let request = request_to(&options.check_path, Some(cookie));
    if options.check_path == CHECK_PATH && options.check_status == 202 {
        probe_check(&request).await?;
    } else {
        println!(
            "(GET {} expecting {}: the check's contract is not probed)",
            options.check_path, options.check_status
        );
    }
    Ok(Target {
        label: format!("GET {} (signed in)", options.check_path),
        request,
        status: options.check_status,
        goal: (options.check_path == CHECK_PATH).then_some(CHECK_GOAL),
    })
}

/// Asks once and gives the answer, or why there was none.
pub(crate) async fn ask_once(request: &Request) -> Result<bench::http1_client::Response, String> {
    let mut connection = Connection::open(request)
        .await
        .map_err(|e| format!("cannot connect to the server: {e}"))?;
    connection
        .send()
        .await
        .map_err(|e| format!("GET {} failed: {e}", request.path))
}

/// The check's contract, asked once each before the load: with the cookie 202 and the
/// person's id in `X-Auth-Request-User`; without a cookie 401.
async fn probe_check(request: &Request) -> Result<(), String> {
    let signed_in = ask_once(request).await?;
    if signed_in.status != 202 || signed_in.header("x-auth-request-user").is_none() {
        return Err(format!(
            "GET {} with the session cookie answered other than 202 with X-Auth-Request-User: {}",
            request.path,
            signed_in.describe()
        ));
    }
    let identity: Vec<&str> = signed_in
        .headers
        .iter()
        .filter(|(name, _)| name.starts_with("x-auth-request-"))
        .map(|(name, _)| name.as_str())
        .collect();
    println!(
        "probe: with the cookie HTTP 202, {}; cache-control: {}",
        identity.join(", "),
        signed_in.header("cache-control").unwrap_or("(none)")
    );
    let signed_out = ask_once(&Request {
        headers: Vec::new(),
        ..request.clone()
    })
    .await?;
    if signed_out.status != 401 {
        return Err(format!(
            "GET {} without a cookie answered other than 401: {}",
            request.path,
            signed_out.describe()
        ));
    }
    println!("probe: without a cookie HTTP 401");
    Ok(())
}

//! The pages' rows: `/` signed out, and `/`, `/dashboard` and `/account` with a signed-in
//! person's session cookie, each server-rendered in full, as a browser's first load gets it
//! (no compression asked for). Each page is fetched once first, so a page that does not
//! render for that person (a redirect to sign in, an error) is named before any load.

use bench::http1_client::Request;

use crate::{
    forward_auth_check::ask_once,
    keep_alive_rows::{Goal, Target},
};

/// Each page: whether it is asked signed in, what its body shows only when it rendered for
/// the person (or, signed out, must not show), and issue 22's goal as a share of
/// hello-world's rate.
const PAGES: &[(&str, bool, &str, f64)] = &[
    ("/", false, "Sign out", 0.25),
    ("/", true, "Sign out", 0.2),
    ("/dashboard", true, "Connected providers", 0.15),
    ("/account", true, "Your account", 0.15),
];

/// The pages' rows; `cookie` is the signed-in person's session.
pub(crate) async fn targets(
    request_to: impl Fn(&str, Option<&str>) -> Request,
    cookie: &str,
) -> Result<Vec<Target>, String> {
    let mut targets = Vec::new();
    for &(path, signed_in, marker, share) in PAGES {
        let request = request_to(path, signed_in.then_some(cookie));
        let label = format!(
            "GET {path} ({})",
            if signed_in { "signed in" } else { "signed out" }
        );
        let answer = ask_once(&request).await?;
        if answer.status != 200 {
            return Err(format!("{label} answered other than 200: {}", answer.describe()));
        }
        let shows_marker = String::from_utf8_lossy(&answer.body).contains(marker);
        if shows_marker != signed_in {
            return Err(format!(
                "{label} {} {marker:?}: {}",
                if shows_marker { "shows" } else { "lacks" },
                answer.describe()
            ));
        }
        println!("probe: {label} HTTP 200, {} bytes", answer.body.len());
        targets.push(Target {
            label,
            request,
            status: 200,
            goal: Some(Goal { share, p99: None }),
        });
    }
    Ok(targets)
}

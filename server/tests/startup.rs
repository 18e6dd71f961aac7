//! The server binary refuses to start on invalid settings, and says where the problem is
//! without showing any secret.

use std::process::{Command, Output};

/// Runs the server binary with `config` as its provider file and `env` besides; it is expected
/// to stop at start.
fn start_refused(config: &str, env: &[(&str, &str)]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("auth.toml");
    std::fs::write(&config_path, config).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .env("AUTH_CONFIG", &config_path)
        .env("DATABASE_URL", format!("sqlite://{}/app.db", dir.path().display()))
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("LEPTOS_OUTPUT_NAME", "app")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    (output, dir)
}

#[test]
fn an_invalid_auth_config_stops_the_server_naming_file_entry_and_field() {
    let (output, dir) = start_refused(
        r#"
        [[provider]]
        id = "acme"
        name = "Acme ID"
        issuer = "ftp://id.acme.example"
        client_id = "acme-client"
        client_secret = "s3cret"
        "#,
        &[],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "{}: provider entry #1 (id \"acme\"): field `issuer`",
        dir.path().join("auth.toml").display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(!stderr.contains("s3cret"));
    assert!(!stderr.contains("panicked"));
}

#[test]
fn malformed_token_keys_stop_the_server_with_the_reason() {
    let key = "c2hvcnQta2V5LXRoYXQtaXMtbm90LTMyLWJ5dGVz";
    let (output, _dir) = start_refused("", &[("TOKEN_KEYS", &format!("2026-11:{key}"))]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TOKEN_KEYS: the key of \"2026-11\" is 30 bytes; it must be 32"),
        "{stderr}"
    );
    assert!(!stderr.contains(key), "the key is shown: {stderr}");
}

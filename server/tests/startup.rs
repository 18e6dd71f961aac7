//! The server binary refuses to start on an invalid provider file, and says where the problem is.

use std::process::Command;

#[test]
fn an_invalid_auth_config_stops_the_server_naming_file_entry_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("auth.toml");
    std::fs::write(
        &config,
        r#"
        [[provider]]
        id = "acme"
        name = "Acme ID"
        issuer = "ftp://id.acme.example"
        client_id = "acme-client"
        client_secret = "s3cret"
        "#,
    )
    .unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .env("AUTH_CONFIG", &config)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/app.db", dir.path().display()),
        )
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("LEPTOS_OUTPUT_NAME", "app")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "{}: provider entry #1 (id \"acme\"): field `issuer`",
        config.display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(!stderr.contains("s3cret"));
    assert!(!stderr.contains("panicked"));
}

//! Malformed and oversized input at the HTTP edge is the client's fault: a 4xx in the error
//! shape the app uses, never a 5xx, and an oversized body is refused before it is read.

mod support;

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use support::app_and_provider;

async fn post_raw(app: &support::TestApp, path: &str, content_type: &str, body: Vec<u8>) -> (u16, String) {
    let response = app
        .http
        .post(format!("{}{path}", app.origin))
        .header("origin", &app.origin)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_body_that_is_not_form_encoded_is_a_400_in_the_app_error_shape() {
    let (app, _provider) = app_and_provider().await;
    for function in ["begin_sign_in", "complete_sign_in", "sign_out"] {
        let (status, body) = post_raw(
            &app,
            &format!("/api/{function}"),
            "application/x-www-form-urlencoded",
            b"%%%&&&===".to_vec(),
        )
        .await;
        if function == "sign_out" {
            // It takes no arguments, so nothing in the body can be wrong.
            assert!(status < 500, "{function}: {status} {body}");
            continue;
        }
        assert_eq!(status, 400, "{function}: {body}");
        let error: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(error.get("BadRequest").is_some(), "{body}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_a_400_in_the_app_error_shape() {
    let (app, _provider) = app_and_provider().await;
    for content_type in ["application/x-www-form-urlencoded", ""] {
        let (status, body) = post_raw(&app, "/api/begin_sign_in", content_type, vec![b'p', 0xff, 0xfe, b'=']).await;
        assert_eq!(status, 400, "{content_type}: {body}");
        let error: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(error.get("BadRequest").is_some(), "{body}");
    }
}

#[tokio::test]
async fn json_with_wrong_types_is_refused_with_a_4xx() {
    let (app, _provider) = app_and_provider().await;
    let body = json!({ "provider": 7, "code_challenge": ["x"] }).to_string();
    let (status, text) = post_raw(&app, "/api/begin_sign_in", "application/json", body.into_bytes()).await;
    assert!((400..500).contains(&status), "{status} {text}");
}

/// A connection that has sent the head of a POST to `begin_sign_in` whose body is framed by
/// `framing` (a `Content-Length` or `Transfer-Encoding` line), and none of its body yet.
async fn post_head(app: &support::TestApp, framing: &str) -> tokio::net::TcpStream {
    let address = app.origin.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/begin_sign_in HTTP/1.1\r\nHost: {address}\r\nOrigin: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n",
        app.origin
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// The start of the server's answer, which must come within seconds.
async fn answer(mut stream: tokio::net::TcpStream) -> String {
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("an answer without the rest of the body")
        .unwrap();
    String::from_utf8_lossy(&answer[..read]).into_owned()
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_before_it_is_sent() {
    let (app, _provider) = app_and_provider().await;
    // Only the head: a server that waited for the 20 MB would never answer.
    let answer = answer(post_head(&app, "Content-Length: 20000000").await).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("BadRequest"), "{answer}");
}

#[tokio::test]
async fn an_oversized_body_without_a_length_is_cut_off_with_413() {
    let (app, _provider) = app_and_provider().await;
    let mut stream = post_head(&app, "Transfer-Encoding: chunked").await;
    // Exactly one byte more than the limit, and no end: the server must answer without it.
    // (Sending more than it reads would let its close reset the connection before we read.)
    let chunk = format!("2000\r\n{}\r\n", "a".repeat(8192));
    for _ in 0..server::web::api_edge::MAX_BODY_BYTES / 8192 {
        stream.write_all(chunk.as_bytes()).await.unwrap();
    }
    stream.write_all(b"1\r\na\r\n").await.unwrap();
    let answer = answer(stream).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test]
async fn a_wrong_method_is_405_and_the_app_still_signs_people_in() {
    let (app, provider) = app_and_provider().await;
    let (status, _) = app.get("/api/begin_sign_in", &[]).await;
    assert_eq!(status, 405);
    let callback = app.begin().await;
    provider.answer_valid_sign_in(&callback.nonce).await;
    assert_eq!(app.finish(&callback).await.status, 200);
}

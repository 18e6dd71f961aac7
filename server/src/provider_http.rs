//! The HTTP client used for every call to a provider: redirects are never followed, every call
//! is time-bounded, and response bodies are size-bounded, so a provider cannot make us
//! wander, wait forever, or buffer without end.

use std::{
    future::Future,
    pin::Pin,
    time::{Duration, Instant},
};

use openidconnect::{AsyncHttpClient, HttpClientError, HttpRequest, HttpResponse};

/// Discovery documents, key sets, token and userinfo responses are all far smaller.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct ProviderHttp {
    client: reqwest::Client,
}

impl ProviderHttp {
    pub fn new() -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("social-sign-in/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client })
    }

    /// One bounded request, for the OAuth 2.0 and 1.0a calls made by hand; errors come as a
    /// line for the log.
    pub async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        self.send(request).await.map_err(|e| error_chain(&e))
    }

    pub(crate) async fn send(
        &self,
        request: HttpRequest,
    ) -> Result<HttpResponse, HttpClientError<reqwest::Error>> {
        let host = request.uri().host().unwrap_or_default().to_owned();
        let started = Instant::now();
        let result = self.send_bounded(request).await;
        crate::telemetry::provider_call(&host, started.elapsed());
        result
    }

    async fn send_bounded(
        &self,
        request: HttpRequest,
    ) -> Result<HttpResponse, HttpClientError<reqwest::Error>> {
        let request = request.try_into().map_err(without_url)?;
        let mut response = self.client.execute(request).await.map_err(without_url)?;
        let too_large = || HttpClientError::Other(format!("response larger than {MAX_RESPONSE_BYTES} bytes"));
        if response
            .content_length()
            .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut builder = http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(without_url)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        builder.body(body).map_err(HttpClientError::Http)
    }
}

impl<'c> AsyncHttpClient<'c> for ProviderHttp {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

/// A request error for the log, without its URL: a query may hold a client secret, a code or
/// a token (Facebook's token endpoint, Instagram's token trade).
fn without_url(error: reqwest::Error) -> HttpClientError<reqwest::Error> {
    HttpClientError::Reqwest(Box::new(error.without_url()))
}

/// An error with its causes, on one line, for the log.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

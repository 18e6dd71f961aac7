use http::{Method, Request, header};
use openidconnect::{
    AdditionalProviderMetadata, IssuerUrl, JsonWebKeySet, ProviderMetadata,
    core::{
        CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType, CoreJsonWebKey,
        CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType,
        CoreSubjectIdentifierType,
    },
};
use serde::{Deserialize, Serialize};

use super::OidcError;
use crate::provider_http::{ProviderHttp, error_chain};

/// Discovery fields from RFC 8414 and RFC 9207 that the core metadata type does not carry.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraMetadata {
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// RP-Initiated Logout 1.0: where the browser is sent to sign out of the provider.
    pub end_session_endpoint: Option<url::Url>,
    /// RFC 7009 token revocation (RFC 8414 names it in discovery), used on disconnect.
    pub revocation_endpoint: Option<url::Url>,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

pub type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// Fetches `{issuer}/.well-known/openid-configuration` and the JWKS it names. A document whose
/// `issuer` differs from the one expected is refused (mix-up defence): the configured issuer,
/// or the template Microsoft's multi-tenant endpoints announce (`announced`), which each ID
/// token's `iss` is then checked against.
pub async fn discover(
    issuer: &IssuerUrl,
    announced: Option<&str>,
    http: &ProviderHttp,
) -> Result<Metadata, OidcError> {
    let metadata = match announced {
        None => Metadata::discover_async(issuer.clone(), http)
            .await
            .map_err(|e| OidcError::Discovery(error_chain(&e)))?,
        Some(template) => discover_announcing(issuer, template, http).await?,
    };
    let supports_s256 = metadata
        .additional_metadata()
        .code_challenge_methods_supported
        .as_ref()
        .is_none_or(|methods| methods.iter().any(|m| m == "S256"));
    if !supports_s256 {
        return Err(OidcError::Discovery(
            "the provider does not support PKCE with S256".into(),
        ));
    }
    Ok(metadata)
}

/// Discovery as the library does it, but with the announced issuer a template.
async fn discover_announcing(
    issuer: &IssuerUrl,
    template: &str,
    http: &ProviderHttp,
) -> Result<Metadata, OidcError> {
    let failed = |problem: String| OidcError::Discovery(problem);
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.as_str().trim_end_matches('/')
    );
    let request = Request::builder()
        .method(Method::GET)
        .uri(&url)
        .header(header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| failed(e.to_string()))?;
    let response = http.execute(request).await.map_err(failed)?;
    if !response.status().is_success() {
        return Err(failed(format!("{url} answered {}", response.status())));
    }
    let metadata: Metadata =
        serde_json::from_slice(response.body()).map_err(|e| failed(format!("{url}: {e}")))?;
    if metadata.issuer().as_str() != template {
        return Err(failed(format!(
            "the document names issuer {}, not {template}",
            metadata.issuer().as_str()
        )));
    }
    let keys = JsonWebKeySet::fetch_async(metadata.jwks_uri(), http)
        .await
        .map_err(|e| failed(error_chain(&e)))?;
    Ok(metadata.set_jwks(keys))
}

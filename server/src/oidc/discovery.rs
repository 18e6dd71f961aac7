use openidconnect::{
    AdditionalProviderMetadata, IssuerUrl, ProviderMetadata,
    core::{
        CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType, CoreJsonWebKey,
        CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType,
        CoreSubjectIdentifierType,
    },
};
use serde::{Deserialize, Serialize};

use super::OidcError;
use crate::provider_http::error_chain;

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

/// Fetches `{issuer}/.well-known/openid-configuration` and the JWKS it names. The library
/// refuses a document whose `issuer` differs from the configured one (mix-up defence).
pub async fn discover(
    issuer: &IssuerUrl,
    http: &crate::provider_http::ProviderHttp,
) -> Result<Metadata, OidcError> {
    let metadata = Metadata::discover_async(issuer.clone(), http)
        .await
        .map_err(|e| OidcError::Discovery(error_chain(&e)))?;
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

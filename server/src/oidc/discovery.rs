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

/// Discovery fields from RFC 8414 and RFC 9207 that the core metadata type does not carry.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraMetadata {
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    pub code_challenge_methods_supported: Option<Vec<String>>,
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
pub async fn discover(issuer: &IssuerUrl, http: &super::ProviderHttp) -> Result<Metadata, OidcError> {
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

/// An error with its causes, on one line, for the log.
pub(super) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

//! The OAuth 2.0 authorization-code flow with PKCE against a provider without OpenID Connect.

use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use url::Url;

use super::{OAuthError, get_json, grant::ProviderTokens, instagram, token_endpoint};
use crate::{
    domain::{CodeChallenge, CodeVerifier, Nonce, State},
    profile::{VerifiedIdentity, github},
    provider_http::ProviderHttp,
    providers::{Provider, protocol::OAuth2Settings},
};

/// The authorization request: code flow, state always, S256 PKCE wherever the provider takes it.
pub fn authorization_url(
    provider: &Provider,
    settings: &OAuth2Settings,
    state: &State,
    challenge: &CodeChallenge,
) -> Url {
    let challenge = settings.sends_pkce.then_some(challenge);
    authorization_request(
        &settings.authorization_url,
        provider,
        settings.scope_separator,
        state,
        None,
        challenge,
        &[],
    )
}

/// An authorization-code request to `endpoint`, for OAuth 2.0 and OpenID Connect alike: the
/// redirect URI is always the configured one, and the challenge is always S256.
pub fn authorization_request(
    endpoint: &Url,
    provider: &Provider,
    scope_separator: char,
    state: &State,
    nonce: Option<&Nonce>,
    challenge: Option<&CodeChallenge>,
    extra: &[(&str, &str)],
) -> Url {
    let mut url = endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", provider.config.client_id.as_str())
            .append_pair("redirect_uri", provider.redirect_uri.as_str());
        if !provider.config.scopes.is_empty() {
            let separator = scope_separator.to_string();
            query.append_pair("scope", &provider.config.scopes.join(&separator));
        }
        query.append_pair("state", state.expose());
        if let Some(nonce) = nonce {
            query.append_pair("nonce", nonce.expose());
        }
        if let Some(challenge) = challenge {
            query
                .append_pair("code_challenge", challenge.as_str())
                .append_pair("code_challenge_method", "S256");
        }
        query.extend_pairs(extra);
    }
    url
}

/// Exchanges the code for an access token, then reads who signed in from the profile API.
/// Returns who it is and what the provider granted.
pub async fn exchange(
    provider: &Provider,
    settings: &OAuth2Settings,
    http: &ProviderHttp,
    code: String,
    verifier: &CodeVerifier,
) -> Result<(VerifiedIdentity, ProviderTokens), OAuthError> {
    let verifier = settings.sends_pkce.then_some(verifier);
    let grant = token_endpoint::exchange_code(
        provider,
        http,
        &settings.token_url,
        settings.client_auth,
        code,
        verifier,
    )
    .await?;
    let grant = match &settings.quirks.long_lived_tokens {
        Some(long_lived) => instagram::long_lived(provider, http, &long_lived.exchange_url, grant).await,
        None => grant,
    };
    let token = grant.access_token.expose_secret();

    let profile_url = with_appsecret_proof(&settings.profile_url, provider, settings, token);
    let bearer = format!("Bearer {token}");
    let headers = &settings.quirks.profile_headers;
    let document = get_json(http, "profile", &profile_url, &bearer, headers).await?;
    let mut identity = settings.profile.read(&settings.issuer, &document)?;
    if let Some(avatar) = &settings.quirks.avatar_from_hash {
        identity.person.avatar_url = avatar.url(identity.subject.as_str(), &document);
    }

    if let Some(emails_url) = &settings.quirks.emails_url {
        match get_json(http, "emails", emails_url, &bearer, headers).await {
            Ok(list) => match serde_json::from_value::<Vec<github::EmailEntry>>(list) {
                Ok(entries) => github::apply_emails(&mut identity, &entries),
                Err(_) => {
                    tracing::warn!(provider = %provider.config.id, "email list malformed; email left unverified")
                }
            },
            // The address is optional (the `user:email` scope may not be granted); who signed
            // in is already proved by the profile.
            Err(error) => {
                tracing::warn!(provider = %provider.config.id, %error, "email list unavailable; email left unverified")
            }
        }
    }
    Ok((identity, ProviderTokens::granted(&grant)))
}

/// `url` for a call made with `token`, carrying Facebook's proof that the call comes from the app
/// that owns the token, where the provider wants it.
pub(crate) fn with_appsecret_proof(
    url: &Url,
    provider: &Provider,
    settings: &OAuth2Settings,
    token: &str,
) -> Url {
    let mut url = url.clone();
    if settings.quirks.appsecret_proof {
        let proof = appsecret_proof(provider.config.client_secret.current().secret(), token);
        url.query_pairs_mut().append_pair("appsecret_proof", &proof);
    }
    url
}

fn appsecret_proof(app_secret: &str, token: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(token.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::appsecret_proof;

    #[test]
    fn appsecret_proof_is_hex_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            appsecret_proof("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}

//! The confidential code exchange and everything checked before a sign-in is believed.

use chrono::{Duration as ChronoDuration, Utc};
use openidconnect::{
    AccessToken, ClaimsVerificationError, EndpointMaybeSet, EndpointNotSet, EndpointSet, JsonWebKeySet,
    Nonce as OidcNonce, SignatureVerificationError,
    core::{CoreClient, CoreClientAuthMethod, CoreIdToken, CoreIdTokenClaims, CoreJwsSigningAlgorithm},
};

use secrecy::ExposeSecret;

use super::{DiscoveredProvider, Metadata, OidcError, RotatingKeys, dialect, signing_key::SigningKey};
use crate::{
    domain::{CodeVerifier, Nonce, Subject},
    oauth::{grant::ProviderTokens, token_endpoint},
    profile::{Person, VerifiedIdentity, display_name, raw_claims, usable_avatar, usable_email},
    provider_http::{ProviderHttp, error_chain},
    providers::{
        Protocol, ProviderConfig,
        protocol::{ClientAuth, IdTokenDialect, OidcSettings},
    },
};

/// The client that asks the provider's userinfo endpoint.
pub type UserInfoClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;
pub type IdTokenVerifier = openidconnect::IdTokenVerifier<'static, SigningKey>;

/// An ID token older than this is refused even if it has not expired (replay defence).
const MAX_ID_TOKEN_AGE_MINUTES: i64 = 10;

/// Exchanges the code (with client secret and PKCE verifier), verifies the ID token
/// (signature, alg, iss, aud/azp, exp, iat, nonce), and checks userinfo's `sub` against it.
/// Nothing after a failed step is sent to the provider.
pub async fn exchange_code(
    provider: &impl RotatingKeys,
    settings: &OidcSettings,
    discovered: &DiscoveredProvider,
    http: &ProviderHttp,
    code: String,
    verifier: &CodeVerifier,
    nonce: &Nonce,
) -> Result<(VerifiedIdentity, ProviderTokens), OidcError> {
    let metadata = &discovered.metadata;
    let config = &provider.config;

    // The code exchange is plain OAuth 2.0's (the `oauth2` crate with the providers' quirks
    // mended): any case of `token_type`, `expires_in` as a string, errors in 200 answers
    // (SECURITY.md G3).
    let (token_url, client_auth) = token_endpoint(metadata)
        .ok_or_else(|| OidcError::TokenRequest("the provider has no token endpoint".into()))?;
    let grant = token_endpoint::exchange_code(
        provider,
        http,
        token_url,
        client_auth,
        code,
        settings.sends_pkce.then_some(verifier),
    )
    .await
    .map_err(|e| OidcError::TokenRequest(e.to_string()))?;
    let tokens = ProviderTokens::granted(&grant);
    let id_token: CoreIdToken = grant
        .id_token
        .as_ref()
        .ok_or(OidcError::MissingIdToken)?
        .expose_secret()
        .parse()
        .map_err(|e: serde_json::Error| OidcError::IdToken(format!("malformed: {e}")))?;
    let id_token = &id_token;
    let claims = match verify_id_token(&discovered.id_token_verifier, id_token, nonce) {
        Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
            // The provider may have rotated its keys since we fetched them: look once more.
            let refreshed = provider
                .refresh_keys(http)
                .await
                .ok_or_else(|| OidcError::IdToken("signed with an unknown key".into()))?;
            verify_id_token(&refreshed.id_token_verifier, id_token, nonce)
        }
        other => other,
    }
    .map_err(|e| OidcError::IdToken(e.to_string()))?;
    // The library checks `azp` only when there are several audiences; OIDC Core 3.1.3.7 says
    // any `azp` present must be us.
    if claims
        .authorized_party()
        .is_some_and(|azp| azp != &config.client_id)
    {
        return Err(OidcError::IdToken("azp names another client".into()));
    }
    let subject = Subject::parse(claims.subject().as_str()).ok_or(OidcError::BadSubject)?;
    let mut identity = identity_from_id_token(settings.issuer.as_str(), claims, subject);
    let compact = grant.id_token.as_ref().map_or("", |token| token.expose_secret());
    identity.hosted_domain = super::jwt_part::hosted_domain_of_id_token(compact);
    dialect::read(
        &settings.dialect,
        metadata.issuer().as_str(),
        compact,
        &mut identity,
    )?;

    // Microsoft's userinfo is Graph's, which adds nothing the ID token lacks and says nothing
    // of the email's verification.
    let userinfo_adds = !matches!(settings.dialect, IdTokenDialect::Microsoft(_))
        && !id_token_holds_the_profile(claims, metadata);
    if userinfo_adds && metadata.userinfo_endpoint().is_some() {
        let request = discovered
            .userinfo_client
            .user_info(
                AccessToken::new(grant.access_token.expose_secret().to_owned()),
                Some(claims.subject().clone()),
            )
            .map_err(|e| OidcError::UserInfo(e.to_string()))?;
        let userinfo: openidconnect::core::CoreUserInfoClaims =
            request.request_async(http).await.map_err(|e| match e {
                openidconnect::UserInfoError::ClaimsVerification(_) => OidcError::UserInfoSubjectMismatch,
                other => OidcError::UserInfo(error_chain(&other)),
            })?;
        merge_userinfo(&mut identity, &userinfo);
        identity.person.raw_claims = serde_json::to_value(&userinfo)
            .ok()
            .and_then(|claims| raw_claims::for_display(&claims));
    }
    Ok((identity, tokens))
}

/// The claims the normalized profile is made of.
const PROFILE_CLAIMS: [ProfileClaim; 5] = [
    ProfileClaim::Name,
    ProfileClaim::PreferredUsername,
    ProfileClaim::Email,
    ProfileClaim::EmailVerified,
    ProfileClaim::Picture,
];

#[derive(Clone, Copy)]
enum ProfileClaim {
    Name,
    PreferredUsername,
    Email,
    EmailVerified,
    Picture,
}

impl ProfileClaim {
    fn name(self) -> &'static str {
        match self {
            ProfileClaim::Name => "name",
            ProfileClaim::PreferredUsername => "preferred_username",
            ProfileClaim::Email => "email",
            ProfileClaim::EmailVerified => "email_verified",
            ProfileClaim::Picture => "picture",
        }
    }

    fn in_token(self, claims: &CoreIdTokenClaims) -> bool {
        match self {
            ProfileClaim::Name => claims.name().is_some(),
            ProfileClaim::PreferredUsername => claims.preferred_username().is_some(),
            ProfileClaim::Email => claims.email().is_some(),
            ProfileClaim::EmailVerified => claims.email_verified().is_some(),
            ProfileClaim::Picture => claims.picture().is_some(),
        }
    }
}

/// Whether the verified ID token already holds every profile claim the provider has (those its
/// discovery lists in `claims_supported`; all of them when it lists none), so userinfo would
/// add nothing: Google's ID tokens do, and it has no usernames.
fn id_token_holds_the_profile(claims: &CoreIdTokenClaims, metadata: &Metadata) -> bool {
    let supported = metadata.claims_supported();
    PROFILE_CLAIMS
        .into_iter()
        .filter(|claim| supported.is_none_or(|names| names.iter().any(|name| name.as_str() == claim.name())))
        .all(|claim| claim.in_token(claims))
}

/// Asymmetric algorithms only: an HMAC-signed ID token would be signed with our own client
/// secret, and `none` is never acceptable.
pub(super) const ALLOWED_ALGORITHMS: [CoreJwsSigningAlgorithm; 10] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EcdsaP521Sha512,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// The ID-token checks for a provider: its keys, its issuer, the algorithms it advertises
/// that we accept, and our own age limit. Built once per discovery document.
pub fn id_token_verifier(config: &ProviderConfig, metadata: &Metadata) -> IdTokenVerifier {
    let advertised = metadata.id_token_signing_alg_values_supported();
    let allowed: Vec<_> = ALLOWED_ALGORITHMS
        .into_iter()
        .filter(|alg| advertised.contains(alg))
        .collect();
    // Multi-tenant Microsoft announces a template, not an issuer: `dialect` checks each
    // token's `iss` against it, filled with the token's own directory.
    let issuer_is_template = matches!(
        &config.protocol,
        Protocol::Oidc(OidcSettings { dialect: IdTokenDialect::Microsoft(tenancy), .. })
            if tenancy.issuer_is_template()
    );
    let keys = metadata
        .jwks()
        .keys()
        .iter()
        .cloned()
        .map(SigningKey::from)
        .collect();
    IdTokenVerifier::new_confidential_client(
        config.client_id.clone(),
        config.client_secret.current(),
        metadata.issuer().clone(),
        JsonWebKeySet::new(keys),
    )
    .set_allowed_algs(allowed)
    .require_issuer_match(!issuer_is_template)
    .set_issue_time_verifier_fn(|issued_at| {
        if Utc::now() - issued_at > ChronoDuration::minutes(MAX_ID_TOKEN_AGE_MINUTES) {
            Err(format!("issued more than {MAX_ID_TOKEN_AGE_MINUTES} minutes ago"))
        } else {
            Ok(())
        }
    })
}

/// Built once per discovery document, not per sign-in.
pub fn userinfo_client(config: &ProviderConfig, metadata: &Metadata) -> UserInfoClient {
    CoreClient::from_provider_metadata(
        metadata.clone(),
        config.client_id.clone(),
        Some(config.client_secret.current()),
    )
}

fn verify_id_token<'t>(
    verifier: &IdTokenVerifier,
    id_token: &'t CoreIdToken,
    nonce: &Nonce,
) -> Result<&'t CoreIdTokenClaims, ClaimsVerificationError> {
    id_token.claims(verifier, &OidcNonce::new(nonce.expose().to_owned()))
}

/// Where tokens are requested, and how the client authenticates there.
pub fn token_endpoint(metadata: &Metadata) -> Option<(&url::Url, ClientAuth)> {
    let url = metadata.token_endpoint()?.url();
    Some((url, client_auth(metadata.token_endpoint_auth_methods_supported())))
}

/// Basic authentication unless the provider supports only credentials in the body.
fn client_auth(supported: Option<&Vec<CoreClientAuthMethod>>) -> ClientAuth {
    match supported {
        Some(methods)
            if !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
                && methods.contains(&CoreClientAuthMethod::ClientSecretPost) =>
        {
            ClientAuth::FormPost
        }
        _ => ClientAuth::Basic,
    }
}

fn identity_from_id_token(issuer: &str, claims: &CoreIdTokenClaims, subject: Subject) -> VerifiedIdentity {
    let name = claims.name().and_then(|n| n.get(None)).map(|n| n.to_string());
    let username = claims.preferred_username().map(|u| u.to_string());
    let email = claims.email().and_then(|e| usable_email(e.to_string()));
    VerifiedIdentity {
        // The configured issuer, not the token's spelling of it, keys the identity.
        issuer: issuer.to_owned(),
        person: Person {
            display_name: display_name(name.as_deref(), username.as_deref(), email.as_deref(), &subject),
            username,
            email_verified: email.as_ref().and(claims.email_verified()),
            email,
            avatar_url: claims
                .picture()
                .and_then(|p| p.get(None))
                .and_then(|p| usable_avatar(p.to_string())),
            workspace: None,
            raw_claims: serde_json::to_value(claims)
                .ok()
                .and_then(|claims| raw_claims::for_display(&claims)),
        },
        subject,
        hosted_domain: None,
        name_given: true,
    }
}

/// Userinfo is fresher than the ID token, so what it says wins.
fn merge_userinfo(identity: &mut VerifiedIdentity, userinfo: &openidconnect::core::CoreUserInfoClaims) {
    if let Some(username) = userinfo.preferred_username() {
        identity.person.username = Some(username.to_string());
    }
    if let Some(email) = userinfo.email().and_then(|e| usable_email(e.to_string())) {
        identity.person.email = Some(email);
        identity.person.email_verified = userinfo.email_verified();
    }
    if let Some(picture) = userinfo
        .picture()
        .and_then(|p| p.get(None))
        .and_then(|p| usable_avatar(p.to_string()))
    {
        identity.person.avatar_url = Some(picture);
    }
    let name = userinfo.name().and_then(|n| n.get(None)).map(|n| n.to_string());
    if name.is_some() {
        identity.person.display_name = display_name(
            name.as_deref(),
            identity.person.username.as_deref(),
            identity.person.email.as_deref(),
            &identity.subject,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_unless_only_post_is_offered() {
        let (post, basic) = (
            CoreClientAuthMethod::ClientSecretPost,
            CoreClientAuthMethod::ClientSecretBasic,
        );
        assert_eq!(client_auth(None), ClientAuth::Basic);
        assert_eq!(client_auth(Some(&vec![post.clone()])), ClientAuth::FormPost);
        assert_eq!(client_auth(Some(&vec![post, basic])), ClientAuth::Basic);
    }

    /// Whatever claims a correctly signed ID token or the userinfo endpoint carry, the
    /// identity built from them is usable; claims of the wrong type refuse the whole document.
    mod properties {
        use openidconnect::core::CoreUserInfoClaims;
        use proptest::prelude::*;
        use serde_json::{Map, Value, json};

        use super::super::*;
        use crate::profile::arbitrary::{assert_usable, json_value};

        const CLAIMS: &[&str] = &[
            "name",
            "given_name",
            "preferred_username",
            "email",
            "email_verified",
            "picture",
            "locale",
            "updated_at",
            "address",
            "sub",
        ];

        fn claims() -> impl Strategy<Value = Map<String, Value>> {
            prop::collection::btree_map(
                prop::sample::select(CLAIMS).prop_map(str::to_owned),
                json_value(CLAIMS),
                0..8,
            )
            .prop_map(|claims| claims.into_iter().collect())
        }

        fn subject() -> Subject {
            Subject::parse("248289761001").unwrap()
        }

        proptest! {
            #[test]
            fn any_id_token_claims_give_a_usable_identity_or_are_refused(extra in claims()) {
                let mut document = json!({
                    "iss": "https://id.example", "aud": "client", "sub": "248289761001",
                    "exp": 2_000_000_000, "iat": 1_700_000_000,
                });
                document.as_object_mut().unwrap().extend(extra);
                if let Ok(claims) = serde_json::from_value::<CoreIdTokenClaims>(document) {
                    assert_usable(&identity_from_id_token("https://id.example", &claims, subject()))?;
                }
            }

            #[test]
            fn any_userinfo_merges_into_a_usable_identity_or_is_refused(
                token_claims in claims(),
                userinfo in claims(),
            ) {
                let mut document = json!({
                    "iss": "https://id.example", "aud": "client", "sub": "248289761001",
                    "exp": 2_000_000_000, "iat": 1_700_000_000,
                });
                document.as_object_mut().unwrap().extend(token_claims);
                let Ok(claims) = serde_json::from_value::<CoreIdTokenClaims>(document) else {
                    return Ok(());
                };
                let mut identity = identity_from_id_token("https://id.example", &claims, subject());
                let mut userinfo_document = json!({ "sub": "248289761001" });
                userinfo_document.as_object_mut().unwrap().extend(userinfo);
                let userinfo = CoreUserInfoClaims::from_json::<std::io::Error>(
                    userinfo_document.to_string().as_bytes(),
                    Some(&openidconnect::SubjectIdentifier::new("248289761001".into())),
                );
                if let Ok(userinfo) = userinfo {
                    merge_userinfo(&mut identity, &userinfo);
                    assert_usable(&identity)?;
                }
            }

            #[test]
            fn standard_claims_read_back_as_written(
                name in "[A-Za-z][A-Za-z .'-]{0,40}[a-z]",
                username in "[a-z][a-z0-9_.]{0,20}",
                email in "[a-z0-9.]{1,20}@[a-z]{1,12}\\.[a-z]{2,6}",
                verified in any::<bool>(),
                picture in "https://[a-z]{1,12}\\.example/[a-z0-9/]{0,30}",
            ) {
                let claims: CoreIdTokenClaims = serde_json::from_value(json!({
                    "iss": "https://id.example", "aud": "client", "sub": "248289761001",
                    "exp": 2_000_000_000, "iat": 1_700_000_000,
                    "name": name, "preferred_username": username, "email": email,
                    "email_verified": verified, "picture": picture,
                })).unwrap();
                let identity = identity_from_id_token("https://id.example", &claims, subject());
                prop_assert_eq!(&identity.person.display_name, &name);
                prop_assert_eq!(identity.person.username.as_deref(), Some(username.as_str()));
                prop_assert_eq!(identity.person.email.as_deref(), Some(email.as_str()));
                prop_assert_eq!(identity.person.email_verified, Some(verified));
                prop_assert_eq!(identity.person.avatar_url.as_deref(), Some(picture.as_str()));
            }
        }
    }
}

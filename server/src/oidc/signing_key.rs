//! A provider's signing key whose RSA signatures are checked by `ring` instead of the pure-Rust
//! `rsa` crate that openidconnect uses by default: that big-number code was the largest CPU
//! cost of a sign-in. Everything else (which key is eligible, its type, use and algorithm,
//! and every other kind of key) stays openidconnect's.

use openidconnect::{
    JsonWebKey, JsonWebKeyAlgorithm, JsonWebKeyId, JsonWebKeyUse, SignatureVerificationError,
    core::{CoreJsonWebKey, CoreJsonWebKeyType, CoreJsonWebKeyUse, CoreJwsSigningAlgorithm},
};
use ring::signature::{self, RsaParameters, RsaPublicKeyComponents};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(from = "CoreJsonWebKey", into = "CoreJsonWebKey")]
pub struct SigningKey {
    core: CoreJsonWebKey,
    /// Modulus and exponent, big-endian, when this is an RSA key.
    rsa: Option<(Vec<u8>, Vec<u8>)>,
}

impl From<CoreJsonWebKey> for SigningKey {
    fn from(core: CoreJsonWebKey) -> Self {
        let rsa = (*core.key_type() == CoreJsonWebKeyType::RSA)
            .then(|| rsa_components(&core))
            .flatten();
        Self { core, rsa }
    }
}

impl From<SigningKey> for CoreJsonWebKey {
    fn from(key: SigningKey) -> Self {
        key.core
    }
}

/// The library keeps `n` and `e` to itself; its JSON form shows them.
fn rsa_components(core: &CoreJsonWebKey) -> Option<(Vec<u8>, Vec<u8>)> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let json = serde_json::to_value(core).ok()?;
    let field = |name: &str| URL_SAFE_NO_PAD.decode(json.get(name)?.as_str()?).ok();
    Some((field("n")?, field("e")?))
}

/// `ring`'s parameters for the RSA algorithms of JWS; keys under 2048 bits are refused.
fn rsa_parameters(alg: &CoreJwsSigningAlgorithm) -> Option<&'static RsaParameters> {
    Some(match alg {
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        CoreJwsSigningAlgorithm::RsaSsaPssSha256 => &signature::RSA_PSS_2048_8192_SHA256,
        CoreJwsSigningAlgorithm::RsaSsaPssSha384 => &signature::RSA_PSS_2048_8192_SHA384,
        CoreJwsSigningAlgorithm::RsaSsaPssSha512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

impl JsonWebKey for SigningKey {
    type KeyUse = CoreJsonWebKeyUse;
    type SigningAlgorithm = CoreJwsSigningAlgorithm;

    fn key_id(&self) -> Option<&JsonWebKeyId> {
        self.core.key_id()
    }

    fn key_type(&self) -> &CoreJsonWebKeyType {
        self.core.key_type()
    }

    fn key_use(&self) -> Option<&CoreJsonWebKeyUse> {
        self.core.key_use()
    }

    fn signing_alg(&self) -> JsonWebKeyAlgorithm<&CoreJwsSigningAlgorithm> {
        self.core.signing_alg()
    }

    fn new_symmetric(key: Vec<u8>) -> Self {
        CoreJsonWebKey::new_symmetric(key).into()
    }

    fn verify_signature(
        &self,
        alg: &CoreJwsSigningAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureVerificationError> {
        let (Some(parameters), Some((n, e))) = (rsa_parameters(alg), &self.rsa) else {
            return self.core.verify_signature(alg, message, signature);
        };
        // The same compatibility rules the library applies before it verifies.
        if self.key_use().is_some_and(|key_use| !key_use.allows_signature()) {
            return Err(SignatureVerificationError::InvalidKey(
                "key is not for signing".into(),
            ));
        }
        if matches!(self.signing_alg(), JsonWebKeyAlgorithm::Algorithm(own) if own != alg)
            || matches!(self.signing_alg(), JsonWebKeyAlgorithm::Unsupported)
        {
            return Err(SignatureVerificationError::InvalidKey(
                "key does not fit the token's algorithm".into(),
            ));
        }
        RsaPublicKeyComponents { n, e }
            .verify(parameters, message, signature)
            .map_err(|_| SignatureVerificationError::CryptoError("bad signature".into()))
    }

    fn hash_bytes(&self, bytes: &[u8], alg: &CoreJwsSigningAlgorithm) -> Result<Vec<u8>, String> {
        self.core.hash_bytes(bytes, alg)
    }
}

#[cfg(test)]
mod tests {
    use openidconnect::{PrivateSigningKey, core::CoreRsaPrivateSigningKey};

    use super::*;

    fn fixture_key() -> CoreRsaPrivateSigningKey {
        CoreRsaPrivateSigningKey::from_pem(
            include_str!("../../tests/fixtures/test-signing-key.pem"),
            Some(JsonWebKeyId::new("k1".into())),
        )
        .unwrap()
    }

    #[test]
    fn accepts_what_the_library_accepts_and_refuses_what_it_refuses() {
        let private = fixture_key();
        let core = private.as_verification_key();
        let fast = SigningKey::from(core.clone());
        let message = b"header.payload";
        for alg in [
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
            CoreJwsSigningAlgorithm::RsaSsaPssSha256,
        ] {
            let mut signature = private.sign(&alg, message).unwrap();
            assert!(core.verify_signature(&alg, message, &signature).is_ok());
            assert!(
                fast.verify_signature(&alg, message, &signature).is_ok(),
                "{alg:?}"
            );
            assert!(fast.verify_signature(&alg, b"header.other", &signature).is_err());
            signature[10] ^= 1;
            assert!(fast.verify_signature(&alg, message, &signature).is_err());
        }
        // An RSA key never verifies an ECDSA or HMAC algorithm.
        let signature = private
            .sign(&CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, message)
            .unwrap();
        for alg in [
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            CoreJwsSigningAlgorithm::HmacSha256,
        ] {
            assert!(fast.verify_signature(&alg, message, &signature).is_err());
        }
    }

    #[test]
    fn keeps_the_json_form_of_the_key() {
        let core = fixture_key().as_verification_key();
        let fast: SigningKey = serde_json::from_value(serde_json::to_value(&core).unwrap()).unwrap();
        assert_eq!(
            serde_json::to_value(&fast).unwrap(),
            serde_json::to_value(&core).unwrap()
        );
        assert!(fast.rsa.is_some());
    }
}

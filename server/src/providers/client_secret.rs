//! What a provider's token endpoint takes as our client secret: the string it issued, or, for
//! Apple, a short-lived ES256 JWT signed with the developer's `.p8` key, made again well before
//! it expires. Neither can be printed: `Debug` shows only which kind it is.

use std::{
    fmt,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use openidconnect::ClientSecret;
use ring::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair},
};

/// How long a signed secret is valid. Apple accepts up to six months; a day keeps a leaked one
/// short-lived at no cost (signing takes microseconds).
const SIGNED_SECRET_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// A signed secret is made again once less than this is left, so none expires in flight.
const RENEW_WHEN_LEFT: Duration = Duration::from_secs(60 * 60);

#[derive(Clone)]
pub enum ClientCredential {
    /// The secret the provider issued.
    Shared(ClientSecret),
    /// Apple's: a JWT signed with the developer's key.
    SignedByKey(Arc<KeySignedSecret>),
}

impl ClientCredential {
    /// The secret to send now.
    pub fn current(&self) -> ClientSecret {
        match self {
            ClientCredential::Shared(secret) => secret.clone(),
            ClientCredential::SignedByKey(signer) => signer.current(),
        }
    }

    /// The issued secret, borrowed; `None` for a signed one, which only Apple's preset uses.
    pub fn issued(&self) -> Option<&ClientSecret> {
        match self {
            ClientCredential::Shared(secret) => Some(secret),
            ClientCredential::SignedByKey(_) => None,
        }
    }
}

impl fmt::Debug for ClientCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientCredential::Shared(_) => f.write_str("Shared([redacted])"),
            ClientCredential::SignedByKey(signer) => write!(f, "SignedByKey(key id {})", signer.key_id),
        }
    }
}

/// Apple's client secret: `{"alg":"ES256","kid":key_id}` over `iss` = team id, `sub` = the
/// Services ID (our client id), `aud` = Apple's issuer, `iat` and `exp`.
pub struct KeySignedSecret {
    key: EcdsaKeyPair,
    team_id: String,
    key_id: String,
    client_id: String,
    audience: String,
    made: Mutex<Option<(ClientSecret, SystemTime)>>,
}

impl KeySignedSecret {
    /// `pem` is the `.p8` file as Apple gives it (a PKCS#8 P-256 key). The error says what is
    /// wrong without showing any of the key.
    pub fn new(
        pem: &str,
        team_id: &str,
        key_id: &str,
        client_id: &str,
        audience: &str,
    ) -> Result<Self, &'static str> {
        let body: String = pem
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("-----"))
            .collect();
        let der = STANDARD
            .decode(body)
            .map_err(|_| "is not a PEM private key (the .p8 file Apple gives)")?;
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &SystemRandom::new())
            .map_err(|_| "is not a P-256 private key in PKCS#8 (the .p8 file Apple gives)")?;
        Ok(Self {
            key,
            team_id: team_id.to_owned(),
            key_id: key_id.to_owned(),
            client_id: client_id.to_owned(),
            audience: audience.to_owned(),
            made: Mutex::new(None),
        })
    }

    fn current(&self) -> ClientSecret {
        let now = SystemTime::now();
        let mut made = self.made.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((secret, expires)) = made.as_ref()
            && expires.duration_since(now).unwrap_or_default() > RENEW_WHEN_LEFT
        {
            return secret.clone();
        }
        let (secret, expires) = self.sign(now);
        *made = Some((secret.clone(), expires));
        secret
    }

    fn sign(&self, now: SystemTime) -> (ClientSecret, SystemTime) {
        let issued = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let expires = now + SIGNED_SECRET_LIFETIME;
        let header = serde_json::json!({ "alg": "ES256", "kid": self.key_id });
        let claims = serde_json::json!({
            "iss": self.team_id,
            "sub": self.client_id,
            "aud": self.audience,
            "iat": issued,
            "exp": issued + SIGNED_SECRET_LIFETIME.as_secs(),
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self
            .key
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .expect("ECDSA signing fails only when the system has no randomness");
        let jwt = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()));
        (ClientSecret::new(jwt), expires)
    }
}

#[cfg(test)]
mod tests {
    use ring::signature::{ECDSA_P256_SHA256_FIXED, KeyPair, UnparsedPublicKey};

    use super::*;

    fn pem(der: &[u8]) -> String {
        let body = STANDARD.encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        )
    }

    fn new_key() -> String {
        let document =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
        pem(document.as_ref())
    }

    fn part(jwt: &str, index: usize) -> serde_json::Value {
        let part = jwt.split('.').nth(index).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn the_secret_is_an_es256_jwt_apple_can_verify() {
        let key = new_key();
        let signer = KeySignedSecret::new(
            &key,
            "TEAM123456",
            "KEY1234567",
            "com.example.web",
            "https://appleid.apple.com",
        )
        .unwrap();
        let secret = signer.current();
        let jwt = secret.secret();
        assert_eq!(
            part(jwt, 0),
            serde_json::json!({ "alg": "ES256", "kid": "KEY1234567" })
        );
        let claims = part(jwt, 1);
        assert_eq!(claims["iss"], "TEAM123456");
        assert_eq!(claims["sub"], "com.example.web");
        assert_eq!(claims["aud"], "https://appleid.apple.com");
        let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
        assert!(
            lifetime <= 15_777_000,
            "Apple refuses secrets valid for over six months"
        );

        let (signing_input, signature) = jwt.rsplit_once('.').unwrap();
        let public = UnparsedPublicKey::new(
            &ECDSA_P256_SHA256_FIXED,
            signer.key.public_key().as_ref().to_vec(),
        );
        public
            .verify(
                signing_input.as_bytes(),
                &URL_SAFE_NO_PAD.decode(signature).unwrap(),
            )
            .unwrap();
    }

    #[test]
    fn a_secret_is_reused_until_an_hour_before_it_expires() {
        let signer = KeySignedSecret::new(&new_key(), "T", "K", "c", "https://appleid.apple.com").unwrap();
        let first = signer.current();
        assert_eq!(signer.current().secret(), first.secret());
        // As if it had been made 23 hours and a minute ago.
        let old = SystemTime::now() - SIGNED_SECRET_LIFETIME + RENEW_WHEN_LEFT - Duration::from_secs(60);
        *signer.made.lock().unwrap() = Some((first.clone(), old + SIGNED_SECRET_LIFETIME));
        assert_ne!(signer.current().secret(), first.secret());
    }

    #[test]
    fn a_key_that_is_not_p256_pkcs8_is_refused_without_showing_it() {
        for bad in [
            "",
            "not a key",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        ] {
            let err = KeySignedSecret::new(bad, "T", "K", "c", "a").err().unwrap();
            assert!(err.contains(".p8"), "{err}");
        }
        let signer = KeySignedSecret::new(&new_key(), "T", "KEY1", "c", "a").unwrap();
        let shown = format!("{:?}", ClientCredential::SignedByKey(Arc::new(signer)));
        assert_eq!(shown, "SignedByKey(key id KEY1)");
    }
}

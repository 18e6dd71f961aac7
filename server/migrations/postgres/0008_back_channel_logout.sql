-- OpenID Connect Back-Channel Logout: the provider's session (the ID token's `sid`) each
-- session was signed in under, so that a logout token naming it ends exactly that session.
-- NULL when the provider sent none.
ALTER TABLE sessions ADD COLUMN provider_sid TEXT;
CREATE INDEX sessions_by_provider_sid ON sessions(provider_sid);

-- The logout tokens already acted on (issuer and `jti`), kept until they expire, so that a
-- replayed token is refused.
CREATE TABLE logout_tokens_seen (
    issuer     TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, jti)
);

-- What the provider granted with the identity's latest sign-in (access and refresh token,
-- expiry, scopes, ID token), sealed with TOKEN_KEYS and bound to this identity: see
-- server/src/tokens/keys.rs. NULL when no keys are set. The expiry is kept in clear as well,
-- so that tokens due for a refresh can be found without opening them.
ALTER TABLE identities ADD COLUMN tokens TEXT;
ALTER TABLE identities ADD COLUMN tokens_expire_at BIGINT;

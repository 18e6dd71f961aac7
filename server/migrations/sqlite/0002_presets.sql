-- What the provider said at the last sign-in, tokens removed, for the profile page.
ALTER TABLE identities ADD COLUMN raw_claims TEXT;

-- Sign-ins under way now bind either a state (OAuth 2.0, OIDC) or an OAuth 1.0a request
-- token, and only OIDC has a nonce. Rows live ten minutes, so the table is rebuilt empty.
DROP TABLE sign_in_transactions;
CREATE TABLE sign_in_transactions (
    id_digest            TEXT PRIMARY KEY,
    provider_id          TEXT NOT NULL,
    issuer               TEXT NOT NULL,
    state                TEXT,
    request_token        TEXT,
    request_token_secret TEXT,
    nonce                TEXT,
    code_challenge       TEXT NOT NULL,
    return_to            TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    CHECK ((state IS NULL) <> (request_token IS NULL))
);

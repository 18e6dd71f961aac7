-- A sign-in begun by a plain form (before the wasm has loaded, or with JavaScript off) has
-- no browser to keep its PKCE verifier: the server keeps it with the transaction, for its
-- ten minutes, and the callback page completes such a sign-in on the server. NULL when the
-- browser keeps the verifier.
ALTER TABLE sign_in_transactions ADD COLUMN code_verifier TEXT;

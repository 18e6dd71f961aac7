-- The team or organisation an identity's account belongs to, as its provider names it (a
-- Slack workspace), shown with the profile.
ALTER TABLE identities ADD COLUMN workspace TEXT;

-- Apple posts the person's name once, with the callback of their first authorization, before
-- the browser returns with its binding cookie: it waits here, with its sign-in, until then.
ALTER TABLE sign_in_transactions ADD COLUMN posted_name TEXT;
CREATE INDEX sign_in_transactions_state ON sign_in_transactions (state);

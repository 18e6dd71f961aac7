-- Accounts with several providers, and sessions a person can see. Only columns are added, so
-- every user, identity and session stays as it was.

-- The browser family a session was started from ("Firefox on Linux"), for the sessions list;
-- never the full User-Agent. Sessions from before this change have none.
ALTER TABLE sessions ADD COLUMN browser TEXT;

-- A sign-in begun from the account page to connect another provider records the digest of
-- the session that asked: the result is attached to that session's user, and only while that
-- session lives. NULL for an ordinary sign-in.
ALTER TABLE sign_in_transactions ADD COLUMN link_session TEXT;

-- Most providers send no `sid` (Google, GitHub and every OAuth 2.0 preset never do), so most
-- sessions have none. Indexing only the sessions that have one spares every such sign-in a
-- write to the index, and a back-channel logout, which always names a `sid`, still finds its
-- sessions through it.
DROP INDEX sessions_by_provider_sid;
CREATE INDEX sessions_by_provider_sid ON sessions(provider_sid) WHERE provider_sid IS NOT NULL;

-- The account's own sign-in history: the browser family and a coarse network address (IPv4
-- /24, IPv6 /48; never the full address) of each event, shown on /account and removed after
-- AUDIT_RETENTION_DAYS.
ALTER TABLE sign_in_events ADD COLUMN browser TEXT;
ALTER TABLE sign_in_events ADD COLUMN network TEXT;
CREATE INDEX sign_in_events_user_at ON sign_in_events (user_id, at);
CREATE INDEX sign_in_events_at ON sign_in_events (at);

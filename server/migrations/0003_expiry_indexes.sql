-- The server deletes expired sign-in transactions and sessions on its own; these let it find
-- them without reading every row.
CREATE INDEX sign_in_transactions_by_age ON sign_in_transactions(created_at);
CREATE INDEX sessions_by_creation ON sessions(created_at);
CREATE INDEX sessions_by_last_seen ON sessions(last_seen_at);

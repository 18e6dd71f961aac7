-- A provider's requests to delete one of its users' data (Facebook's data-deletion callback),
-- by the confirmation code given back, so the status page can say the deletion is done.
-- Nothing here names the person.
CREATE TABLE deletion_requests (
    code         TEXT PRIMARY KEY,
    provider_id  TEXT NOT NULL,
    requested_at BIGINT NOT NULL
);

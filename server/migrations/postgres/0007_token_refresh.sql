-- One refresh at a time per identity, across every instance: the instance that sets the lease
-- (until when, Unix seconds) asks the provider; the others wait for what it stores. NULL when
-- no refresh is running.
ALTER TABLE identities ADD COLUMN refresh_lease_until BIGINT;
-- When the provider refused to refresh the grant (invalid_grant): the person must connect the
-- provider again, and a new sign-in with the identity clears it.
ALTER TABLE identities ADD COLUMN reconnect_needed_at BIGINT;

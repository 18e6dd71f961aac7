-- When the provider reported the account behind an identity disabled (Google's Cross-Account
-- Protection `account-disabled`): sign-in and connect with it are refused until it reports the
-- account enabled again.
ALTER TABLE identities ADD COLUMN suspended_at BIGINT;

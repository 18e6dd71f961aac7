-- Google's `hd` claim (the Workspace domain) of an identity's last verified ID token, which the
-- `[access]` rule `google_hosted_domains` is checked against at every forward-auth check.
ALTER TABLE identities ADD COLUMN hosted_domain TEXT;

//! Microsoft Entra ID's tenants: which directories' accounts may sign in, and the issuer each
//! of their ID tokens must carry. Behind `common`, `organizations` and `consumers` the
//! discovery document's issuer is a template (`…/{tenantid}/v2.0`) that each token fills with
//! its own `tid`, so the issuer is checked per token, never taken from the token alone.

/// The directory of personal Microsoft accounts (Outlook.com, Xbox): its `tid` in every token
/// of such an account. Microsoft publishes it as fixed.
pub const PERSONAL_ACCOUNTS: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

const TEMPLATE_PLACEHOLDER: &str = "{tenantid}";

/// A directory id: a GUID, kept in lowercase as tokens write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantId(String);

impl TenantId {
    pub fn parse(value: &str) -> Result<Self, String> {
        let lower = value.trim().to_ascii_lowercase();
        let groups: Vec<&str> = lower.split('-').collect();
        let shaped = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
        if shaped {
            Ok(Self(lower))
        } else {
            Err(format!(
                "\"{value}\" is not a tenant id (a GUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The `tenant` setting: whose accounts the authorization endpoint offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenant {
    /// Work, school and personal accounts.
    Common,
    /// Work and school accounts only.
    Organizations,
    /// Personal accounts only.
    Consumers,
    /// One directory's accounts.
    Single(TenantId),
}

impl Tenant {
    pub fn parse(value: &str) -> Result<Self, String> {
        match value.trim() {
            "common" => Ok(Tenant::Common),
            "organizations" => Ok(Tenant::Organizations),
            "consumers" => Ok(Tenant::Consumers),
            other => TenantId::parse(other).map(Tenant::Single).map_err(|problem| {
                format!("must be common, organizations, consumers or a tenant id: {problem}")
            }),
        }
    }

    /// The path segment of the tenant's endpoints.
    pub fn segment(&self) -> &str {
        match self {
            Tenant::Common => "common",
            Tenant::Organizations => "organizations",
            Tenant::Consumers => "consumers",
            Tenant::Single(id) => id.as_str(),
        }
    }
}

/// The tenant setting with `allowed_tenants`, checked against every ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenancy {
    pub tenant: Tenant,
    /// Empty means any directory the tenant setting admits.
    pub allowed: Vec<TenantId>,
}

impl Tenancy {
    pub fn new(tenant: Tenant, allowed: Vec<TenantId>) -> Result<Self, String> {
        if !allowed.is_empty() && matches!(tenant, Tenant::Single(_) | Tenant::Consumers) {
            return Err("allowed_tenants applies only with tenant = \"common\" or \"organizations\"".into());
        }
        Ok(Self { tenant, allowed })
    }

    /// Whether discovery's issuer is a template to fill per token (multi-tenant endpoints).
    pub fn issuer_is_template(&self) -> bool {
        !matches!(self.tenant, Tenant::Single(_))
    }

    /// The issuer discovery must announce for `configured` (`…/common/v2.0` gives
    /// `…/{tenantid}/v2.0`); a single tenant's is its own URL.
    pub fn announced_issuer(&self, configured: &str) -> String {
        if !self.issuer_is_template() {
            return configured.to_owned();
        }
        configured.replacen(
            &format!("/{}/", self.tenant.segment()),
            &format!("/{TEMPLATE_PLACEHOLDER}/"),
            1,
        )
    }

    /// Checks an ID token's `iss` and `tid` (its signature already verified): the directory
    /// must be one this setting admits, and `iss` the announced issuer filled with that `tid`.
    pub fn admit(&self, announced_issuer: &str, iss: &str, tid: &str) -> Result<TenantId, String> {
        let tid = TenantId::parse(tid).map_err(|_| "the ID token's tid is not a tenant id".to_owned())?;
        let personal = tid.as_str() == PERSONAL_ACCOUNTS;
        let admitted = match &self.tenant {
            Tenant::Common => true,
            Tenant::Organizations => !personal,
            Tenant::Consumers => personal,
            Tenant::Single(only) => *only == tid,
        };
        if !admitted {
            return Err(format!(
                "the account's directory {} is not admitted by tenant \"{}\"",
                tid.as_str(),
                self.tenant.segment()
            ));
        }
        if !self.allowed.is_empty() && !self.allowed.contains(&tid) {
            return Err(format!(
                "the account's directory {} is not in allowed_tenants",
                tid.as_str()
            ));
        }
        let expected = announced_issuer.replace(TEMPLATE_PLACEHOLDER, tid.as_str());
        if iss != expected {
            return Err(format!("iss {iss} is not {expected}"));
        }
        Ok(tid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTOSO: &str = "4b0c2e6a-1f3d-4c5e-8a7b-9d1e2f3a4b5c";
    const FABRIKAM: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    const COMMON: &str = "https://login.microsoftonline.com/common/v2.0";
    const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

    fn iss(tid: &str) -> String {
        format!("https://login.microsoftonline.com/{tid}/v2.0")
    }

    fn tenancy(tenant: &str, allowed: &[&str]) -> Tenancy {
        let allowed = allowed.iter().map(|t| TenantId::parse(t).unwrap()).collect();
        Tenancy::new(Tenant::parse(tenant).unwrap(), allowed).unwrap()
    }

    #[test]
    fn the_tenant_setting_parses_names_and_guids_only() {
        assert_eq!(Tenant::parse("common"), Ok(Tenant::Common));
        assert_eq!(
            Tenant::parse("4B0C2E6A-1F3D-4C5E-8A7B-9D1E2F3A4B5C")
                .unwrap()
                .segment(),
            CONTOSO
        );
        for bad in [
            "",
            "Common",
            "contoso.onmicrosoft.com",
            "4b0c2e6a-1f3d-4c5e-8a7b",
            "../common",
            "4b0c2e6a1f3d4c5e8a7b9d1e2f3a4b5c",
        ] {
            let err = Tenant::parse(bad).unwrap_err();
            assert!(
                err.contains("common, organizations, consumers or a tenant id"),
                "{bad}: {err}"
            );
        }
        assert!(Tenancy::new(Tenant::Consumers, vec![TenantId::parse(CONTOSO).unwrap()]).is_err());
    }

    #[test]
    fn multi_tenant_issuers_are_templates_filled_by_each_token() {
        let common = tenancy("common", &[]);
        assert_eq!(common.announced_issuer(COMMON), TEMPLATE);
        assert!(common.admit(TEMPLATE, &iss(CONTOSO), CONTOSO).is_ok());
        assert!(
            common
                .admit(TEMPLATE, &iss(PERSONAL_ACCOUNTS), PERSONAL_ACCOUNTS)
                .is_ok()
        );
        // A token from one directory claiming another's issuer.
        assert!(common.admit(TEMPLATE, &iss(FABRIKAM), CONTOSO).is_err());
        assert!(common.admit(TEMPLATE, TEMPLATE, CONTOSO).is_err());
        assert!(common.admit(TEMPLATE, &iss(CONTOSO), "not-a-guid").is_err());
    }

    #[test]
    fn the_setting_and_allowed_tenants_limit_the_directories() {
        let organizations = tenancy("organizations", &[]);
        assert!(organizations.admit(TEMPLATE, &iss(CONTOSO), CONTOSO).is_ok());
        assert!(
            organizations
                .admit(TEMPLATE, &iss(PERSONAL_ACCOUNTS), PERSONAL_ACCOUNTS)
                .is_err()
        );
        let consumers = tenancy("consumers", &[]);
        assert!(consumers.admit(TEMPLATE, &iss(CONTOSO), CONTOSO).is_err());
        assert!(
            consumers
                .admit(TEMPLATE, &iss(PERSONAL_ACCOUNTS), PERSONAL_ACCOUNTS)
                .is_ok()
        );
        let only_contoso = tenancy("common", &[CONTOSO]);
        assert!(only_contoso.admit(TEMPLATE, &iss(CONTOSO), CONTOSO).is_ok());
        let err = only_contoso
            .admit(TEMPLATE, &iss(FABRIKAM), FABRIKAM)
            .unwrap_err();
        assert!(err.contains("allowed_tenants"), "{err}");

        let single = tenancy(CONTOSO, &[]);
        let own = iss(CONTOSO);
        assert_eq!(single.announced_issuer(&own), own);
        assert!(single.admit(&own, &own, CONTOSO).is_ok());
        assert!(single.admit(&own, &iss(FABRIKAM), FABRIKAM).is_err());
    }
}

//! Microsoft Entra ID (work, school and personal Microsoft accounts): OpenID Connect at
//! `https://login.microsoftonline.com/{tenant}/v2.0`, where `tenant` is `common`,
//! `organizations`, `consumers` or one directory's id. The multi-tenant issuers are templates
//! checked per token (`providers::tenancy`); identities are keyed by `tid` and `oid`, since
//! `sub` differs per app. PKCE (S256) goes with the authorization.

use super::{Overrides, PresetError, openid};
use crate::providers::{
    protocol::{IdTokenDialect, OidcSettings, Protocol},
    tenancy::{Tenancy, Tenant, TenantId},
};

pub(super) fn protocol(overrides: &Overrides) -> Result<Protocol, PresetError> {
    let tenant = Tenant::parse(overrides.tenant.as_deref().unwrap_or("common"))
        .map_err(|problem| PresetError::new("tenant", problem))?;
    let allowed = overrides
        .allowed_tenants
        .iter()
        .map(|id| TenantId::parse(id))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|problem| PresetError::new("allowed_tenants", problem))?;
    let tenancy =
        Tenancy::new(tenant, allowed).map_err(|problem| PresetError::new("allowed_tenants", problem))?;
    let issuer = format!(
        "https://login.microsoftonline.com/{}/v2.0",
        tenancy.tenant.segment()
    );
    Ok(Protocol::Oidc(OidcSettings {
        dialect: IdTokenDialect::Microsoft(tenancy),
        ..openid::settings(overrides, &issuer)?
    }))
}

//! What some providers' verified ID tokens say beyond the standard claims, read into the
//! identity: Slack's workspace; Microsoft's directory (`tid`, checked against the tenant
//! setting and the token's `iss`), its stable user id (`oid`) and whether it vouches for the
//! email. Apple's name comes with the callback instead (`flow::complete`).

use super::{
    OidcError,
    jwt_part::{flag_claim, text_claim},
};
use crate::{
    domain::Subject,
    profile::{VerifiedIdentity, display_name},
    providers::{
        protocol::IdTokenDialect,
        tenancy::{PERSONAL_ACCOUNTS, Tenancy},
    },
};

const SLACK_WORKSPACE: &str = "https://slack.com/team_name";

/// `id_token` is the compact JWT whose signature, audience, expiry and nonce were verified;
/// `announced_issuer` is the issuer its provider's discovery document names.
pub(super) fn read(
    dialect: &IdTokenDialect,
    announced_issuer: &str,
    id_token: &str,
    identity: &mut VerifiedIdentity,
) -> Result<(), OidcError> {
    match dialect {
        IdTokenDialect::Standard | IdTokenDialect::Apple => {}
        IdTokenDialect::Slack => identity.person.workspace = text_claim(id_token, SLACK_WORKSPACE),
        IdTokenDialect::Microsoft(tenancy) => microsoft(tenancy, announced_issuer, id_token, identity)?,
    }
    Ok(())
}

/// The identity is keyed by the directory's issuer and `oid`: `sub` is different for each app
/// of the same person, `oid` is theirs within the directory. An email counts as verified only
/// when the token says so (`xms_edov`, an optional claim the app must ask for) or the account
/// is a personal one, whose addresses Microsoft verifies; a directory's admin can set any
/// address on a work account.
fn microsoft(
    tenancy: &Tenancy,
    announced_issuer: &str,
    id_token: &str,
    identity: &mut VerifiedIdentity,
) -> Result<(), OidcError> {
    let claim = |name: &'static str| {
        text_claim(id_token, name).ok_or_else(|| OidcError::IdToken(format!("no {name} claim")))
    };
    let iss = claim("iss")?;
    let tid = tenancy
        .admit(announced_issuer, &iss, &claim("tid")?)
        .map_err(OidcError::IdToken)?;
    identity.subject = Subject::parse(&claim("oid")?).ok_or(OidcError::BadSubject)?;
    identity.issuer = iss;
    // `preferred_username` is a sign-in name an admin can change and Microsoft says not to
    // rely on; the email and name say who it is.
    identity.person.username = None;
    let vouched = flag_claim(id_token, "xms_edov") == Some(true) || tid.as_str() == PERSONAL_ACCOUNTS;
    identity.person.email_verified = identity.person.email.as_ref().and(vouched.then_some(true));
    let name = text_claim(id_token, "name");
    identity.person.display_name = display_name(
        name.as_deref(),
        None,
        identity.person.email.as_deref(),
        &identity.subject,
    );
    Ok(())
}

//! The rig each measurement of signin-bench runs against: the release server as a child
//! process on a fresh database in a temporary folder, signing in with a fast local OpenID
//! provider, and warmed up with a few sign-ins so that discovery, keys and connection pools
//! are ready before anything is measured.

use std::sync::Arc;

use bench::{
    load::{self, Population, Tally},
    provider::FastProvider,
    server_process::{ServerProcess, ServerSetup},
    sign_in::SignInDriver,
};

use crate::cli::Options;

const PROVIDER_ID: &str = "load";
/// Sign-ins before measuring, so discovery, keys and connection pools are warm.
pub(crate) const WARM_UP_SIGN_INS: u32 = 50;

/// A fresh server on a fresh database, its provider, and a warm-up.
pub(crate) struct Rig {
    _provider: FastProvider,
    pub(crate) server: ServerProcess,
    pub(crate) driver: SignInDriver,
    _data: tempfile::TempDir,
}

/// Starts the provider and the server (`options.server`, with `site_root` and `server_env`)
/// on a new temporary database, and signs in `WARM_UP_SIGN_INS` new people one at a time.
pub(crate) async fn start(options: &Options) -> Result<Rig, String> {
    let provider = FastProvider::start_shaped(options.profile_shape)
        .await
        .map_err(|e| format!("cannot start the provider: {e}"))?;
    let data = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let server = ServerProcess::start(&ServerSetup {
        binary: &options.server,
        data_dir: data.path(),
        auth_config: &provider.auth_config(PROVIDER_ID),
        site_root: Some(&options.site_root),
        extra_env: &options
            .server_env
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect::<Vec<_>>(),
    })
    .await?;
    let driver = SignInDriver {
        app_origin: server.origin.clone(),
        provider_id: PROVIDER_ID.into(),
    };
    let warm_up = Arc::new(Tally::default());
    load::closed_loop(&driver, Population::new_people(0), WARM_UP_SIGN_INS, 1, &warm_up).await;
    let summary = warm_up.summary();
    if summary.failed > 0 {
        return Err(format!(
            "the warm-up failed: {:?}\nserver log:\n{}",
            summary.failures,
            server.log_tail()
        ));
    }
    Ok(Rig {
        _provider: provider,
        server,
        driver,
        _data: data,
    })
}

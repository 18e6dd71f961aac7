//! Sessions remembered in this process for the forward-auth check, which runs before every
//! request of a protected app and so must not read the database each time. An entry is
//! believed until the session's own expiry or for `LIFETIME`, whichever comes first; ending a
//! session here forgets every entry at once, and another instance's ending is seen here within
//! `LIFETIME` (a short lifetime rather than database notifications, so that SQLite and
//! PostgreSQL behave the same).

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use super::{
    Database,
    sessions::{self, SessionProfile},
};
use crate::domain::{SessionId, now};

/// How long another instance's sign-out may go unseen here.
pub const LIFETIME: Duration = Duration::from_secs(2);
/// Past this many entries the cache starts afresh, so unknown ids cannot grow it without end.
const MAX_ENTRIES: usize = 100_000;

struct Entry {
    /// `None`: no such live session (ids are never reused, so this stays true).
    session: Option<Arc<SessionProfile>>,
    fetched: Instant,
}

#[derive(Default)]
pub struct SessionCache {
    entries: RwLock<HashMap<String, Entry>>,
}

impl SessionCache {
    /// The live session `id` names, from memory when recently read.
    pub async fn profile(
        &self,
        db: &Database,
        id: &SessionId,
    ) -> Result<Option<Arc<SessionProfile>>, sqlx::Error> {
        let digest = id.digest();
        if let Some(known) = self.remembered(&digest) {
            return Ok(known);
        }
        let session = sessions::profile(db, id).await?.map(Arc::new);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            digest,
            Entry {
                session: session.clone(),
                fetched: Instant::now(),
            },
        );
        Ok(session)
    }

    fn remembered(&self, digest: &str) -> Option<Option<Arc<SessionProfile>>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(digest)?;
        let fresh = entry.fetched.elapsed() < LIFETIME
            && entry
                .session
                .as_ref()
                .is_none_or(|session| session.expires_at > now());
        fresh.then(|| entry.session.clone())
    }

    /// Sessions ended or changed here (sign-out, sign-out elsewhere, back-channel logout,
    /// disconnect): nothing remembered is believed any more.
    pub fn forget_all(&self) {
        self.entries.write().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

//! A signed-in page is a function of what it was rendered from: the page's data (the person,
//! the account, what the providers said) and its CSP nonce. When a session's page is asked
//! for again and its data, read afresh, is the same as the data it was last rendered from, the
//! rendered page is sent again with a new nonce instead of being rendered anew; when the data
//! differs, the page is rendered from exactly the data read here (handed to the render, so it
//! reads nothing twice) and kept in place of the old one. Only `GET` with no query is
//! answered here: a query (a form's error, a return target) changes what the page shows.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use app::api::{AuthBackend, HttpExchange};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::Method;

use super::kept_page::{self, KeptPage};
use crate::web::{
    backend::{
        Backend,
        page_data::{DataLetIn, PageData},
    },
    cookies::SessionCookie,
};

/// Past this many kept pages one makes room for the next; each is a few kilobytes.
const MOST_KEPT: usize = 2048;

/// The pages answered here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Page {
    Home,
    Dashboard,
    Account,
}

impl Page {
    const ALL: [Page; 3] = [Page::Home, Page::Dashboard, Page::Account];

    fn at(path: &str) -> Option<Self> {
        match path {
            "/" => Some(Self::Home),
            "/dashboard" => Some(Self::Dashboard),
            "/account" => Some(Self::Account),
            _ => None,
        }
    }
}

/// One page of one session (named by its id's digest).
#[derive(Clone, PartialEq, Eq, Hash)]
struct SessionPage {
    session: String,
    page: Page,
}

struct Kept {
    data: Arc<PageData>,
    page: KeptPage,
}

#[derive(Clone)]
pub struct SignedInPages {
    backend: Arc<Backend>,
    cookie: SessionCookie,
    kept: Arc<RwLock<HashMap<SessionPage, Arc<Kept>>>>,
}

impl SignedInPages {
    pub fn new(backend: Arc<Backend>, cookie: SessionCookie) -> Self {
        Self {
            backend,
            cookie,
            kept: Arc::default(),
        }
    }

    /// What `page` shows the person signed in with this request; `None` when no one is (`/`
    /// then offers the providers) or reading failed (the render reads again, and shows why).
    async fn read(&self, page: Page, http: &HttpExchange) -> Option<PageData> {
        match page {
            Page::Home => {
                let home = self.backend.home_state(http).await.ok()?;
                home.user.is_some().then_some(PageData::Home(home))
            }
            Page::Account => self.backend.account(http).await.ok().map(PageData::Account),
            Page::Dashboard => {
                let (dashboard, live) = self.backend.dashboard_and_live(http).await.ok()?;
                Some(PageData::Dashboard(dashboard, live))
            }
        }
    }

    fn kept(&self, key: &SessionPage, data: &PageData) -> Option<Arc<Kept>> {
        let kept = self.kept.read().unwrap_or_else(|e| e.into_inner());
        kept.get(key).filter(|kept| *kept.data == *data).cloned()
    }

    fn keep(&self, key: SessionPage, kept: Kept) {
        let mut all = self.kept.write().unwrap_or_else(|e| e.into_inner());
        if all.len() >= MOST_KEPT && !all.contains_key(&key) {
            // Any one makes room: a page pushed out is only rendered again when next asked for.
            if let Some(any) = all.keys().next().cloned() {
                all.remove(&any);
            }
        }
        all.insert(key, Arc::new(kept));
    }

    /// A session no longer signed in: its pages, and the person on them, are not kept.
    fn forget(&self, session: &str) {
        let mut all = self.kept.write().unwrap_or_else(|e| e.into_inner());
        for page in Page::ALL {
            all.remove(&SessionPage {
                session: session.to_owned(),
                page,
            });
        }
    }
}

/// Answers a signed-in `GET` of `/`, `/dashboard` or `/account` with the page kept for its
/// data, rendering and keeping it when there is none.
pub async fn serve(State(pages): State<SignedInPages>, mut request: Request, next: Next) -> Response {
    let page = Page::at(request.uri().path())
        .filter(|_| request.method() == Method::GET && request.uri().query().is_none());
    let Some((page, session)) = page.zip(pages.cookie.id(request.headers())) else {
        return next.run(request).await;
    };
    let http = HttpExchange::outside_render(request.headers().clone(), request.extensions().clone());
    let session = session.digest();
    let Some(data) = pages.read(page, &http).await else {
        pages.forget(&session);
        return next.run(request).await;
    };
    let key = SessionPage { session, page };
    let kept = pages.kept(&key, &data);
    let data = Arc::new(data);
    if kept.is_none() {
        request.extensions_mut().insert(DataLetIn(data.clone()));
    }
    let (answer, to_keep) = kept_page::answer(kept.as_ref().map(|kept| &kept.page), request, next).await;
    if let Some(page) = to_keep {
        pages.keep(key, Kept { data, page });
    }
    answer
}

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

use app::{
    api::{AuthBackend, HttpExchange},
    model::{Account, Dashboard, HomeState, ProviderLive},
};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{Method, header};

use super::kept_page::{self, KeptPage};
use crate::web::cookies::SessionCookie;

/// Past this many kept pages the memory starts afresh; each is a few kilobytes.
const MOST_KEPT: usize = 512;

/// The pages answered here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Page {
    Home,
    Dashboard,
    Account,
}

impl Page {
    fn at(path: &str) -> Option<Self> {
        match path {
            "/" => Some(Self::Home),
            "/dashboard" => Some(Self::Dashboard),
            "/account" => Some(Self::Account),
            _ => None,
        }
    }
}

/// Everything a page is rendered from but its nonce.
#[derive(Debug, PartialEq)]
pub enum PageData {
    Home(HomeState),
    Dashboard(Dashboard, Vec<ProviderLive>),
    Account(Account),
}

/// The data this request's page is to be rendered from, read by [`serve`] before the render;
/// the backend answers the page's server functions with it instead of reading again.
#[derive(Clone)]
pub struct DataLetIn(Arc<PageData>);

impl DataLetIn {
    pub fn home(http: &HttpExchange) -> Option<HomeState> {
        match Self::of(http)? {
            PageData::Home(home) => Some(home.clone()),
            _ => None,
        }
    }

    pub fn account(http: &HttpExchange) -> Option<Account> {
        match Self::of(http)? {
            PageData::Account(account) => Some(account.clone()),
            _ => None,
        }
    }

    pub fn dashboard(http: &HttpExchange) -> Option<Dashboard> {
        match Self::of(http)? {
            PageData::Dashboard(dashboard, _) => Some(dashboard.clone()),
            _ => None,
        }
    }

    pub fn provider_live(http: &HttpExchange) -> Option<Vec<ProviderLive>> {
        match Self::of(http)? {
            PageData::Dashboard(_, live) => Some(live.clone()),
            _ => None,
        }
    }

    fn of(http: &HttpExchange) -> Option<&PageData> {
        http.extensions.get::<Self>().map(|Self(data)| &**data)
    }
}

/// One page of one session (named by its id's digest).
#[derive(PartialEq, Eq, Hash)]
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
    backend: Arc<dyn AuthBackend>,
    cookie: SessionCookie,
    kept: Arc<RwLock<HashMap<SessionPage, Arc<Kept>>>>,
}

impl SignedInPages {
    pub fn new(backend: Arc<dyn AuthBackend>, cookie: SessionCookie) -> Self {
        Self {
            backend,
            cookie,
            kept: Arc::default(),
        }
    }

    /// What `page` shows this request's session; `None` when the page is not the signed-in
    /// person's (no session), or reading failed: the page renders as usual then, and shows why.
    async fn read(&self, page: Page, http: HttpExchange) -> Option<PageData> {
        let data = match page {
            Page::Home => {
                let home = self.backend.home_state(&http).await.ok()?;
                home.user.is_some().then_some(PageData::Home(home))?
            }
            Page::Account => PageData::Account(self.backend.account(&http).await.ok()?),
            Page::Dashboard => {
                let dashboard = self.backend.dashboard(&http).await.ok()?;
                let live = self.backend.provider_live(&http).await.ok()?;
                PageData::Dashboard(dashboard, live)
            }
        };
        // A read that set a status or a cookie wants its own answer, not a kept page.
        http.answers_plainly().then_some(data)
    }

    fn kept(&self, key: &SessionPage, data: &PageData) -> Option<Arc<Kept>> {
        let kept = self.kept.read().unwrap_or_else(|e| e.into_inner());
        kept.get(key).filter(|kept| *kept.data == *data).cloned()
    }

    fn keep(&self, key: SessionPage, kept: Kept) {
        let mut all = self.kept.write().unwrap_or_else(|e| e.into_inner());
        if all.len() >= MOST_KEPT {
            all.clear();
        }
        all.insert(key, Arc::new(kept));
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
    let Some(data) = pages.read(page, http).await else {
        return next.run(request).await;
    };
    let key = SessionPage {
        session: session.digest(),
        page,
    };
    let accepts = request.headers_mut().remove(header::ACCEPT_ENCODING);
    let answer = match pages.kept(&key, &data) {
        Some(kept) => kept.page.answer(),
        None => {
            let data = Arc::new(data);
            request.extensions_mut().insert(DataLetIn(data.clone()));
            let (answer, page) = kept_page::render(request, next).await;
            if let Some(page) = page {
                pages.keep(key, Kept { data, page });
            }
            answer
        }
    };
    kept_page::compressed(accepts, answer).await
}

//! What a signed-in page is rendered from, read before the render (by `kept_pages::signed_in`,
//! to tell whether the page kept for the session still shows it) and handed to the render in
//! the request's extensions, so that the page's server functions answer with it instead of
//! reading it again.

use std::sync::Arc;

use app::{
    api::HttpExchange,
    model::{Account, Dashboard, HomeState, ProviderLive},
};

/// Everything a page is rendered from but its nonce.
#[derive(Debug, PartialEq)]
pub enum PageData {
    Home(HomeState),
    Dashboard(Dashboard, Vec<ProviderLive>),
    Account(Account),
}

/// The data this request's page is to be rendered from.
#[derive(Clone)]
pub struct DataLetIn(pub Arc<PageData>);

impl DataLetIn {
    pub(super) fn home(http: &HttpExchange) -> Option<HomeState> {
        match Self::of(http)? {
            PageData::Home(home) => Some(home.clone()),
            _ => None,
        }
    }

    pub(super) fn account(http: &HttpExchange) -> Option<Account> {
        match Self::of(http)? {
            PageData::Account(account) => Some(account.clone()),
            _ => None,
        }
    }

    pub(super) fn dashboard(http: &HttpExchange) -> Option<Dashboard> {
        match Self::of(http)? {
            PageData::Dashboard(dashboard, _) => Some(dashboard.clone()),
            _ => None,
        }
    }

    pub(super) fn provider_live(http: &HttpExchange) -> Option<Vec<ProviderLive>> {
        match Self::of(http)? {
            PageData::Dashboard(_, live) => Some(live.clone()),
            _ => None,
        }
    }

    fn of(http: &HttpExchange) -> Option<&PageData> {
        http.extensions.get::<Self>().map(|Self(data)| &**data)
    }
}

//! HTTP: the router, the server-function backend, cookies, and protective middleware.

pub mod backend;
pub mod cookies;
pub mod guard;
pub mod headers;
pub mod rate_limit;
pub mod router;

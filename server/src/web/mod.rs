//! HTTP: the router, the server-function backend, cookies, protective middleware, and the
//! endpoints and plumbing operators rely on.

pub mod account_data;
pub mod api_edge;
pub mod apple_notifications;
pub mod back_channel;
pub mod backend;
pub mod browser_family;
pub mod client_address;
pub mod compression;
pub mod cookies;
pub mod data_deletion;
pub mod forward_auth;
pub mod guard;
pub mod headers;
pub mod kept_pages;
pub mod operations;
pub mod posted_callback;
pub mod protected;
pub mod provider_events;
pub mod rate_limit;
pub mod request_id;
pub mod router;
pub mod security_events;
pub mod serve;

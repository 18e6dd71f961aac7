//! Pages rendered once and sent again, each time with a fresh CSP nonce, for as long as what
//! they were rendered from stays the same.

mod kept_page;
pub mod signed_in;
pub mod signed_out_home;

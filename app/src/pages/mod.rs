pub mod account;
pub mod callback;
pub mod dashboard;
pub mod home;
pub mod not_found;
pub mod signed_in_only;

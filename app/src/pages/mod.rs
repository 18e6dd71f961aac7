pub mod callback;
pub mod home;
pub mod not_found;

pub mod brand_mark;
pub mod error_view;
pub mod profile_card;
pub mod provider_buttons;
pub mod provider_forms;
pub mod provider_list;

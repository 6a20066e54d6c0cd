//! One module per page of the app.

pub mod lesson;
pub mod library;
pub mod not_found;
pub mod progress;
pub mod settings;
pub mod today;

//! One module per page of the app.

pub mod admin;
pub mod ask;
pub mod assignments;
pub mod certificate;
pub mod feedback;
pub mod lesson;
pub mod library;
pub mod not_found;
pub mod plan;
pub mod pledge;
pub mod progress;
pub mod review;
pub mod risk;
pub mod scenario;
pub mod sessions;
pub mod settings;
pub mod today;
pub mod unit;

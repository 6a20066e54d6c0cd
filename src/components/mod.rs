//! Reusable view pieces shared by the pages.

pub mod icons;
pub mod layout;
pub mod welcome;

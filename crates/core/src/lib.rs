//! Qinglian's rules, in plain Rust so that both the wasm app and the server use
//! them and native tests reach them: settings, the UI's translation tables, the
//! content model and its validation, progress events and the fold that derives
//! what a learner has done.

pub mod app_parts;
#[cfg(feature = "authoring")]
pub mod authoring;
pub mod calendar;
pub mod content;
pub mod events;
pub mod hash;
pub mod i18n;
pub mod log_chunk;
pub mod progress;
pub mod qr;
pub mod settings;
pub mod sync;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod today_picture;
pub mod together;

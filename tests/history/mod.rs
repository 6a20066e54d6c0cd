//! Years of a learner's history, shared by the storage tests and the
//! storage benchmarks (both wasm-bindgen tests in headless Chromium).

use qinglian_core::events::Event;

/// Realistic events of this device, two minutes apart
/// (`qinglian_core::testing::learner_history`).
pub fn history(device: &str, count: usize) -> Vec<Event> {
    qinglian_core::testing::learner_history(device, count, 120_000)
}

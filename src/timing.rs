//! Performance marks at the steps of start-up (`qinglian:…` in the page's
//! performance timeline), so the load benchmark can say where a slow start
//! spends its time instead of only how long it took. A mark costs
//! microseconds and nothing reads them in normal use.

/// Records a mark named `qinglian:<step>` now; silently nothing where the
/// browser has no Performance API.
pub fn mark(step: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(&format!("qinglian:{step}"));
    }
}

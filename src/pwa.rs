//! The installable-app side: service worker registration and the "Update
//! ready — Reload" prompt.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/pwa.js")]
extern "C" {
    #[wasm_bindgen(js_name = registerServiceWorker)]
    fn register_service_worker(on_update_ready: &Closure<dyn Fn()>);
    #[wasm_bindgen(js_name = activateUpdate)]
    fn activate_update_js();
}

/// Registers `/sw.js`; `on_update_ready` runs when a new version is waiting.
pub fn register(on_update_ready: impl Fn() + 'static) {
    let callback = Closure::<dyn Fn()>::new(on_update_ready);
    register_service_worker(&callback);
    // The worker may call back at any time while the app lives.
    callback.forget();
}

/// Activates the waiting version and reloads into it.
pub fn activate_update() {
    activate_update_js();
}

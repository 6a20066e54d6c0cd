//! Entry point of the wasm app: mounts the Leptos app on the page.

fn main() {
    qinglian::timing::mark("wasm-started");
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(qinglian::App);
    qinglian::timing::mark("mounted");
}

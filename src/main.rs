//! Entry point of the wasm app: mounts the Leptos app on the page.

fn main() {
    qinglian::timing::mark("wasm-started");
    console_error_panic_hook::set_once();
    // index.html's stand-in top bar goes as the app's own arrives.
    if let Some(shell) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot-shell"))
    {
        shell.remove();
    }
    leptos::mount::mount_to_body(qinglian::App);
    qinglian::timing::mark("mounted");
}

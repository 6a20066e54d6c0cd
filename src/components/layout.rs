//! The frame around every page: a top bar with the app's name and the
//! connection state, the update prompt, and the navigation (a bottom tab bar
//! on phones, a side rail on wide screens).

use crate::components::icons::{BrandMark, Icon, NavIcon};
use crate::pwa;
use crate::state::{tr, use_app};
use leptos::prelude::*;
use leptos_router::components::A;
use qinglian_core::i18n::Key;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">{tr(Key::SkipToContent)}</a>
        <header class="top-bar">
            <A href="/" attr:class="brand">
                <BrandMark/>
                <span>{tr(Key::AppName)}</span>
            </A>
            <ConnectionBadge/>
        </header>
        <crate::components::account::SyncStatus/>
        <UpdateBanner/>
        <StorageBanner/>
        <div class="frame">
            <NavBar/>
            <main id="main" tabindex="-1">{children()}</main>
        </div>
    }
}

/// Online / offline, always visible, in words and not only in colour.
#[component]
fn ConnectionBadge() -> impl IntoView {
    let state = use_app();
    let online = move || state.online.get();
    view! {
        <span class="connection" class:offline=move || !online() role="status" aria-live="polite"
            title=move || if online() { "" } else { tr(Key::OfflineHint)() }>
            <span class="dot" aria-hidden="true"></span>
            {move || if online() { tr(Key::Online)() } else { tr(Key::Offline)() }}
        </span>
    }
}

/// "Update ready — Reload": the new version activates only when asked.
#[component]
fn UpdateBanner() -> impl IntoView {
    let state = use_app();
    view! {
        <Show when=move || state.update_ready.get()>
            <div class="banner update" role="status">
                <span>{tr(Key::UpdateReady)}</span>
                <button type="button" class="button primary" on:click=|_| pwa::activate_update()>
                    {tr(Key::UpdateReload)}
                </button>
            </div>
        </Show>
    }
}

/// Tells the user when the browser refused to save, and what to do.
#[component]
fn StorageBanner() -> impl IntoView {
    let state = use_app();
    view! {
        <Show when=move || state.storage_error.with(Option::is_some)>
            <div class="banner error" role="alert">
                {move || match state.storage_error.get() {
                    Some(error) => error.message().show(state.settings.with(|s| s.lang)),
                    None => String::new(),
                }}
            </div>
        </Show>
    }
}

#[component]
fn NavBar() -> impl IntoView {
    let links = [
        ("/", Icon::Today, Key::NavToday),
        ("/library", Icon::Library, Key::NavLibrary),
        ("/progress", Icon::Progress, Key::NavProgress),
        ("/sessions", Icon::Together, Key::NavTogether),
        ("/settings", Icon::Settings, Key::NavSettings),
    ];
    let location = leptos_router::hooks::use_location();
    // The four pages of studying together share one tab.
    let together = move || {
        location.pathname.with(|p| {
            ["/sessions", "/ask", "/feedback", "/assignments"]
                .iter()
                .any(|t| p.starts_with(t))
        })
    };
    view! {
        <nav class="nav" aria-label=tr(Key::NavMain)>
            <ul>
                {links
                    .into_iter()
                    .map(|(href, icon, key)| {
                        let exact = href != "/sessions";
                        view! {
                            <li class:together-current=move || href == "/sessions" && together()>
                                <A href=href exact=exact>
                                    <NavIcon icon=icon/>
                                    <span>{tr(key)}</span>
                                </A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

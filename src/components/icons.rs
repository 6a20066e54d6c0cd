//! Small inline icons for the navigation: drawn with strokes in the current
//! text colour, hidden from screen readers (the label says it all).

use leptos::prelude::*;

/// Which picture to draw.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Today,
    Library,
    Progress,
    Together,
    Settings,
}

#[component]
pub fn NavIcon(icon: Icon) -> impl IntoView {
    let path = match icon {
        Icon::Today => "M12 3v2M12 19v2M4.2 4.2l1.4 1.4M18.4 18.4l1.4 1.4M3 12h2M19 12h2M4.2 19.8l1.4-1.4M18.4 5.6l1.4-1.4M12 8a4 4 0 1 0 0 8a4 4 0 1 0 0-8",
        Icon::Library => "M4 19V5a2 2 0 0 1 2-2h13v16H6a2 2 0 0 0-2 2a2 2 0 0 0 2 2h13M8 7h7",
        Icon::Progress => "M4 20V10M10 20V4M16 20v-7M22 20H2",
        Icon::Together => "M9 11a3 3 0 1 0 0-6a3 3 0 1 0 0 6M3 20v-1a5 5 0 0 1 10 0v1M16 11a3 3 0 1 0 0-6M17 14a5 5 0 0 1 4 5v1",
        Icon::Settings => "M12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6M19 12h2M3 12h2M12 3v2M12 19v2M17 7l1.5-1.5M5.5 18.5L7 17M17 17l1.5 1.5M5.5 5.5L7 7",
    };
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d=path/>
        </svg>
    }
}

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

/// The app's mark in the top bar (public/icons/icon.svg, drawn inline: as an
/// `<img>`, an SVG is a document of its own, which cost a fiftieth of a
/// second of a slow phone's start-up). index.html, welcome.html and
/// bureau.html draw the same in their stand-ins.
#[component]
pub fn BrandMark() -> impl IntoView {
    view! {
        <svg class="brand-mark" viewBox="0 0 512 512" width="28" height="28" aria-hidden="true" focusable="false">
            <rect width="512" height="512" rx="112" fill="#0f5d5a"/>
            <g transform="translate(-10.2 -40.4) scale(1.04)">
                <g fill="#fff" stroke="#0f5d5a" stroke-width="22" stroke-linejoin="round" paint-order="stroke">
                    <path d="M256 360C215.1 400.2 142.3 367.9 110.6 315.6C166.2 289.9 244.6 303.8 256 360Z"/>
                    <path d="M256 360C267.4 303.8 345.8 289.9 401.4 315.6C369.7 367.9 296.9 400.2 256 360Z"/>
                    <path d="M256 360C191.5 368.1 134 283.3 130 209.9C201.7 226.5 275.1 297.9 256 360Z"/>
                    <path d="M256 360C236.9 297.9 310.3 226.5 382 209.9C378 283.3 320.5 368.1 256 360Z"/>
                    <path d="M256 360C193 317.5 205 194.8 256 124C307 194.8 319 317.5 256 360Z"/>
                </g>
                <g fill="none" stroke="#fff" stroke-linecap="round" stroke-width="13">
                    <path d="M150 402C167.7 393 185.3 393 203 402C220.7 411 238.3 411 256 402C273.7 393 291.3 393 309 402C326.7 411 344.3 411 362 402"/>
                    <path d="M190 432C212 425 234 425 256 432C278 439 300 439 322 432"/>
                </g>
            </g>
        </svg>
    }
}

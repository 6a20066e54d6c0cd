//! A QR code on the page, drawn as SVG from `qinglian_core::qr` (no image, no
//! script): dark modules on a white square with the quiet zone scanners need,
//! whatever the theme.

use crate::state::tr;
use leptos::prelude::*;
use qinglian_core::i18n::Key;
use qinglian_core::qr::qr_svg;

#[component]
pub fn QrCode(text: String, label: Key) -> impl IntoView {
    qr_svg(&text).map(|qr| {
        let view_box = format!("-4 -4 {0} {0}", qr.size + 8);
        view! {
            <svg class="qr" viewBox=view_box role="img" aria-label=tr(label) shape-rendering="crispEdges">
                <rect x="-4" y="-4" width=(qr.size + 8).to_string() height=(qr.size + 8).to_string() fill="#fff"/>
                <path d=qr.path fill="#000"/>
            </svg>
        }
    })
}

//! Renders the pack's block tree. Text only ever becomes text nodes: no
//! lesson can put HTML or script on the page.

use leptos::prelude::*;
use qinglian_core::content::{Block, Span};

fn spans(spans: &[Span]) -> impl IntoView {
    spans
        .iter()
        .map(|span| {
            let text = span.text.clone();
            match (span.strong, span.emphasis) {
                (true, true) => view! { <strong><em>{text}</em></strong> }.into_any(),
                (true, false) => view! { <strong>{text}</strong> }.into_any(),
                (false, true) => view! { <em>{text}</em> }.into_any(),
                (false, false) => text.into_any(),
            }
        })
        .collect_view()
}

/// A lesson body, a scenario step, a debrief or the pledge.
#[component]
pub fn Blocks(blocks: Vec<Block>) -> impl IntoView {
    blocks
        .into_iter()
        .map(|block| match block {
            Block::Heading { level: 3, spans: s } => view! { <h3>{spans(&s)}</h3> }.into_any(),
            Block::Heading { spans: s, .. } => view! { <h2>{spans(&s)}</h2> }.into_any(),
            Block::Paragraph { spans: s } => view! { <p>{spans(&s)}</p> }.into_any(),
            Block::List { ordered: true, items } => {
                view! { <ol>{items.iter().map(|i| view! { <li>{spans(i)}</li> }).collect_view()}</ol> }.into_any()
            }
            Block::List { ordered: false, items } => {
                view! { <ul>{items.iter().map(|i| view! { <li>{spans(i)}</li> }).collect_view()}</ul> }.into_any()
            }
            Block::Quote { paragraphs } => view! {
                <blockquote>{paragraphs.iter().map(|p| view! { <p>{spans(p)}</p> }).collect_view()}</blockquote>
            }
            .into_any(),
        })
        .collect_view()
}

//! The integrity pledge: read and acknowledge the current version; asked
//! again whenever the version changes.

use crate::components::blocks::Blocks;
use crate::components::WithPack;
use crate::state::{tr, trf, use_app};
use leptos::prelude::*;
use qinglian_core::events::EventKind;
use qinglian_core::i18n::Key;

#[component]
pub fn PledgePage() -> impl IntoView {
    let state = use_app();
    view! {
        <WithPack children=move |pack| {
            let pack = pack.clone();
            move || {
                let version = pack.pledge.version;
                let acknowledged = state.progress.with(|p| !p.pledge_needed(version));
                let earlier = state.progress.with(|p| p.pledges.iter().any(|v| *v < version));
                view! {
                    <article class="page pledge">
                        <h1>{pack.pledge.title.clone()}</h1>
                        <p class="muted">{trf(Key::PledgeVersion, vec![("v", version.to_string())])}</p>
                        {(!acknowledged && earlier).then(|| view! { <p class="notice">{tr(Key::PledgeChanged)}</p> })}
                        <div class="pledge-text"><Blocks blocks=pack.pledge.text.clone()/></div>
                        {if acknowledged {
                            view! { <p class="good" role="status">"✓ "{tr(Key::PledgeAcknowledged)}</p> }.into_any()
                        } else {
                            view! {
                                <button type="button" class="button primary wide"
                                    on:click=move |_| { state.record(EventKind::PledgeAcknowledged { version }); }>
                                    {tr(Key::PledgeAcknowledge)}
                                </button>
                            }.into_any()
                        }}
                    </article>
                }
            }
        }/>
    }
}

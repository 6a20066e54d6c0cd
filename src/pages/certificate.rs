//! A printable certificate for a completed track, with the learner's name and
//! the date the track was completed.

use crate::components::WithPack;
use crate::pages::library::track_key;
use crate::pages::not_found::NotFoundPage;
use crate::state::{offset_minutes, tr, trf, use_app};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use qinglian_core::calendar;
use qinglian_core::i18n::Key;
use qinglian_core::progress::Track;

#[component]
pub fn CertificatePage() -> impl IntoView {
    let state = use_app();
    let params = use_params_map();
    view! {
        <WithPack children=move |pack| {
            let pack = pack.clone();
            move || {
                let Some(track) = Track::from_id(&params.read().get("track").unwrap_or_default()) else {
                    return view! { <NotFoundPage/> }.into_any();
                };
                let progress = state.progress.get();
                let (done, total, completed) = track.completion(&pack, &progress);
                let name = state.settings.with(|s| s.display_name.clone());
                match completed {
                    Some(at) => {
                        let date = calendar::iso_date(calendar::day_of(at, offset_minutes()));
                        let minutes: u32 = track.lessons(&pack).iter().filter_map(|id| pack.lesson(id)).map(|l| l.minutes).sum();
                        view! {
                            <article class="page certificate">
                                <div class="certificate-sheet">
                                    <img src="/icons/icon-192.png" alt="" width="72" height="72"/>
                                    <p class="certificate-kicker">{tr(Key::AppName)}</p>
                                    <h1>{tr(Key::CertificateTitle)}</h1>
                                    <p class="certificate-name">{if name.is_empty() { tr(Key::CertificateNoName)().to_owned() } else { name.clone() }}</p>
                                    <p>{trf(Key::CertificateBody, vec![("track", tr(track_key(track))().to_owned()), ("n", total.to_string()), ("minutes", minutes.to_string())])}</p>
                                    <p class="certificate-date">{trf(Key::CertificateDate, vec![("date", date)])}</p>
                                </div>
                                {name.is_empty().then(|| view! { <p class="notice no-print">{tr(Key::CertificateAddName)}" "<A href="/settings">{tr(Key::SettingsTitle)}</A></p> })}
                                <button type="button" class="button primary no-print" on:click=|_| { let _ = window().print(); }>{tr(Key::Print)}</button>
                            </article>
                        }.into_any()
                    }
                    None => view! {
                        <article class="page certificate">
                            <h1>{tr(Key::CertificateTitle)}</h1>
                            <p>{trf(Key::CertificateNotYet, vec![("track", tr(track_key(track))().to_owned()), ("done", done.to_string()), ("total", total.to_string())])}</p>
                            <A href="/library" attr:class="button primary">{tr(Key::LibraryTitle)}</A>
                        </article>
                    }.into_any(),
                }
            }
        }/>
    }
}

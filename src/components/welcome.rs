//! The first-run welcome: shows the language (taken from the phone, and
//! changeable here) and asks the learner's tier, which chooses their path.

use crate::state::{tr, use_settings};
use leptos::prelude::*;
use qinglian_core::i18n::Key;
use qinglian_core::settings::{Lang, Tier};

/// The label and one-line description of a tier, for the welcome and Settings.
pub fn tier_keys(tier: Tier) -> (Key, Key) {
    match tier {
        Tier::LeadingCadre => (Key::TierLeadingCadre, Key::TierLeadingCadreHint),
        Tier::DepartmentHead => (Key::TierDepartmentHead, Key::TierDepartmentHeadHint),
        Tier::Staff => (Key::TierStaff, Key::TierStaffHint),
    }
}

/// One radio group of the three tiers; used by the welcome and by Settings.
#[component]
pub fn TierChoice(chosen: RwSignal<Option<Tier>>, name: &'static str) -> impl IntoView {
    Tier::ALL
        .into_iter()
        .map(|tier| {
            let (label, hint) = tier_keys(tier);
            let id = format!("{name}-{}", tier.id());
            let label_for = id.clone();
            view! {
                <label class="choice" for=label_for>
                    <input type="radio" id=id name=name value=tier.id()
                        prop:checked=move || chosen.get() == Some(tier)
                        on:change=move |_| chosen.set(Some(tier))/>
                    <span class="choice-text">
                        <strong>{tr(label)}</strong>
                        <small>{tr(hint)}</small>
                    </span>
                </label>
            }
        })
        .collect_view()
}

/// The language switch, 简体中文 first; used by the welcome and by Settings.
/// Each name is written in its own language so anyone can find theirs.
#[component]
pub fn LanguageChoice(name: &'static str) -> impl IntoView {
    let settings = use_settings();
    view! {
        <fieldset class="segmented">
            <legend>{tr(Key::SettingsLanguage)}</legend>
            {Lang::EDITIONS.into_iter().map(|lang| view! {
                <label>
                    <input type="radio" name=name value=lang.tag()
                        prop:checked=move || settings.with(|s| s.lang == lang)
                        on:change=move |_| settings.update(|s| s.lang = lang)/>
                    <span lang=lang.tag()>{lang.native_name()}</span>
                </label>
            }).collect_view()}
        </fieldset>
    }
}

/// The first-run welcome: in the study and bureau parts when a learner's
/// settings have no tier, and as all there is of the welcome part.
#[component]
pub fn Welcome() -> impl IntoView {
    let settings = use_settings();
    let chosen = RwSignal::new(None::<Tier>);
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(tier) = chosen.get() {
            settings.update(|s| s.tier = Some(tier));
            // From now on the server answers with the study part, not the
            // welcome part (reading the cookie is a round trip to the
            // browser, so it is set here and not checked at every start; a
            // learner with a tier and no cookie is sent on by the welcome
            // part itself).
            crate::storage::note_started();
        }
    };
    view! {
        <section class="page welcome">
            <h1>{tr(Key::WelcomeTitle)}</h1>
            <p class="lead">{tr(Key::WelcomeIntro)}</p>
            <LanguageChoice name="welcome-lang"/>
            <form on:submit=start>
                <fieldset>
                    <legend>{tr(Key::WelcomeAskTier)}</legend>
                    <TierChoice chosen=chosen name="welcome-tier"/>
                </fieldset>
                <button type="submit" class="button primary wide" disabled=move || chosen.get().is_none()>
                    {tr(Key::WelcomeStart)}
                </button>
            </form>
        </section>
    }
}

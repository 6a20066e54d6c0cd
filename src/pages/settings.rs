//! Settings: language, text size, theme, study path and name. Every change is
//! saved on the device at once.

use crate::components::welcome::TierChoice;
use crate::state::{tr, use_app};
use crate::storage;
use leptos::prelude::*;
use qinglian_core::i18n::Key;
use qinglian_core::settings::{Lang, TextSize, Theme, Tier};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let state = use_app();
    let settings = state.settings;
    let tier = RwSignal::new(settings.get_untracked().tier);
    Effect::new(move |_| {
        if let Some(chosen) = tier.get() {
            if settings.with_untracked(|s| s.tier) != Some(chosen) {
                settings.update(|s| s.tier = Some(chosen));
            }
        }
    });
    let set_aside = storage::set_aside_entries();
    let size_key = |size: TextSize| match size {
        TextSize::Normal => Key::TextNormal,
        TextSize::Large => Key::TextLarge,
        TextSize::Larger => Key::TextLarger,
    };
    let theme_key = |theme: Theme| match theme {
        Theme::System => Key::ThemeSystem,
        Theme::Light => Key::ThemeLight,
        Theme::Dark => Key::ThemeDark,
    };
    view! {
        <section class="page settings">
            <h1>{tr(Key::SettingsTitle)}</h1>
            <p class="muted">{tr(Key::SettingsSaved)}</p>

            <fieldset class="segmented">
                <legend>{tr(Key::SettingsLanguage)}</legend>
                {Lang::ALL.into_iter().map(|lang| view! {
                    <label>
                        <input type="radio" name="lang" value=lang.tag()
                            prop:checked=move || settings.with(|s| s.lang == lang)
                            on:change=move |_| settings.update(|s| s.lang = lang)/>
                        <span lang=lang.tag()>{lang.native_name()}</span>
                    </label>
                }).collect_view()}
            </fieldset>

            <fieldset class="segmented">
                <legend>{tr(Key::SettingsTextSize)}</legend>
                {TextSize::ALL.into_iter().map(|size| view! {
                    <label>
                        <input type="radio" name="text-size" value=size.id()
                            prop:checked=move || settings.with(|s| s.text_size == size)
                            on:change=move |_| settings.update(|s| s.text_size = size)/>
                        <span>{tr(size_key(size))}</span>
                    </label>
                }).collect_view()}
            </fieldset>

            <fieldset class="segmented">
                <legend>{tr(Key::SettingsTheme)}</legend>
                {Theme::ALL.into_iter().map(|theme| view! {
                    <label>
                        <input type="radio" name="theme" value=theme.id()
                            prop:checked=move || settings.with(|s| s.theme == theme)
                            on:change=move |_| settings.update(|s| s.theme = theme)/>
                        <span>{tr(theme_key(theme))}</span>
                    </label>
                }).collect_view()}
            </fieldset>

            <fieldset>
                <legend>{tr(Key::SettingsTier)}</legend>
                <TierChoice chosen=tier name="settings-tier"/>
            </fieldset>

            <label class="field" for="display-name">
                <span>{tr(Key::SettingsName)}</span>
                <input id="display-name" type="text" autocomplete="name" maxlength="60"
                    prop:value=move || settings.with(|s| s.display_name.clone())
                    on:change=move |ev| {
                        let name = event_target_value(&ev).trim().to_owned();
                        settings.update(|s| s.display_name = name);
                    }/>
            </label>

            {(!set_aside.is_empty()).then(|| view! {
                <div class="notice" role="status">
                    <p>{tr(Key::StorageProblem)}</p>
                    <ul>
                        {set_aside.into_iter().map(|entry| view! {
                            <li><code>{entry.key}</code>": "{entry.reason}</li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
        </section>
    }
}

/// The tier a learner studies as; the welcome guarantees one is set.
pub fn current_tier(state: &crate::state::AppState) -> Tier {
    state.settings.with(|s| s.tier).unwrap_or(Tier::Staff)
}

//! Settings: language, text size, theme, study path and name. Every change is
//! saved on the device at once.

use crate::components::welcome::{LanguageChoice, TierChoice};
use crate::state::{now_ms, today};
use crate::state::{tr, use_app};
use crate::storage;
use leptos::prelude::*;
use qinglian_core::calendar;
use qinglian_core::events::Export;
use qinglian_core::i18n;
use qinglian_core::i18n::Key;
use qinglian_core::settings::{TextSize, Theme};

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

            <LanguageChoice name="lang"/>

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

            <crate::components::account::BureauServer/>

            <YourData/>

            {(!set_aside.is_empty()).then(|| view! {
                <div class="notice" role="status">
                    <p>{tr(Key::StorageProblem)}</p>
                    <ul>
                        {set_aside.into_iter().map(|entry| view! {
                            <li>{tr(aside_kind(&entry.key))}" "<code title=entry.reason.clone()>{entry.key.clone()}</code></li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
        </section>
    }
}

/// Export everything as one JSON file, import it back (merging by event id,
/// so importing twice changes nothing), and a confirmed reset.
#[component]
fn YourData() -> impl IntoView {
    let state = use_app();
    let message = RwSignal::new(None::<(bool, String)>);
    let confirming = RwSignal::new(false);
    let export = move |_| {
        // The whole log, never a part of it.
        state.complete_log();
        let events = state
            .log
            .with_untracked(|l| l.all().unwrap_or_default().to_vec());
        let count = events.len();
        let export = Export::new(events, now_ms());
        let json = serde_json::to_string_pretty(&export).expect("export serialises");
        let name = format!("qinglian-export-{}.json", calendar::iso_date(today()));
        match download(&name, &json) {
            Ok(()) => message.set(Some((
                true,
                i18n::fill(
                    state.settings.get_untracked().lang,
                    Key::DataExported,
                    &[("n", &count.to_string())],
                ),
            ))),
            Err(err) => message.set(Some((false, err.show(state.settings.get_untracked().lang)))),
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        leptos::task::spawn_local(async move {
            let lang = state.settings.get_untracked().lang;
            let text = match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(text) => text.as_string().unwrap_or_default(),
                Err(_) => {
                    message.set(Some((
                        false,
                        i18n::text(lang, Key::DataImportUnreadable).to_owned(),
                    )));
                    return;
                }
            };
            match Export::parse(&text) {
                Err(reason) => message.set(Some((
                    false,
                    i18n::fill(
                        lang,
                        Key::DataImportRefused,
                        &[("reason", &i18n::import_refusal(&reason).show(lang))],
                    ),
                ))),
                Ok(export) => match state.merge_in(&export.events) {
                    Ok(new) => message.set(Some((
                        true,
                        i18n::fill(
                            lang,
                            Key::DataImported,
                            &[
                                ("n", &new.to_string()),
                                ("total", &export.events.len().to_string()),
                            ],
                        ),
                    ))),
                    Err(err) => message.set(Some((false, err.to_string()))),
                },
            }
        });
    };
    let reset = move |_| {
        state.log.update(|log| log.clear());
        storage::clear_reading_positions();
        confirming.set(false);
        message.set(Some((true, tr(Key::DataResetDone)().to_owned())));
    };
    view! {
        <section class="card your-data" aria-labelledby="data-heading">
            <h2 id="data-heading">{tr(Key::DataTitle)}</h2>
            <p class="muted">{tr(Key::DataIntro)}</p>
            <div class="button-row">
                <button type="button" class="button" on:click=export>{tr(Key::DataExport)}</button>
                <label class="button" for="import-file">{tr(Key::DataImport)}</label>
                <input id="import-file" class="visually-hidden" type="file" accept="application/json,.json" on:change=import/>
            </div>
            <p role="status" aria-live="polite">
                {move || message.get().map(|(ok, text)| view! { <span class=if ok { "good" } else { "bad" }>{text}</span> })}
            </p>
            <Show when=move || confirming.get() fallback=move || view! {
                <button type="button" class="button danger" on:click=move |_| confirming.set(true)>{tr(Key::DataReset)}</button>
            }>
                <div class="confirm" role="alertdialog" aria-labelledby="reset-question">
                    <p id="reset-question"><strong>{tr(Key::DataResetConfirm)}</strong></p>
                    <div class="button-row">
                        <button type="button" class="button danger" on:click=reset>{tr(Key::DataResetYes)}</button>
                        <button type="button" class="button" on:click=move |_| confirming.set(false)>{tr(Key::Cancel)}</button>
                    </div>
                </div>
            </Show>
        </section>
    }
}

/// What a set-aside storage entry held, in the learner's words (the
/// technical reason stays with the kept copy, and in the key's tooltip).
fn aside_kind(key: &str) -> Key {
    match key {
        "qinglian.settings" => Key::AsideSettings,
        "qinglian.sync" => Key::AsideSync,
        _ => Key::AsideEvents,
    }
}

/// Offers `text` as a file download.
fn download(name: &str, text: &str) -> Result<(), i18n::Message> {
    let not_made = || i18n::Message::key(Key::ErrFileNotMade);
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| not_made())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| not_made())?;
    let anchor: web_sys::HtmlAnchorElement = document()
        .create_element("a")
        .map_err(|_| not_made())?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

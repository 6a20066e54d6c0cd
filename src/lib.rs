//! Qinglian's browser app (Leptos, client-side rendered). Pages live in
//! `pages/`, reusable pieces in `components/`; rules come from `qinglian-core`.

pub mod components;
pub mod pack;
pub mod pages;
pub mod pwa;
pub mod state;
pub mod storage;
pub mod study_time;
pub mod sync;
pub mod timing;
pub mod today_picture;
pub mod together;

use components::{icons::BrandMark, layout::Layout, welcome::Welcome};
use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use pages::{
    admin::AdminPage,
    ask::AskPage,
    assignments::AssignmentsPage,
    certificate::CertificatePage,
    feedback::FeedbackPage,
    lesson::LessonPage,
    library::LibraryPage,
    not_found::Elsewhere,
    plan::PlanPage,
    pledge::PledgePage,
    progress::ProgressPage,
    review::ReviewPage,
    risk::{RiskCheckPage, RiskListPage},
    scenario::{ScenarioPage, ScenariosPage},
    sessions::{CheckInLinkPage, ScheduleSessionPage, SessionPage, SessionsPage},
    settings::SettingsPage,
    today::TodayPage,
    unit::UnitPage,
};
use qinglian_core::app_parts::AppPart;
use state::AppState;

/// The frame both parts of the app share: state in context, the router, the
/// layout and the first-run welcome around the part's own routes.
#[component]
fn Frame(children: ChildrenFn) -> impl IntoView {
    pages::not_found::note_loaded_path();
    let state = AppState::start();
    provide_context(state);
    provide_context(state.settings);
    let needs_welcome = move || state.settings.with(|s| s.tier.is_none());
    view! {
        <Router>
            <Layout>
                <Show when=move || !needs_welcome() fallback=|| view! { <Welcome/> }>
                    {children()}
                </Show>
            </Layout>
        </Router>
    }
}

/// The study part (`index.html`): every page a learner needs with no server,
/// so it is what a first visit downloads and what the home-screen icon opens.
#[component]
pub fn StudyApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| view! { <Elsewhere here=AppPart::Study/> }>
                <Route path=path!("/") view=TodayPage/>
                <Route path=path!("/library") view=LibraryPage/>
                <Route path=path!("/lesson/:id") view=LessonPage/>
                <Route path=path!("/progress") view=ProgressPage/>
                <Route path=path!("/settings") view=SettingsPage/>
                <Route path=path!("/review") view=ReviewPage/>
                <Route path=path!("/scenarios") view=ScenariosPage/>
                <Route path=path!("/scenario/:id") view=ScenarioPage/>
                <Route path=path!("/plan") view=PlanPage/>
                <Route path=path!("/risk") view=RiskListPage/>
                <Route path=path!("/risk/:id") view=RiskCheckPage/>
                <Route path=path!("/pledge") view=PledgePage/>
                <Route path=path!("/certificate/:track") view=CertificatePage/>
                <Route path=path!("/join") view=SettingsPage/>
            </Routes>
        </Frame>
    }
}

/// The bureau part (`bureau.html`): studying together, the unit report and
/// the administration, loaded when one of them is opened (see
/// `qinglian_core::app_parts`).
#[component]
pub fn BureauApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| view! { <Elsewhere here=AppPart::Bureau/> }>
                <Route path=path!("/unit") view=UnitPage/>
                <Route path=path!("/admin") view=AdminPage/>
                <Route path=path!("/sessions") view=SessionsPage/>
                <Route path=path!("/ask") view=AskPage/>
                <Route path=path!("/feedback") view=FeedbackPage/>
                <Route path=path!("/assignments") view=AssignmentsPage/>
                <Route path=path!("/sessions/new") view=ScheduleSessionPage/>
                <Route path=path!("/sessions/check-in") view=CheckInLinkPage/>
                <Route path=path!("/sessions/:id") view=SessionPage/>
            </Routes>
        </Frame>
    }
}

/// The welcome part (`welcome.html`): what the server sends a first visit
/// (see `qinglian_core::app_parts::welcome_first`), the first-run welcome and
/// nothing else, so it is on screen long before the study part could be.
/// It registers the service worker, which downloads the whole app while the
/// learner chooses; the tier chosen and kept, the page loads again as the
/// study part on the same address.
#[component]
pub fn WelcomeApp() -> impl IntoView {
    let settings = RwSignal::new(storage::load_settings());
    provide_context(settings);
    let storage_error = RwSignal::new(None::<storage::StorageError>);
    Effect::new(move |_| {
        let current = settings.get();
        state::apply_to_document(&current);
        let saved = storage::save_settings(&current);
        storage_error.set(saved.err());
        if current.tier.is_none() {
            return;
        }
        // On to the study part, which the server sends once the browser
        // keeps the started cookie. Settings the browser refused to keep
        // are asked for again there, with the reason shown, as before.
        if storage::note_started() {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        } else if storage_error.with_untracked(Option::is_none) {
            storage_error.set(Some(storage::StorageError::Unavailable(
                "the browser keeps no cookie for this site".to_owned(),
            )));
        }
    });
    pwa::register(|| {});
    let brand = state::tr(qinglian_core::i18n::Key::AppName);
    view! {
        <header class="top-bar">
            <a class="brand" href="/">
                <BrandMark/>
                <span>{brand}</span>
            </a>
        </header>
        <Show when=move || storage_error.with(Option::is_some)>
            <div class="banner error" role="alert">
                {move || {
                    let lang = settings.with(|s| s.lang);
                    storage_error.with(|e| e.as_ref().map(|e| e.message().show(lang)))
                }}
            </div>
        </Show>
        <div class="frame">
            <main id="main" tabindex="-1"><Welcome/></main>
        </div>
    }
}

/// Starts a part of the app: index.html's stand-in goes as the app's own
/// frame arrives, then the part mounts (out of sight while Today's picture
/// is on screen: see [`today_picture`]). Called by each part's `main`.
pub fn start<V: IntoView + 'static>(app: fn() -> V) {
    timing::mark("wasm-started");
    console_error_panic_hook::set_once();
    if let Some(shell) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot-shell"))
    {
        shell.remove();
    }
    leptos::mount::mount_to(today_picture::app_root(), app).forget();
    timing::mark("mounted");
}

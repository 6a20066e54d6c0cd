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
pub mod together;

use components::{layout::Layout, welcome::Welcome};
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
    not_found::NotFoundPage,
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
use state::AppState;

/// The whole app: state in context, the layout, and one route per page.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::start();
    provide_context(state);
    let needs_welcome = move || state.settings.with(|s| s.tier.is_none());
    view! {
        <Router>
            <Layout>
                <Show when=move || !needs_welcome() fallback=|| view! { <Welcome/> }>
                    <Routes fallback=|| view! { <NotFoundPage/> }>
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
                        <Route path=path!("/unit") view=UnitPage/>
                        <Route path=path!("/admin") view=AdminPage/>
                        <Route path=path!("/join") view=SettingsPage/>
                        <Route path=path!("/sessions") view=SessionsPage/>
                        <Route path=path!("/ask") view=AskPage/>
                        <Route path=path!("/feedback") view=FeedbackPage/>
                        <Route path=path!("/assignments") view=AssignmentsPage/>
                        <Route path=path!("/sessions/new") view=ScheduleSessionPage/>
                        <Route path=path!("/sessions/check-in") view=CheckInLinkPage/>
                        <Route path=path!("/sessions/:id") view=SessionPage/>
                    </Routes>
                </Show>
            </Layout>
        </Router>
    }
}

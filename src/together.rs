//! Studying together on the phone: what the bureau server last said about the
//! unit's study sessions, questions, feedback rounds and assignments (kept so
//! that all of it stays readable offline), and the outbox of requests written
//! offline (a question, an answer, a schedule, a rating) that go up with the
//! next sync. The sending and fetching are in `sync`; the rules in
//! `qinglian_core::together`.

use crate::state::{now_ms, AppState};
use crate::storage;
use leptos::prelude::*;
use qinglian_core::events::EventKind;
use qinglian_core::sync::{Role, User};
use qinglian_core::together::{
    AnswerRequest, Assignment, CheckInState, FeedbackAnswer, FeedbackResults, FeedbackRound,
    LedUnit, MinutesRequest, NewAssignment, NewFeedbackRound, NewQuestion, NewStudySession,
    PublishRequest, QuestionsView, StudySession,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

const VIEW_KEY: &str = "qinglian.together";
const REQUESTS_KEY: &str = "qinglian.requests";
const SEEN_KEY: &str = "qinglian.together-seen";

/// The server's last word on everything shared with the unit. Kept in
/// storage as the server's own JSON (see `save_view`): only read, never
/// written back, so the app carries no code to write these types.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct TogetherView {
    pub sessions: Vec<StudySession>,
    pub questions: QuestionsView,
    pub rounds: Vec<FeedbackRound>,
    /// Results of closed rounds the reader may see, by round.
    pub results: BTreeMap<i64, FeedbackResults>,
    pub assignments: Vec<Assignment>,
    /// For leaders: the units they address, with their members.
    pub units: Vec<LedUnit>,
    /// When it was fetched (ms); `None`: never.
    pub fetched_at: Option<i64>,
}

/// A write made on this phone, waiting for the server. (Externally tagged:
/// an internally tagged enum costs the wasm much more code to read.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    ScheduleSession(NewStudySession),
    CancelSession {
        session: i64,
    },
    SaveMinutes {
        session: i64,
        minutes: MinutesRequest,
    },
    Ask(NewQuestion),
    Answer {
        question: i64,
        answer: AnswerRequest,
    },
    Publish {
        question: i64,
        publish: PublishRequest,
    },
    OpenRound(NewFeedbackRound),
    AnswerRound {
        round: i64,
        answer: FeedbackAnswer,
    },
    Assign(NewAssignment),
    CancelAssignment {
        assignment: i64,
    },
}

impl Request {
    /// The HTTP method, path and JSON body that carry it.
    pub fn http(&self) -> (&'static str, String, String) {
        match self {
            Request::ScheduleSession(s) => ("POST", "/api/v1/sessions".into(), json(s)),
            Request::CancelSession { session } => (
                "POST",
                format!("/api/v1/sessions/{session}/cancel"),
                "{}".to_owned(),
            ),
            Request::SaveMinutes { session, minutes } => (
                "PUT",
                format!("/api/v1/sessions/{session}/minutes"),
                json(minutes),
            ),
            Request::Ask(q) => ("POST", "/api/v1/questions".into(), json(q)),
            Request::Answer { question, answer } => (
                "POST",
                format!("/api/v1/questions/{question}/answer"),
                json(answer),
            ),
            Request::Publish { question, publish } => (
                "POST",
                format!("/api/v1/questions/{question}/publish"),
                json(publish),
            ),
            Request::OpenRound(r) => ("POST", "/api/v1/feedback/rounds".into(), json(r)),
            Request::AnswerRound { round, answer } => (
                "POST",
                format!("/api/v1/feedback/rounds/{round}/answers"),
                json(answer),
            ),
            Request::Assign(a) => ("POST", "/api/v1/assignments".into(), json(a)),
            Request::CancelAssignment { assignment } => (
                "POST",
                format!("/api/v1/assignments/{assignment}/cancel"),
                "{}".to_owned(),
            ),
        }
    }
}

/// A request body as JSON text.
fn json<T: Serialize>(body: &T) -> String {
    serde_json::to_string(body).expect("request bodies serialise")
}

/// Why the server did not take a queued request (kept with it, so the
/// person can read it, fix or drop it: nothing is thrown away unasked).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refused {
    pub status: u16,
    /// The server's own words (English), for the curious and for support.
    pub detail: Option<String>,
}

/// One request in the outbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// Its own id (a UUID), for removing it.
    pub id: String,
    /// The account it was written under: sent only while that account is signed in.
    pub user_id: i64,
    pub queued_at: i64,
    pub request: Request,
    /// Set when the server refused it.
    #[serde(default)]
    pub refused: Option<Refused>,
}

/// The signals of studying together.
#[derive(Clone, Copy)]
pub struct TogetherState {
    pub view: RwSignal<TogetherView>,
    pub outbox: RwSignal<Vec<Queued>>,
    /// Question ids whose answer the asker has seen (for "New answer").
    pub seen_answers: RwSignal<BTreeSet<i64>>,
}

impl TogetherState {
    /// Loads what is stored; an unreadable entry is set aside, never lost.
    pub fn load() -> TogetherState {
        TogetherState {
            view: RwSignal::new(storage::load_json(VIEW_KEY).unwrap_or_default()),
            outbox: RwSignal::new(storage::load_json(REQUESTS_KEY).unwrap_or_default()),
            seen_answers: RwSignal::new(storage::load_json(SEEN_KEY).unwrap_or_default()),
        }
    }
}

impl Default for TogetherState {
    fn default() -> Self {
        TogetherState::load()
    }
}

/// Puts a request in the outbox (saved at once) and asks for a sync. Returns
/// false, with the storage notice shown, when the phone could not save it.
pub fn queue(state: AppState, request: Request) -> bool {
    let Some(user) = state.sync.record.with_untracked(|r| r.user.clone()) else {
        return false;
    };
    let queued = Queued {
        id: storage::new_uuid(),
        user_id: user.id,
        queued_at: now_ms(),
        request,
        refused: None,
    };
    let mut saved = Ok(());
    state.together.outbox.update(|outbox| {
        outbox.push(queued.clone());
        saved = storage::save_json(REQUESTS_KEY, outbox);
        if saved.is_err() {
            outbox.pop();
        }
    });
    match saved {
        Ok(()) => {
            crate::sync::request_sync(state);
            true
        }
        Err(err) => {
            state.storage_error.set(Some(err));
            false
        }
    }
}

/// Changes the outbox and saves it.
pub fn update_outbox(state: AppState, change: impl FnOnce(&mut Vec<Queued>)) {
    state.together.outbox.update(|outbox| {
        change(outbox);
        if let Err(err) = storage::save_json(REQUESTS_KEY, outbox) {
            state.storage_error.set(Some(err));
        }
    });
}

/// The stored form of a [`TogetherView`]: the server's answers as received
/// (sessions, questions, rounds, assignments, units; the results by round),
/// put into one JSON document that reads back as the view.
pub fn stored_view(fetched_at: i64, lists: [&str; 5], results: &[(i64, String)]) -> String {
    let [sessions, questions, rounds, assignments, units] = lists;
    let results: Vec<String> = results
        .iter()
        .map(|(round, json)| format!("\"{round}\":{json}"))
        .collect();
    format!(
        "{{\"fetched_at\":{fetched_at},\"sessions\":{sessions},\"questions\":{questions},\"rounds\":{rounds},\"assignments\":{assignments},\"units\":{units},\"results\":{{{}}}}}",
        results.join(",")
    )
}

/// Keeps what the server said: `stored` is the same as `view`, as the
/// server's own JSON texts put together (see `sync::refresh_together`).
pub fn save_view(state: AppState, view: TogetherView, stored: &str) {
    if let Err(err) = storage::write_raw(VIEW_KEY, stored) {
        state.storage_error.set(Some(err));
    }
    state.together.view.set(view);
}

/// Marks answers as seen by the asker.
pub fn mark_answers_seen(state: AppState, ids: impl IntoIterator<Item = i64>) {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.iter().all(|id| {
        state
            .together
            .seen_answers
            .with_untracked(|s| s.contains(id))
    }) {
        return;
    }
    state.together.seen_answers.update(|seen| {
        seen.extend(ids);
        let _ = storage::save_json(SEEN_KEY, seen);
    });
}

/// Forgets everything of the signed-out account (the caller made sure
/// nothing waits, or the person agreed).
pub fn forget(state: AppState) {
    for key in [VIEW_KEY, REQUESTS_KEY, SEEN_KEY] {
        storage::remove(key);
    }
    state.together.view.set(TogetherView::default());
    state.together.outbox.set(Vec::new());
    state.together.seen_answers.set(BTreeSet::new());
}

/// Requests of the signed-in account still waiting (refused ones included:
/// they wait for the person's decision).
pub fn waiting_requests(state: &AppState) -> usize {
    let user = state.sync.record.with(|r| r.user.as_ref().map(|u| u.id));
    state
        .together
        .outbox
        .with(|o| o.iter().filter(|q| Some(q.user_id) == user).count())
}

/// The signed-in account.
pub fn user(state: &AppState) -> Option<User> {
    state.sync.record.with(|r| r.user.clone())
}

/// May schedule sessions, assign study and answer questions.
pub fn is_leader(user: &User) -> bool {
    matches!(user.role, Role::Leader | Role::Admin)
}

/// A check-in the server refused does not count: this phone records a void
/// of it (once), so credits and attendance follow the server's judgement.
pub fn void_refused_check_ins(state: AppState) {
    let refused: Vec<String> = state.together.view.with_untracked(|v| {
        v.sessions
            .iter()
            .filter_map(|s| s.my_check_in.as_ref())
            .filter(|c| matches!(c.state, CheckInState::Refused { .. }))
            .map(|c| c.event_id.clone())
            .collect()
    });
    if refused.is_empty() {
        return;
    }
    // Voids and check-ins may be anywhere in the log.
    state.complete_log();
    let to_void: Vec<String> = state.log.with_untracked(|log| {
        let events = log.all().unwrap_or_default();
        let voided: BTreeSet<&str> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Void { target } => Some(target.as_str()),
                _ => None,
            })
            .collect();
        refused
            .iter()
            .filter(|id| !voided.contains(id.as_str()) && events.iter().any(|e| &e.id == *id))
            .cloned()
            .collect()
    });
    for target in to_void {
        state.record(EventKind::Void { target });
    }
}

/// This phone's check-in for a session: the server's judgement, or "to be
/// confirmed" when the event has not been judged yet.
#[derive(Clone, Debug, PartialEq)]
pub enum MyCheckIn {
    None,
    Waiting,
    Judged(CheckInState),
}

/// Where this phone stands with a session's check-in.
pub fn my_check_in(state: &AppState, session: &StudySession) -> MyCheckIn {
    let recorded = state
        .progress
        .with(|p| p.sessions_attended.contains_key(&session.id));
    match (&session.my_check_in, recorded) {
        (Some(check_in), _) => {
            // A newer check-in after a refusal waits for its own judgement.
            let judged_is_latest = state.log.with(|log| {
                // Until the whole log is read (just after start-up), the
                // events read: shown again when the rest comes in.
                let latest = log
                    .all()
                    .unwrap_or(log.recent())
                    .iter()
                    .filter(|e| matches!(&e.kind, EventKind::SessionCheckIn { session: s, .. } if *s == session.id))
                    .max_by_key(|e| (e.at, e.seq));
                latest.is_none_or(|e| e.id == check_in.event_id)
            });
            if judged_is_latest || !recorded {
                MyCheckIn::Judged(check_in.state.clone())
            } else {
                MyCheckIn::Waiting
            }
        }
        (None, true) => MyCheckIn::Waiting,
        (None, false) => MyCheckIn::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qinglian_core::together::{default_statements, tally, Question};

    fn json<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn the_stored_view_reads_back_as_the_view() {
        let round = FeedbackRound {
            id: 3,
            unit_id: 1,
            unit_name: "法律援助中心".into(),
            statements: default_statements(),
            opened_at: 1,
            closes_at: 2,
            may_answer: true,
            answered: false,
            may_see_results: true,
        };
        let questions = QuestionsView {
            mine: vec![Question {
                id: 9,
                unit_id: 1,
                unit_name: "法律援助中心".into(),
                text: "能否收下\"月饼\"？".into(),
                asked_at: 5,
                mine: true,
                asker_name: Some("钱立".into()),
                answer: None,
                answered_at: None,
                answered_by: None,
                published_at: None,
            }],
            ..Default::default()
        };
        let results = tally(5, &[vec![1, 2, 3, 4, 5]], vec![]);
        let stored = stored_view(
            42,
            [
                "[]",
                &json(&questions),
                &json(&vec![round.clone()]),
                "[]",
                "[]",
            ],
            &[(3, json(&results))],
        );
        let view: TogetherView = serde_json::from_str(&stored).expect("reads back");
        assert_eq!(view.fetched_at, Some(42));
        assert_eq!(view.questions, questions);
        assert_eq!(view.rounds, vec![round]);
        assert_eq!(view.results.get(&3), Some(&results));
    }

    #[test]
    fn requests_carry_their_method_path_and_body() {
        let (method, path, body) = Request::CancelSession { session: 7 }.http();
        assert_eq!(
            (method, path.as_str(), body.as_str()),
            ("POST", "/api/v1/sessions/7/cancel", "{}")
        );
        let queued = Queued {
            id: "q1".into(),
            user_id: 1,
            queued_at: 2,
            request: Request::Publish {
                question: 4,
                publish: PublishRequest { publish: true },
            },
            refused: None,
        };
        let back: Queued = serde_json::from_str(&serde_json::to_string(&queued).unwrap()).unwrap();
        assert_eq!(back, queued);
    }
}

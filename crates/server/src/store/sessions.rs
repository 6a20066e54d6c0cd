//! What the store keeps for studying together: group study sessions, the
//! server's verdicts on check-ins, and assignments; and what the unit
//! report needs of the members' events for them. A trait of its own, so a
//! PostgreSQL store implements it beside [`super::Store`].

use super::StoreError;
use async_trait::async_trait;
use qinglian_core::together::{AssignedItem, CheckInRefusal, SessionKind, SessionMinutes};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A new study session, checked by the handler, its secret drawn.
#[derive(Clone, Debug)]
pub struct NewSessionRow {
    pub client_id: String,
    pub unit_id: i64,
    pub kind: SessionKind,
    pub topic: String,
    pub lessons: Vec<String>,
    pub scenario: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub convener_id: i64,
    pub scheduled_by: i64,
    pub secret: String,
}

/// A study session as stored, everything included: the handler decides
/// what each reader sees of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind: SessionKind,
    pub topic: String,
    pub lessons: Vec<String>,
    pub scenario: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub convener_id: i64,
    pub convener_name: String,
    pub scheduled_by: i64,
    pub secret: String,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
    pub minutes: Option<SessionMinutes>,
    pub summary_published_at: Option<i64>,
}

/// A `session_check_in` event the server has not judged yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingCheckIn {
    pub event_id: String,
    pub session_id: i64,
    pub code: String,
    /// When the member's phone recorded it.
    pub at: i64,
}

/// The server's verdict on one check-in event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInVerdict {
    pub event_id: String,
    pub session_id: i64,
    pub user_id: i64,
    pub at: i64,
    /// `Ok(shown_at)`: confirmed; the minute the code was shown.
    pub outcome: Result<i64, CheckInRefusal>,
}

/// A new assignment, checked by the handler.
#[derive(Clone, Debug)]
pub struct NewAssignmentRow {
    pub client_id: String,
    pub unit_id: i64,
    pub items: Vec<AssignedItem>,
    pub due_at: i64,
    pub note: String,
    pub assigned_by: i64,
}

/// An assignment as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignmentRecord {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub items: Vec<AssignedItem>,
    pub due_at: i64,
    pub note: String,
    pub assigned_by: i64,
    pub assigned_by_name: String,
    pub assigned_at: i64,
    pub cancelled_at: Option<i64>,
}

/// What completes assignments and prepares sessions, per member, from their
/// stored events that no void names (the parts of
/// `qinglian_core::progress::Progress` that `AssignedItem::done` reads).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StudyFacts {
    /// Lesson id → first marked done (ms).
    pub lessons_done: BTreeMap<String, i64>,
    /// Scenarios played to their end.
    pub scenarios: BTreeSet<String>,
    /// Risk checklists completed.
    pub checklists: BTreeSet<String>,
    /// Pledge versions acknowledged.
    pub pledges: BTreeSet<u32>,
}

/// How a unit's members answered one question (all their answers counted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionTally {
    pub lesson: String,
    pub question: String,
    pub answers: u64,
    pub wrong: u64,
}

/// Storage of studying together. Every method is one transaction.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a session; when `(scheduled_by, client_id)` is taken, changes
    /// nothing and returns the stored one. `true` when it was created.
    async fn create_study_session(
        &self,
        session: NewSessionRow,
        now: i64,
    ) -> Result<(SessionRecord, bool), StoreError>;

    /// One session.
    async fn study_session(&self, id: i64) -> Result<Option<SessionRecord>, StoreError>;

    /// The sessions ending at or after `ends_after`, by `starts_at` newest first.
    async fn study_sessions_since(&self, ends_after: i64)
        -> Result<Vec<SessionRecord>, StoreError>;

    /// Cancels a session (a cancelled one stays as it was).
    async fn cancel_study_session(
        &self,
        id: i64,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError>;

    /// Replaces the minutes; `publish` publishes the summary (once
    /// published it stays published).
    async fn set_session_minutes(
        &self,
        id: i64,
        minutes: &SessionMinutes,
        publish: bool,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError>;

    /// The user's stored `session_check_in` events without a verdict.
    async fn pending_check_ins(&self, user_id: i64) -> Result<Vec<PendingCheckIn>, StoreError>;

    /// Keeps verdicts; an event already judged keeps its first verdict.
    async fn record_check_ins(
        &self,
        verdicts: &[CheckInVerdict],
        now: i64,
    ) -> Result<(), StoreError>;

    /// The verdicts on check-ins to these sessions whose event is not
    /// voided, oldest first (by the phone's time).
    async fn check_ins_of(&self, session_ids: &[i64]) -> Result<Vec<CheckInVerdict>, StoreError>;

    /// Stores an assignment; when `(assigned_by, client_id)` is taken,
    /// changes nothing and returns the stored one. `true` when created.
    async fn create_assignment(
        &self,
        assignment: NewAssignmentRow,
        now: i64,
    ) -> Result<(AssignmentRecord, bool), StoreError>;

    /// One assignment.
    async fn assignment(&self, id: i64) -> Result<Option<AssignmentRecord>, StoreError>;

    /// The assignments due at or after `due_after`, cancelled ones too, by
    /// due time.
    async fn assignments_since(&self, due_after: i64) -> Result<Vec<AssignmentRecord>, StoreError>;

    /// Cancels an assignment (a cancelled one stays as it was).
    async fn cancel_assignment(
        &self,
        id: i64,
        now: i64,
    ) -> Result<Option<AssignmentRecord>, StoreError>;

    /// [`StudyFacts`] of these users, aggregated by the database.
    async fn study_facts(&self, user_ids: &[i64]) -> Result<HashMap<i64, StudyFacts>, StoreError>;

    /// The answers of these users per (lesson, question), voided ones left out.
    async fn question_tallies(&self, user_ids: &[i64]) -> Result<Vec<QuestionTally>, StoreError>;
}

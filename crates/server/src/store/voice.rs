//! What "ask a leader" and the anonymous feedback rounds keep: questions with
//! their answers, feedback rounds, who answered a round and, apart from it,
//! the answers. A trait of its own so that the SQLite store and a later
//! PostgreSQL one implement the same thing, and no SQL leaves `store/`.

use super::StoreError;
use async_trait::async_trait;
use qinglian_core::together::Statement;

/// A question as stored, with the names the handlers may (or may not) show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredQuestion {
    pub id: i64,
    /// The asker: never sent to anyone but the asker and, with `show_name`,
    /// the leaders.
    pub user_id: i64,
    pub asker_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub text: String,
    pub show_name: bool,
    pub asked_at: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
    /// The answering leader's display name.
    pub answered_by: Option<String>,
    pub published_at: Option<i64>,
}

/// A new question, checked.
#[derive(Clone, Debug)]
pub struct NewQuestionRecord<'a> {
    pub user_id: i64,
    pub client_id: &'a str,
    /// The asker's unit when asking.
    pub unit_id: i64,
    pub text: &'a str,
    pub show_name: bool,
}

/// Which questions a list holds.
#[derive(Clone, Copy, Debug)]
pub enum Units<'a> {
    /// Every unit (administrators).
    All,
    /// These units only.
    Only(&'a [i64]),
}

/// A feedback round as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRound {
    pub id: i64,
    pub opened_by: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub statements: Vec<Statement>,
    pub opened_at: i64,
    pub closes_at: i64,
}

/// A new round, checked.
#[derive(Clone, Debug)]
pub struct NewRoundRecord<'a> {
    pub opened_by: i64,
    pub client_id: &'a str,
    pub unit_id: i64,
    pub statements: &'a [Statement],
    pub closes_at: i64,
}

/// What recording an answer did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// Stored now.
    Recorded,
    /// This member already answered with this `client_id`: a retry.
    Retry,
    /// This member already answered with another `client_id`.
    AlreadyAnswered,
    /// This `client_id` was used by this account for another round.
    ClientIdUsed,
    /// The round has closed (or does not exist): nothing was stored.
    Closed,
}

/// One stored answer: ratings in statement order and the comment. Carries
/// nothing that could tell whose it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAnswer {
    pub ratings: Vec<u8>,
    pub comment: Option<String>,
}

/// Questions, answers, feedback rounds and anonymous feedback answers.
/// Every method is one transaction.
#[async_trait]
pub trait VoiceStore: Send + Sync {
    /// Stores a question, or finds the one this account sent with this
    /// `client_id` (`false`: it existed, nothing was stored).
    async fn ask(
        &self,
        question: NewQuestionRecord<'_>,
        now: i64,
    ) -> Result<(StoredQuestion, bool), StoreError>;

    /// One question.
    async fn question(&self, id: i64) -> Result<Option<StoredQuestion>, StoreError>;

    /// The questions this account asked, newest first.
    async fn questions_of(&self, user_id: i64) -> Result<Vec<StoredQuestion>, StoreError>;

    /// The questions asked in these units: unanswered first (oldest first),
    /// then the answered ones (latest answer first).
    async fn questions_in(&self, units: Units<'_>) -> Result<Vec<StoredQuestion>, StoreError>;

    /// The published questions of these units, latest published first.
    async fn published_questions(
        &self,
        units: Units<'_>,
    ) -> Result<Vec<StoredQuestion>, StoreError>;

    /// Unanswered questions of these units asked before `asked_before`,
    /// oldest first.
    async fn open_questions(
        &self,
        unit_ids: &[i64],
        asked_before: i64,
    ) -> Result<Vec<StoredQuestion>, StoreError>;

    /// Sets or replaces the answer; `publish` also publishes it (keeping an
    /// earlier publication time). `None` when there is no such question.
    async fn answer_question(
        &self,
        id: i64,
        answer: &str,
        answered_by: i64,
        publish: bool,
        now: i64,
    ) -> Result<Option<StoredQuestion>, StoreError>;

    /// Publishes (keeping an earlier publication time) or withdraws an
    /// answered question; [`StoreError::Refused`] when it has no answer.
    async fn publish_question(
        &self,
        id: i64,
        publish: bool,
        now: i64,
    ) -> Result<Option<StoredQuestion>, StoreError>;

    /// Opens a round, or finds the one this account opened with this
    /// `client_id` (`false`: it existed, nothing was stored).
    /// [`StoreError::UnknownUnit`] for a unit that does not exist or is archived.
    async fn open_round(
        &self,
        round: NewRoundRecord<'_>,
        now: i64,
    ) -> Result<(StoredRound, bool), StoreError>;

    /// The round this account opened with this `client_id`.
    async fn round_by_client_id(
        &self,
        user_id: i64,
        client_id: &str,
    ) -> Result<Option<StoredRound>, StoreError>;

    /// One round.
    async fn round(&self, id: i64) -> Result<Option<StoredRound>, StoreError>;

    /// Every round closing after `closes_after`, newest first.
    async fn rounds(&self, closes_after: i64) -> Result<Vec<StoredRound>, StoreError>;

    /// The rounds (of these) this account has answered.
    async fn rounds_answered_by(
        &self,
        user_id: i64,
        round_ids: &[i64],
    ) -> Result<Vec<i64>, StoreError>;

    /// Records that this member answered and, in another table without any
    /// link to them, the answer; both in one transaction, or neither. Only
    /// while the round is open at `now`; a retry is recognised even after.
    async fn record_answer(
        &self,
        round_id: i64,
        user_id: i64,
        client_id: &str,
        answer: &StoredAnswer,
        now: i64,
    ) -> Result<AnswerOutcome, StoreError>;

    /// The answers of a round, in the table's (random) order.
    async fn answers(&self, round_id: i64) -> Result<Vec<StoredAnswer>, StoreError>;
}

//! SCAFFOLD: [`VoiceStore`] on PostgreSQL.
#![allow(unused_variables)]

use super::voice::{
    AnswerOutcome, NewQuestionRecord, NewRoundRecord, StoredAnswer, StoredQuestion, StoredRound,
    Units, VoiceStore,
};
use super::{PgStore, StoreError};
use async_trait::async_trait;
use qinglian_core::together::Statement;

#[async_trait]
impl VoiceStore for PgStore {
    async fn ask(
        &self,
        question: NewQuestionRecord<'_>,
        now: i64,
    ) -> Result<(StoredQuestion, bool), StoreError> {
        todo!()
    }

    async fn question(&self, id: i64) -> Result<Option<StoredQuestion>, StoreError> {
        todo!()
    }

    async fn questions_of(&self, user_id: i64) -> Result<Vec<StoredQuestion>, StoreError> {
        todo!()
    }

    async fn questions_in(&self, units: Units<'_>) -> Result<Vec<StoredQuestion>, StoreError> {
        todo!()
    }

    async fn published_questions(
        &self,
        units: Units<'_>,
    ) -> Result<Vec<StoredQuestion>, StoreError> {
        todo!()
    }

    async fn open_questions(
        &self,
        unit_ids: &[i64],
        asked_before: i64,
    ) -> Result<Vec<StoredQuestion>, StoreError> {
        todo!()
    }

    async fn answer_question(
        &self,
        id: i64,
        answer: &str,
        answered_by: i64,
        publish: bool,
        now: i64,
    ) -> Result<Option<StoredQuestion>, StoreError> {
        todo!()
    }

    async fn publish_question(
        &self,
        id: i64,
        publish: bool,
        now: i64,
    ) -> Result<Option<StoredQuestion>, StoreError> {
        todo!()
    }

    async fn open_round(
        &self,
        round: NewRoundRecord<'_>,
        now: i64,
    ) -> Result<(StoredRound, bool), StoreError> {
        todo!()
    }

    async fn round_by_client_id(
        &self,
        user_id: i64,
        client_id: &str,
    ) -> Result<Option<StoredRound>, StoreError> {
        todo!()
    }

    async fn round(&self, id: i64) -> Result<Option<StoredRound>, StoreError> {
        todo!()
    }

    async fn rounds(&self, closes_after: i64) -> Result<Vec<StoredRound>, StoreError> {
        todo!()
    }

    async fn rounds_answered_by(
        &self,
        user_id: i64,
        round_ids: &[i64],
    ) -> Result<Vec<i64>, StoreError> {
        todo!()
    }

    async fn record_answer(
        &self,
        round_id: i64,
        user_id: i64,
        client_id: &str,
        answer: &StoredAnswer,
        now: i64,
    ) -> Result<AnswerOutcome, StoreError> {
        todo!()
    }

    async fn answers(&self, round_id: i64) -> Result<Vec<StoredAnswer>, StoreError> {
        todo!()
    }
}

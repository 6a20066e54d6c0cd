//! SCAFFOLD: [`SessionStore`] on PostgreSQL.
#![allow(unused_variables)]

use super::sessions::{
    AssignmentRecord, CheckInVerdict, NewAssignmentRow, NewSessionRow, PendingCheckIn,
    QuestionTally, SessionRecord, SessionStore, StudyFacts,
};
use super::{PgStore, StoreError};
use async_trait::async_trait;
use qinglian_core::together::{AssignedItem, CheckInRefusal, SessionKind, SessionMinutes};
use std::collections::HashMap;

#[async_trait]
impl SessionStore for PgStore {
    async fn create_study_session(
        &self,
        session: NewSessionRow,
        now: i64,
    ) -> Result<(SessionRecord, bool), StoreError> {
        todo!()
    }

    async fn study_session(&self, id: i64) -> Result<Option<SessionRecord>, StoreError> {
        todo!()
    }

    async fn study_sessions_since(
        &self,
        ends_after: i64,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        todo!()
    }

    async fn cancel_study_session(
        &self,
        id: i64,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        todo!()
    }

    async fn set_session_minutes(
        &self,
        id: i64,
        minutes: &SessionMinutes,
        publish: bool,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        todo!()
    }

    async fn pending_check_ins(&self, user_id: i64) -> Result<Vec<PendingCheckIn>, StoreError> {
        todo!()
    }

    async fn record_check_ins(
        &self,
        verdicts: &[CheckInVerdict],
        now: i64,
    ) -> Result<(), StoreError> {
        todo!()
    }

    async fn check_ins_of(&self, session_ids: &[i64]) -> Result<Vec<CheckInVerdict>, StoreError> {
        todo!()
    }

    async fn create_assignment(
        &self,
        assignment: NewAssignmentRow,
        now: i64,
    ) -> Result<(AssignmentRecord, bool), StoreError> {
        todo!()
    }

    async fn assignment(&self, id: i64) -> Result<Option<AssignmentRecord>, StoreError> {
        todo!()
    }

    async fn assignments_since(&self, due_after: i64) -> Result<Vec<AssignmentRecord>, StoreError> {
        todo!()
    }

    async fn cancel_assignment(
        &self,
        id: i64,
        now: i64,
    ) -> Result<Option<AssignmentRecord>, StoreError> {
        todo!()
    }

    async fn study_facts(&self, user_ids: &[i64]) -> Result<HashMap<i64, StudyFacts>, StoreError> {
        todo!()
    }

    async fn question_tallies(&self, user_ids: &[i64]) -> Result<Vec<QuestionTally>, StoreError> {
        todo!()
    }
}

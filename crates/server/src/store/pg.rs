//! SCAFFOLD: the PostgreSQL implementation of [`Store`].
#![allow(unused_variables)]

use super::{
    Actor, Audit, AuditEntry, AuditQuery, Credentials, Invite, NewAccount, NewInvite, NewPassword,
    PackVersion, ProgressFacts, PulledEvent, PushOutcome, RosterAccount, SessionInfo, SessionView,
    Store, StoreError, StoredPack, Unit, UserFilter, UserRecord,
};
use async_trait::async_trait;
use qinglian_core::events::Event;
use qinglian_core::sync::{Role, User};
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

/// The PostgreSQL implementation of [`Store`]: several servers may share it.
#[derive(Clone, Debug)]
pub struct PgStore {
    pub(super) pool: PgPool,
}

impl PgStore {
    /// Connects to `url` and applies the migrations that are not applied yet.
    pub async fn open(url: &str, busy_timeout: Duration) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(busy_timeout)
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations_pg")
            .run(&pool)
            .await
            .map_err(|err| StoreError::Db(format!("cannot apply the migrations: {err}")))?;
        Ok(PgStore { pool })
    }

    /// Closes the pool.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for PgStore {
    async fn create_unit(
        &self,
        name: &str,
        parent_id: Option<i64>,
        now: i64,
        audit: &Actor,
    ) -> Result<Unit, StoreError> {
        todo!()
    }

    async fn change_unit(
        &self,
        id: i64,
        name: Option<&str>,
        parent_id: Option<Option<i64>>,
        now: i64,
        audit: &Actor,
    ) -> Result<Unit, StoreError> {
        todo!()
    }

    async fn archive_unit(&self, id: i64, now: i64, audit: &Actor) -> Result<Unit, StoreError> {
        todo!()
    }

    async fn units(&self) -> Result<Vec<Unit>, StoreError> {
        todo!()
    }

    async fn member_counts(&self) -> Result<std::collections::HashMap<i64, i64>, StoreError> {
        todo!()
    }

    async fn create_invite(
        &self,
        invite: NewInvite,
        now: i64,
        audit: &Actor,
    ) -> Result<Invite, StoreError> {
        todo!()
    }

    async fn revoke_invite(
        &self,
        code: &str,
        now: i64,
        audit: &Actor,
    ) -> Result<Invite, StoreError> {
        todo!()
    }

    async fn invites(&self) -> Result<Vec<Invite>, StoreError> {
        todo!()
    }

    async fn join(&self, code: &str, account: NewAccount, now: i64) -> Result<User, StoreError> {
        todo!()
    }

    async fn create_admin(
        &self,
        account: NewAccount,
        now: i64,
        audit: &Actor,
    ) -> Result<User, StoreError> {
        todo!()
    }

    async fn credentials(&self, login: &str) -> Result<Option<Credentials>, StoreError> {
        todo!()
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError> {
        todo!()
    }

    async fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        todo!()
    }

    async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        todo!()
    }

    async fn find_users(&self, filter: &UserFilter) -> Result<(Vec<UserRecord>, u64), StoreError> {
        todo!()
    }

    async fn update_user(
        &self,
        id: i64,
        role: Option<Role>,
        unit_id: Option<i64>,
        now: i64,
        audit: &Actor,
    ) -> Result<UserRecord, StoreError> {
        todo!()
    }

    async fn set_disabled(
        &self,
        id: i64,
        disabled: bool,
        now: i64,
        audit: &Actor,
    ) -> Result<UserRecord, StoreError> {
        todo!()
    }

    async fn set_password(
        &self,
        id: i64,
        password: NewPassword,
        keep_session: Option<i64>,
        now: i64,
        audit: Option<&Actor>,
    ) -> Result<(), StoreError> {
        todo!()
    }

    async fn import_roster(
        &self,
        accounts: Vec<RosterAccount>,
        now: i64,
        audit: &Actor,
    ) -> Result<Vec<Result<User, StoreError>>, StoreError> {
        todo!()
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        user_agent: Option<&str>,
        client_addr: Option<&str>,
    ) -> Result<(), StoreError> {
        todo!()
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: i64,
        created_after: i64,
        seen_after: i64,
    ) -> Result<Option<SessionInfo>, StoreError> {
        todo!()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        todo!()
    }

    async fn sessions_of(&self, user_id: i64) -> Result<Vec<SessionView>, StoreError> {
        todo!()
    }

    async fn delete_session_of(&self, user_id: i64, session_id: i64) -> Result<bool, StoreError> {
        todo!()
    }

    async fn purge_sessions(
        &self,
        created_before: i64,
        seen_before: i64,
    ) -> Result<u64, StoreError> {
        todo!()
    }

    async fn push(
        &self,
        user_id: i64,
        device: &str,
        events: &[Event],
        now: i64,
        max_events: u64,
    ) -> Result<PushOutcome, StoreError> {
        todo!()
    }

    async fn pull(
        &self,
        user_id: i64,
        exclude_device: Option<&str>,
        cursor: i64,
        limit: u32,
    ) -> Result<Vec<PulledEvent>, StoreError> {
        todo!()
    }

    async fn progress_facts(
        &self,
        user_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, ProgressFacts>, StoreError> {
        todo!()
    }

    async fn published_pack(&self) -> Result<Option<StoredPack>, StoreError> {
        todo!()
    }

    async fn latest_pack_id(&self) -> Result<Option<i64>, StoreError> {
        todo!()
    }

    async fn publish_pack(
        &self,
        pack: &StoredPack,
        summary: &str,
        rollback_of: Option<&str>,
        now: i64,
        audit: &Actor,
    ) -> Result<(), StoreError> {
        todo!()
    }

    async fn pack_history(&self) -> Result<Vec<PackVersion>, StoreError> {
        todo!()
    }

    async fn pack_of_version(&self, version: &str) -> Result<Option<StoredPack>, StoreError> {
        todo!()
    }

    async fn record(&self, audit: Audit<'_>, now: i64) -> Result<(), StoreError> {
        todo!()
    }

    async fn audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        todo!()
    }

    async fn backup_to(&self, path: &std::path::Path) -> Result<(), StoreError> {
        todo!()
    }
}

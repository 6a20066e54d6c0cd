//! Everything the server keeps, behind one trait, so that the embedded SQLite
//! store can be joined by a PostgreSQL one without touching a handler. No SQL
//! lives outside this module.

pub mod limits;
mod pg;
mod pg_limits;
mod pg_progress;
mod pg_sessions;
mod pg_voice;
mod progress;
mod sessions;
mod sqlite;
mod sqlite_limits;
mod sqlite_progress;
mod sqlite_sessions;
mod sqlite_voice;
pub mod voice;

pub use limits::SignInLimits;
pub use pg::PgStore;
pub use sessions::{
    AssignmentRecord, CheckInVerdict, NewAssignmentRow, NewSessionRow, PendingCheckIn,
    QuestionTally, SessionRecord, SessionStore, StudyFacts,
};
pub use sqlite::SqliteStore;
pub use voice::VoiceStore;

/// The SQLite store's default busy timeout.
pub fn sqlite_busy_timeout() -> std::time::Duration {
    sqlite::BUSY_TIMEOUT
}

use async_trait::async_trait;
use qinglian_core::events::Event;
use qinglian_core::sync::{Role, User};
use serde::Serialize;

/// A department; units form a tree through `parent_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub created_at: i64,
    /// When it was archived (empty, no longer used), if it was.
    pub archived_at: Option<i64>,
}

/// An invitation to join a unit with a role, handed out by an administrator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Invite {
    pub id: i64,
    pub code: String,
    pub unit_id: i64,
    pub role: Role,
    pub max_uses: u32,
    pub uses: u32,
    pub expires_at: i64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A new invite, its code already drawn.
#[derive(Clone, Debug)]
pub struct NewInvite {
    pub code: String,
    pub unit_id: i64,
    pub role: Role,
    pub max_uses: u32,
    pub expires_at: i64,
    /// The administrator; `None` for the command line.
    pub created_by: Option<i64>,
}

/// A new account, its password already hashed.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
}

/// An account as administrators list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserRecord {
    #[serde(flatten)]
    pub user: User,
    pub created_at: i64,
    /// When the account last pushed from any device.
    pub last_sync: Option<i64>,
    /// When it was disabled, if it is.
    pub disabled_at: Option<i64>,
    /// Signed in with a one-time password: a new one must be set.
    pub must_change_password: bool,
}

/// Who does an administrative action, for the audit log: a signed-in
/// administrator (with the client's address) or the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// The login, or `cli`.
    pub name: String,
    pub client_addr: Option<String>,
}

impl Actor {
    /// The command line (`qinglian-server admin …`).
    pub fn cli() -> Actor {
        Actor {
            user_id: None,
            name: "cli".to_owned(),
            client_addr: None,
        }
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub client_addr: Option<String>,
    pub details: serde_json::Value,
}

/// What to read of the audit log: newest first, all filters optional.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// From this time on (ms, inclusive).
    pub from: Option<i64>,
    /// Before this time (ms, exclusive).
    pub to: Option<i64>,
    /// Entries with an id below this (the previous page's `next_before`).
    pub before: Option<i64>,
    pub limit: u32,
}

/// An action for the audit log, written in the same transaction as the
/// change it records.
#[derive(Clone, Debug)]
pub struct Audit<'a> {
    pub actor: &'a Actor,
    pub action: &'static str,
    pub target: String,
    pub details: serde_json::Value,
}

/// A filter on the account list.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Part of the login or the display name, any case.
    pub search: Option<String>,
    pub unit_id: Option<i64>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub limit: u32,
    pub offset: u32,
}

/// What signing in needs of an account.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub disabled: bool,
    pub must_change_password: bool,
    /// A one-time password stops working then.
    pub password_expires_at: Option<i64>,
}

/// A live session and its account.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub user: User,
    pub session_id: i64,
    pub must_change_password: bool,
}

/// A signed-in device, as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionView {
    pub id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user_agent: Option<String>,
    pub client_addr: Option<String>,
}

/// A new password for an account.
#[derive(Clone, Debug)]
pub struct NewPassword {
    pub hash: String,
    /// A one-time password (reset, import): must be changed at sign-in.
    pub must_change: bool,
    pub expires_at: Option<i64>,
}

/// An account of a roster import, checked and hashed.
#[derive(Clone, Debug)]
pub struct RosterAccount {
    pub account: NewAccount,
    pub role: Role,
    pub unit_id: i64,
    pub password_expires_at: i64,
}

/// One published version of the content, as the history lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PackVersion {
    pub id: i64,
    pub version: String,
    pub summary: Option<String>,
    pub published_at: i64,
    /// The publisher's login; `None` for the command line.
    pub published_by: Option<String>,
    /// This row re-published an earlier version (a rollback).
    pub rollback_of: Option<String>,
}

/// What a push did, when it was accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushOutcome {
    pub acknowledged_seq: u64,
    pub stored: u32,
    pub duplicates: u32,
    /// Ids already held with another payload: not stored.
    pub conflicts: Vec<String>,
}

/// One stored event, as pulled: its server order and its JSON as stored.
#[derive(Debug)]
pub struct PulledEvent {
    pub order_id: i64,
    pub payload: Box<serde_json::value::RawValue>,
}

/// One user's events, summed up by the database for reports: the parts of
/// `qinglian_core::progress::Progress` a report shows, computed the way the
/// fold computes them (UTC days), without loading the events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgressFacts {
    /// Lesson id → first done (ms).
    pub lessons_done: std::collections::BTreeMap<String, i64>,
    /// Lesson id → its quiz record (attempts, best, last total, mastered at).
    pub quizzes: std::collections::BTreeMap<String, qinglian_core::progress::QuizRecord>,
    /// UTC day → study seconds (uncapped sums).
    pub seconds_by_day: std::collections::BTreeMap<qinglian_core::calendar::Day, i64>,
    pub pledges: std::collections::BTreeSet<u32>,
    pub risk_check_done: bool,
}

/// A published content pack: an opaque, validated JSON document.
#[derive(Clone, Debug)]
pub struct StoredPack {
    pub version: String,
    pub json: String,
}

/// Why the store refused, or failed.
#[derive(Debug)]
pub enum StoreError {
    /// A login is already taken.
    LoginTaken,
    /// A unit id that does not exist.
    UnknownUnit(i64),
    /// No invite has this code.
    UnknownInvite,
    /// The invite's time has run out.
    InviteExpired,
    /// An administrator revoked the invite (or archived its unit).
    InviteRevoked,
    /// No account with this id (or login).
    UnknownUser(String),
    /// A unit or an account cannot be changed so: the reason.
    Refused(String),
    /// The invite was used as often as allowed.
    InviteUsedUp,
    /// The device was bound to another account by its first push.
    DeviceOfOtherUser,
    /// The account would hold more events than allowed.
    TooManyEvents { held: u64, limit: u64 },
    /// The batch does not follow the seq the server holds.
    Gap {
        held: u64,
        starts_at: u64,
        jump: Option<(u64, u64)>,
    },
    /// The database stayed locked by another writer longer than the busy
    /// timeout (or no connection came free): try again soon.
    Busy,
    /// The database failed.
    Db(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::LoginTaken => f.write_str("this login is already taken"),
            StoreError::UnknownUnit(id) => write!(f, "no unit with id {id}"),
            StoreError::UnknownInvite => f.write_str("unknown invite code"),
            StoreError::InviteExpired => f.write_str("this invite code has expired"),
            StoreError::InviteRevoked => f.write_str("this invite code has been revoked"),
            StoreError::UnknownUser(who) => write!(f, "no account {who}"),
            StoreError::Refused(reason) => f.write_str(reason),
            StoreError::InviteUsedUp => {
                f.write_str("this invite code has been used as often as allowed")
            }
            StoreError::DeviceOfOtherUser => {
                f.write_str("this device id belongs to another account")
            }
            StoreError::TooManyEvents { held, limit } => write!(
                f,
                "this account holds {held} events; the server keeps at most {limit} for one account"
            ),
            StoreError::Gap {
                held,
                starts_at,
                jump,
            } => {
                write!(
                    f,
                    "gap: the server holds seq {held} for this device, the request starts at {starts_at}"
                )?;
                if let Some((from, to)) = jump {
                    write!(f, " and jumps from {from} to {to}")?;
                }
                Ok(())
            }
            StoreError::Busy => f.write_str("the database is busy"),
            StoreError::Db(err) => write!(f, "database error: {err}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
            sqlx::Error::Database(db)
                if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                    && db
                        .code()
                        .and_then(|c| c.parse::<i32>().ok())
                        .is_some_and(|c| matches!(c & 0xff, 5 | 6)) =>
            {
                StoreError::Busy
            }
            // PostgreSQL: serialization_failure, deadlock_detected (after the
            // tries the store makes), lock_not_available (`lock_timeout`) and
            // query_canceled (`statement_timeout`).
            sqlx::Error::Database(db)
                if db
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some_and(|pg| {
                        matches!(pg.code(), "40001" | "40P01" | "55P03" | "57014")
                    }) =>
            {
                StoreError::Busy
            }
            sqlx::Error::PoolTimedOut => StoreError::Busy,
            _ => StoreError::Db(err.to_string()),
        }
    }
}

/// Storage for the whole server. Every method is one transaction; writes take
/// the write lock at once (SQLite: `BEGIN IMMEDIATE`).
#[async_trait]
pub trait Store: SessionStore + VoiceStore + SignInLimits + Send + Sync + 'static {
    /// Creates a unit under an existing, unarchived parent (or at the top);
    /// sibling names are unique.
    async fn create_unit(
        &self,
        name: &str,
        parent_id: Option<i64>,
        now: i64,
        audit: &Actor,
    ) -> Result<Unit, StoreError>;

    /// Renames a unit (sibling names stay unique) and/or moves it under
    /// another unit (`Some(None)`: to the top), never below itself; both in
    /// one transaction, so a refused part changes nothing.
    async fn change_unit(
        &self,
        id: i64,
        name: Option<&str>,
        parent_id: Option<Option<i64>>,
        now: i64,
        audit: &Actor,
    ) -> Result<Unit, StoreError>;

    /// Archives a unit without accounts and without unarchived sub-units;
    /// its open invites are revoked.
    async fn archive_unit(&self, id: i64, now: i64, audit: &Actor) -> Result<Unit, StoreError>;

    /// All units, by id, archived ones too.
    async fn units(&self) -> Result<Vec<Unit>, StoreError>;

    /// Unit id → accounts in it.
    async fn member_counts(&self) -> Result<std::collections::HashMap<i64, i64>, StoreError>;

    /// Stores a new invite for an existing, unarchived unit.
    async fn create_invite(
        &self,
        invite: NewInvite,
        now: i64,
        audit: &Actor,
    ) -> Result<Invite, StoreError>;

    /// Revokes an invite (by code); revoking twice changes nothing.
    async fn revoke_invite(
        &self,
        code: &str,
        now: i64,
        audit: &Actor,
    ) -> Result<Invite, StoreError>;

    /// All invites, newest first.
    async fn invites(&self) -> Result<Vec<Invite>, StoreError>;

    /// Uses an invite code to create an account in the invite's unit and
    /// role; the use is counted in the same transaction.
    async fn join(&self, code: &str, account: NewAccount, now: i64) -> Result<User, StoreError>;

    /// Creates an administrator (the command line).
    async fn create_admin(
        &self,
        account: NewAccount,
        now: i64,
        audit: &Actor,
    ) -> Result<User, StoreError>;

    /// What signing in needs of the account with this login.
    async fn credentials(&self, login: &str) -> Result<Option<Credentials>, StoreError>;

    /// The account with this login.
    async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError>;

    /// One account.
    async fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError>;

    /// All accounts, by id.
    async fn users(&self) -> Result<Vec<UserRecord>, StoreError>;

    /// The accounts matching a filter, by display name, and how many match.
    async fn find_users(&self, filter: &UserFilter) -> Result<(Vec<UserRecord>, u64), StoreError>;

    /// Changes an account's role and/or unit (learners and leaders only).
    async fn update_user(
        &self,
        id: i64,
        role: Option<Role>,
        unit_id: Option<i64>,
        now: i64,
        audit: &Actor,
    ) -> Result<UserRecord, StoreError>;

    /// Disables (ending every session at once) or enables an account.
    async fn set_disabled(
        &self,
        id: i64,
        disabled: bool,
        now: i64,
        audit: &Actor,
    ) -> Result<UserRecord, StoreError>;

    /// Sets a password. Ends every session of the account except
    /// `keep_session` (the one that changed it). Audited when `audit` is given.
    async fn set_password(
        &self,
        id: i64,
        password: NewPassword,
        keep_session: Option<i64>,
        now: i64,
        audit: Option<&Actor>,
    ) -> Result<(), StoreError>;

    /// Creates the accounts of a roster import in one transaction. A login
    /// taken meanwhile fails its row only.
    async fn import_roster(
        &self,
        accounts: Vec<RosterAccount>,
        now: i64,
        audit: &Actor,
    ) -> Result<Vec<Result<User, StoreError>>, StoreError>;

    /// Opens a session; only the token's hash is stored.
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        user_agent: Option<&str>,
        client_addr: Option<&str>,
    ) -> Result<(), StoreError>;

    /// The account of a live session: created after `created_after`, seen
    /// after `seen_after`, account not disabled. Marks it seen now (at most
    /// every few minutes).
    async fn session_user(
        &self,
        token_hash: &str,
        now: i64,
        created_after: i64,
        seen_after: i64,
    ) -> Result<Option<SessionInfo>, StoreError>;

    /// Ends a session (sign-out).
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;

    /// The sessions of an account, newest first.
    async fn sessions_of(&self, user_id: i64) -> Result<Vec<SessionView>, StoreError>;

    /// Ends one session of an account; false when it has none with this id.
    async fn delete_session_of(&self, user_id: i64, session_id: i64) -> Result<bool, StoreError>;

    /// Deletes the sessions created before `created_before` or last seen
    /// before `seen_before`; returns how many.
    async fn purge_sessions(
        &self,
        created_before: i64,
        seen_before: i64,
    ) -> Result<u64, StoreError>;

    /// Stores a device's batch under the sync rules (see `qinglian_core::sync`),
    /// all in one transaction. `events` all carry `device`. Refused whole
    /// when the user would hold more than `max_events`.
    async fn push(
        &self,
        user_id: i64,
        device: &str,
        events: &[Event],
        now: i64,
        max_events: u64,
    ) -> Result<PushOutcome, StoreError>;

    /// The user's events after `cursor` in server order, from devices other
    /// than `exclude_device`, at most `limit`.
    async fn pull(
        &self,
        user_id: i64,
        exclude_device: Option<&str>,
        cursor: i64,
        limit: u32,
    ) -> Result<Vec<PulledEvent>, StoreError>;

    /// What reports need of each of these users' events, aggregated by the
    /// database (voided events left out): see [`ProgressFacts`].
    async fn progress_facts(
        &self,
        user_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, ProgressFacts>, StoreError>;

    /// The latest published content pack.
    async fn published_pack(&self) -> Result<Option<StoredPack>, StoreError>;

    /// The id of the latest publication (cheap: to notice another process's).
    async fn latest_pack_id(&self) -> Result<Option<i64>, StoreError>;

    /// Makes a pack current; kept for good, with who published it and its
    /// summary. `rollback_of` names the version a rollback re-publishes.
    async fn publish_pack(
        &self,
        pack: &StoredPack,
        summary: &str,
        rollback_of: Option<&str>,
        now: i64,
        audit: &Actor,
    ) -> Result<(), StoreError>;

    /// Every publication, newest first.
    async fn pack_history(&self) -> Result<Vec<PackVersion>, StoreError>;

    /// The stored pack of this version (its latest publication).
    async fn pack_of_version(&self, version: &str) -> Result<Option<StoredPack>, StoreError>;

    /// Writes an audit entry of its own (actions outside the store: backup).
    async fn record(&self, audit: Audit<'_>, now: i64) -> Result<(), StoreError>;

    /// Reads the audit log.
    async fn audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError>;

    /// A consistent copy of the whole database in a new file, while it is in
    /// use (SQLite: `VACUUM INTO`).
    async fn backup_to(&self, path: &std::path::Path) -> Result<(), StoreError>;
}

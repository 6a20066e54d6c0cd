//! Everything the server keeps, behind one trait, so that the embedded SQLite
//! store can be joined by a PostgreSQL one without touching a handler. No SQL
//! lives outside this module.

mod sqlite;

pub use sqlite::SqliteStore;

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
}

/// An invitation to join a unit with a role, handed out by an administrator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Invite {
    pub code: String,
    pub unit_id: i64,
    pub role: Role,
    pub max_uses: u32,
    pub uses: u32,
    pub expires_at: i64,
    pub created_at: i64,
}

/// A new invite, its code already drawn.
#[derive(Clone, Debug)]
pub struct NewInvite {
    pub code: String,
    pub unit_id: i64,
    pub role: Role,
    pub max_uses: u32,
    pub expires_at: i64,
    pub created_by: i64,
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

/// A published content pack.
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
                if db
                    .code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .is_some_and(|c| matches!(c & 0xff, 5 | 6)) =>
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
pub trait Store: Send + Sync + 'static {
    /// Creates a unit under an existing parent (or at the top).
    async fn create_unit(
        &self,
        name: &str,
        parent_id: Option<i64>,
        now: i64,
    ) -> Result<Unit, StoreError>;

    /// All units, by id.
    async fn units(&self) -> Result<Vec<Unit>, StoreError>;

    /// Stores a new invite for an existing unit.
    async fn create_invite(&self, invite: NewInvite, now: i64) -> Result<Invite, StoreError>;

    /// All invites, newest first.
    async fn invites(&self) -> Result<Vec<Invite>, StoreError>;

    /// Uses an invite code to create an account in the invite's unit and
    /// role; the use is counted in the same transaction.
    async fn join(&self, code: &str, account: NewAccount, now: i64) -> Result<User, StoreError>;

    /// Creates an administrator (the bootstrap command).
    async fn create_admin(&self, account: NewAccount, now: i64) -> Result<User, StoreError>;

    /// The account and its password hash, for signing in.
    async fn credentials(&self, login: &str) -> Result<Option<(User, String)>, StoreError>;

    /// One account.
    async fn user(&self, id: i64) -> Result<Option<User>, StoreError>;

    /// All accounts, by id.
    async fn users(&self) -> Result<Vec<UserRecord>, StoreError>;

    /// Opens a session; only the token's hash is stored.
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
    ) -> Result<(), StoreError>;

    /// The account of a live session: created after `created_after` and seen
    /// after `seen_after`. Marks it seen now (at most every few minutes).
    async fn session_user(
        &self,
        token_hash: &str,
        now: i64,
        created_after: i64,
        seen_after: i64,
    ) -> Result<Option<User>, StoreError>;

    /// Ends a session (sign-out).
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;

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

    /// Makes a pack current; kept for good, with who published it.
    async fn publish_pack(
        &self,
        pack: &StoredPack,
        published_by: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError>;
}

//! The PostgreSQL store, for a bureau that runs several server processes on
//! one database. It behaves as the SQLite store does, method by method (same
//! answers, same order, same errors, same audit entries), and each method is
//! one transaction too. SQLite's `BEGIN IMMEDIATE` lets one writer in at a
//! time, so a transaction may read and then write; here writers run side by
//! side (READ COMMITTED), so what a transaction reads before writing is locked
//! first (`FOR UPDATE`, `FOR SHARE`, a table lock for the unit tree and the
//! content history), inserts that another process may race use
//! `ON CONFLICT`, and a transaction that PostgreSQL aborts for a deadlock (or,
//! in a push, for another account's event id stored meanwhile) is run again.

use super::{
    Actor, Audit, AuditEntry, AuditQuery, Credentials, Invite, NewAccount, NewInvite, NewPassword,
    PackVersion, ProgressFacts, PulledEvent, PushOutcome, RosterAccount, SessionInfo, SessionView,
    Store, StoreError, StoredPack, Unit, UserFilter, UserRecord,
};
use async_trait::async_trait;
use qinglian_core::events::Event;
use qinglian_core::sync::{Role, User};
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Postgres, Row, Transaction};
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

/// A session's last-seen time is rewritten at most this often (ms), as in
/// the SQLite store.
const TOUCH_EVERY_MS: i64 = 5 * 60 * 1000;
/// How often a transaction is tried in all when PostgreSQL aborts it for a
/// reason that the next try will not meet (a deadlock, a serialization
/// failure, in a push another account's event id stored meanwhile).
const ATTEMPTS: u32 = 5;

/// The PostgreSQL implementation of [`Store`]: several servers may share it.
#[derive(Clone, Debug)]
pub struct PgStore {
    pub(super) pool: PgPool,
}

impl PgStore {
    /// Connects to `url` and applies the migrations that are not applied yet.
    /// `busy_timeout` bounds the wait for a free connection and, as
    /// `lock_timeout`, the wait for a lock another process holds, as the
    /// SQLite store's busy timeout bounds the wait for the write lock: past
    /// it the store answers [`StoreError::Busy`].
    pub async fn open(url: &str, busy_timeout: Duration) -> Result<PgStore, StoreError> {
        let options: PgConnectOptions = url.parse()?;
        let options = options.options([(
            "lock_timeout",
            format!("{}ms", busy_timeout.as_millis().clamp(1, i32::MAX as u128)),
        )]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(busy_timeout)
            .connect_with(options)
            .await?;
        // On a connection of its own without the lock timeout: a migration
        // (or another server's, which holds the migration lock) may wait
        // for the transactions under way longer than a request would.
        let mut migrating = pool.acquire().await?.detach();
        sqlx::query("SET lock_timeout = 0")
            .execute(&mut migrating)
            .await?;
        sqlx::migrate!("./migrations_pg")
            .run(&mut migrating)
            .await
            .map_err(|err| StoreError::Db(format!("cannot apply the migrations: {err}")))?;
        migrating.close().await?;
        Ok(PgStore { pool })
    }

    /// Closes the pool.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Runs `body` in a transaction and commits it, trying again (up to
    /// [`ATTEMPTS`] in all, after a short random pause) when PostgreSQL
    /// aborted it for a deadlock or a serialization failure, and also for a
    /// unique violation when `retry_unique` (a row another transaction
    /// inserted meanwhile, which the next try sees). `body` gets the
    /// transaction and hands it back with its result; dropping it instead
    /// (an early `Err`) rolls it back.
    async fn transaction<T, F, Fut>(&self, retry_unique: bool, mut body: F) -> Result<T, StoreError>
    where
        F: FnMut(Tx) -> Fut,
        Fut: Future<Output = Result<(Tx, T), Failure>>,
    {
        let mut attempt = 1;
        loop {
            let tx = self.pool.begin().await?;
            let failure = match body(tx).await {
                Ok((tx, value)) => match tx.commit().await {
                    Ok(()) => return Ok(value),
                    Err(err) => Failure::Sql(err),
                },
                Err(failure) => failure,
            };
            if attempt >= ATTEMPTS || !failure.worth_retrying(retry_unique) {
                return Err(failure.into());
            }
            let pause = 5 * u64::from(attempt) + rand::random::<u64>() % 20;
            tokio::time::sleep(Duration::from_millis(pause)).await;
            attempt += 1;
        }
    }
}

type Tx = Transaction<'static, Postgres>;

/// Why one try of a transaction failed: an answer for the caller, or a
/// database error, which may be worth another try.
#[derive(Debug)]
enum Failure {
    Store(StoreError),
    Sql(sqlx::Error),
}

impl Failure {
    /// PostgreSQL aborted the transaction for a reason that the next try
    /// will not meet.
    fn worth_retrying(&self, retry_unique: bool) -> bool {
        let Failure::Sql(sqlx::Error::Database(db)) = self else {
            return false;
        };
        match db.code().as_deref() {
            // serialization_failure, deadlock_detected
            Some("40001" | "40P01") => true,
            // unique_violation
            Some("23505") => retry_unique,
            _ => false,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        Failure::Store(err)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(err: sqlx::Error) -> Self {
        Failure::Sql(err)
    }
}

impl From<Failure> for StoreError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Store(err) => err,
            Failure::Sql(err) => err.into(),
        }
    }
}

const USER_COLUMNS: &str = "u.id, u.login, u.display_name, u.role, u.unit_id, n.name AS unit_name";
const USER_FROM: &str = "users u LEFT JOIN units n ON n.id = u.unit_id";

fn role_of(text: &str) -> Result<Role, StoreError> {
    Role::from_id(text).ok_or_else(|| StoreError::Db(format!("unknown role {text:?} stored")))
}

fn user_of(row: &PgRow) -> Result<User, StoreError> {
    Ok(User {
        id: row.try_get("id")?,
        login: row.try_get("login")?,
        display_name: row.try_get("display_name")?,
        role: role_of(row.try_get("role")?)?,
        unit_id: row.try_get("unit_id")?,
        unit_name: row.try_get("unit_name")?,
    })
}

/// Columns of [`record_of`], after `SELECT`.
const RECORD_COLUMNS: &str =
    "u.id, u.login, u.display_name, u.role, u.unit_id, n.name AS unit_name,
    u.created_at, u.disabled_at, u.must_change_password,
    (SELECT MAX(d.last_push_at) FROM devices d WHERE d.user_id = u.id) AS last_sync";

fn record_of(row: &PgRow) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        user: user_of(row)?,
        created_at: row.try_get("created_at")?,
        last_sync: row.try_get("last_sync")?,
        disabled_at: row.try_get("disabled_at")?,
        must_change_password: row.try_get("must_change_password")?,
    })
}

const UNIT_COLUMNS: &str = "id, name, parent_id, created_at, archived_at";

fn unit_of(row: &PgRow) -> Result<Unit, StoreError> {
    Ok(Unit {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        parent_id: row.try_get("parent_id")?,
        created_at: row.try_get("created_at")?,
        archived_at: row.try_get("archived_at")?,
    })
}

const INVITE_COLUMNS: &str =
    "id, code, unit_id, role, max_uses, uses, expires_at, created_at, revoked_at";

fn invite_of(row: &PgRow) -> Result<Invite, StoreError> {
    Ok(Invite {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        unit_id: row.try_get("unit_id")?,
        role: role_of(row.try_get("role")?)?,
        max_uses: clamp_u32(row.try_get("max_uses")?),
        uses: clamp_u32(row.try_get("uses")?),
        expires_at: row.try_get("expires_at")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// How a transaction holds a row it reads until it commits.
#[derive(Clone, Copy)]
enum Lock {
    /// Not at all: the table lock or a lock taken before covers it.
    None,
    /// Others may read and lock it so too, not change it: the row a new
    /// account, invite or sub-unit goes into stays as read (not archived).
    Share,
    /// This transaction changes it: the others wait.
    Update,
}

impl Lock {
    fn clause(self) -> &'static str {
        match self {
            Lock::None => "",
            Lock::Share => " FOR SHARE",
            // Not FOR UPDATE: inserts that refer to the row (their foreign
            // key check locks it FOR KEY SHARE) need not wait.
            Lock::Update => " FOR NO KEY UPDATE",
        }
    }
}

/// Serialises the transactions that change the unit tree (create, rename,
/// move, archive): sibling names stay unique and no move makes a cycle,
/// which row locks alone cannot ensure (a name not yet there has no row to
/// lock). Readers, and the foreign keys of new accounts and invites, do not
/// wait for it.
async fn lock_unit_tree(tx: &mut Tx) -> Result<(), Failure> {
    sqlx::query("LOCK TABLE units IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn user_in(tx: &mut Tx, id: i64) -> Result<User, Failure> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM {USER_FROM} WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(user_of(&row)?)
}

/// One account; with `lock`, its row is locked for this transaction to
/// change it.
async fn record_in(tx: &mut Tx, id: i64, lock: bool) -> Result<UserRecord, Failure> {
    let lock = if lock { " FOR NO KEY UPDATE OF u" } else { "" };
    let row = sqlx::query(&format!(
        "SELECT {RECORD_COLUMNS} FROM {USER_FROM} WHERE u.id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::UnknownUser(format!("with id {id}")))?;
    Ok(record_of(&row)?)
}

async fn unit_in(tx: &mut Tx, id: i64, lock: Lock) -> Result<Unit, Failure> {
    let row = sqlx::query(&format!(
        "SELECT {UNIT_COLUMNS} FROM units WHERE id = $1{}",
        lock.clause()
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::UnknownUnit(id))?;
    Ok(unit_of(&row)?)
}

/// A unit new members, invites or sub-units may go into.
async fn open_unit_in(tx: &mut Tx, id: i64, lock: Lock) -> Result<Unit, Failure> {
    let unit = unit_in(tx, id, lock).await?;
    if unit.archived_at.is_some() {
        return Err(StoreError::Refused(format!("the unit {:?} is archived", unit.name)).into());
    }
    Ok(unit)
}

/// Sibling names are unique among unarchived units, so that a path like
/// `Bureau/Legal Aid Centre` names one unit. The caller holds the unit tree
/// locked ([`lock_unit_tree`]).
async fn check_sibling_name(
    tx: &mut Tx,
    name: &str,
    parent_id: Option<i64>,
    except: Option<i64>,
) -> Result<(), Failure> {
    let clash = sqlx::query(
        "SELECT 1 FROM units WHERE name = $1 AND parent_id IS NOT DISTINCT FROM $2
         AND archived_at IS NULL AND id IS DISTINCT FROM $3",
    )
    .bind(name)
    .bind(parent_id)
    .bind(except)
    .fetch_optional(&mut **tx)
    .await?
    .is_some();
    if clash {
        return Err(
            StoreError::Refused(format!("a unit named {name:?} already exists there")).into(),
        );
    }
    Ok(())
}

/// Creates an account; [`StoreError::LoginTaken`] when the login is taken,
/// also by another transaction that commits meanwhile (the insert waits for
/// it, then does nothing).
async fn insert_user(
    tx: &mut Tx,
    account: &NewAccount,
    role: Role,
    unit_id: Option<i64>,
    now: i64,
) -> Result<User, Failure> {
    // Checked first, as the SQLite store does, so that a taken login uses
    // up no id.
    let taken = sqlx::query("SELECT 1 FROM users WHERE login = $1")
        .bind(&account.login)
        .fetch_optional(&mut **tx)
        .await?
        .is_some();
    if taken {
        return Err(StoreError::LoginTaken.into());
    }
    let id: Option<i64> = sqlx::query(
        "INSERT INTO users (login, display_name, password_hash, role, unit_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (login) DO NOTHING RETURNING id",
    )
    .bind(&account.login)
    .bind(&account.display_name)
    .bind(&account.password_hash)
    .bind(role.id())
    .bind(unit_id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?
    .map(|row| row.try_get("id"))
    .transpose()?;
    match id {
        Some(id) => user_in(tx, id).await,
        None => Err(StoreError::LoginTaken.into()),
    }
}

/// Writes an audit entry inside the transaction of the change.
async fn audit_in(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    target: &str,
    details: Value,
    now: i64,
) -> Result<(), Failure> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor, action, target, client_addr, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now)
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(action)
    .bind(target)
    .bind(&actor.client_addr)
    .bind(details.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn clamp_u32(value: Option<i64>) -> u32 {
    value.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32
}

fn kind_of(event: &Event) -> String {
    serde_json::to_value(&event.kind)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

/// Renames a unit inside a transaction (sibling names stay unique). The
/// caller holds the unit tree locked.
async fn rename_in(
    tx: &mut Tx,
    id: i64,
    name: &str,
    now: i64,
    actor: &Actor,
) -> Result<Unit, Failure> {
    let before = open_unit_in(tx, id, Lock::None).await?;
    check_sibling_name(tx, name, before.parent_id, Some(id)).await?;
    sqlx::query("UPDATE units SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    audit_in(
        tx,
        actor,
        "unit.rename",
        &format!("unit {id}"),
        json!({ "from": before.name, "to": name }),
        now,
    )
    .await?;
    unit_in(tx, id, Lock::None).await
}

/// Moves a unit inside a transaction; never below itself. `final_name`:
/// the name it will have there (when renamed in the same change). The
/// caller holds the unit tree locked, so no other move can make a cycle
/// with this one.
async fn move_in(
    tx: &mut Tx,
    id: i64,
    parent_id: Option<i64>,
    final_name: Option<&str>,
    now: i64,
    actor: &Actor,
) -> Result<Unit, Failure> {
    let before = open_unit_in(tx, id, Lock::None).await?;
    // Walk up from the new parent: meeting the unit itself is a cycle.
    let mut up = parent_id;
    let mut steps = 0;
    while let Some(ancestor) = up {
        if ancestor == id {
            return Err(StoreError::Refused(format!(
                "the unit {:?} cannot go below itself",
                before.name
            ))
            .into());
        }
        let unit = if steps == 0 {
            open_unit_in(tx, ancestor, Lock::None).await?
        } else {
            unit_in(tx, ancestor, Lock::None).await?
        };
        up = unit.parent_id;
        steps += 1;
        if steps > 10_000 {
            return Err(StoreError::Db("the unit tree has a cycle".into()).into());
        }
    }
    check_sibling_name(tx, final_name.unwrap_or(&before.name), parent_id, Some(id)).await?;
    sqlx::query("UPDATE units SET parent_id = $1 WHERE id = $2")
        .bind(parent_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    audit_in(
        tx,
        actor,
        "unit.move",
        &format!("unit {id}"),
        json!({ "name": before.name, "from": before.parent_id, "to": parent_id }),
        now,
    )
    .await?;
    unit_in(tx, id, Lock::None).await
}

/// One event of a push, ready to store.
struct Prepared<'a> {
    event: &'a Event,
    payload: String,
    kind: String,
}

/// What a push stores: the columns of the new events, in seq order.
#[derive(Default)]
struct NewEvents {
    ids: Vec<String>,
    seqs: Vec<i64>,
    ats: Vec<i64>,
    kinds: Vec<String>,
    payloads: Vec<String>,
}

/// The users' events that no void event of the same user names, as the CTE
/// `live` (user_id, at, device, seq, kind, payload); `$1` is the users' ids.
/// Payloads are read as JSON only in select lists of rows already chosen by
/// kind, so that an event of another kind is never parsed.
fn stored_pack(row: Option<PgRow>) -> Result<Option<StoredPack>, StoreError> {
    match row {
        Some(row) => Ok(Some(StoredPack {
            version: row.try_get("version")?,
            json: row.try_get("json")?,
        })),
        None => Ok(None),
    }
}

#[async_trait]
impl Store for PgStore {
    async fn create_unit(
        &self,
        name: &str,
        parent_id: Option<i64>,
        now: i64,
        actor: &Actor,
    ) -> Result<Unit, StoreError> {
        self.transaction(false, |mut tx| async move {
            lock_unit_tree(&mut tx).await?;
            if let Some(parent) = parent_id {
                open_unit_in(&mut tx, parent, Lock::Share).await?;
            }
            check_sibling_name(&mut tx, name, parent_id, None).await?;
            let row = sqlx::query(&format!(
                "INSERT INTO units (name, parent_id, created_at) VALUES ($1, $2, $3)
                 RETURNING {UNIT_COLUMNS}"
            ))
            .bind(name)
            .bind(parent_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let unit = unit_of(&row)?;
            audit_in(
                &mut tx,
                actor,
                "unit.create",
                &format!("unit {}", unit.id),
                json!({ "name": name, "parent_id": parent_id }),
                now,
            )
            .await?;
            Ok((tx, unit))
        })
        .await
    }

    async fn change_unit(
        &self,
        id: i64,
        name: Option<&str>,
        parent_id: Option<Option<i64>>,
        now: i64,
        actor: &Actor,
    ) -> Result<Unit, StoreError> {
        self.transaction(false, |mut tx| async move {
            lock_unit_tree(&mut tx).await?;
            let mut unit = open_unit_in(&mut tx, id, Lock::Update).await?;
            if let Some(parent) = parent_id {
                unit = move_in(&mut tx, id, parent, name, now, actor).await?;
            }
            if let Some(name) = name {
                unit = rename_in(&mut tx, id, name, now, actor).await?;
            }
            Ok((tx, unit))
        })
        .await
    }

    async fn archive_unit(&self, id: i64, now: i64, actor: &Actor) -> Result<Unit, StoreError> {
        self.transaction(false, |mut tx| async move {
            lock_unit_tree(&mut tx).await?;
            // Locked before counting: an account or invite that goes into
            // the unit meanwhile holds it FOR SHARE, so this waits for it to
            // commit and counts it, or it waits for this and sees the unit
            // archived.
            let unit = open_unit_in(&mut tx, id, Lock::Update).await?;
            let members: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE unit_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            let children: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM units WHERE parent_id = $1 AND archived_at IS NULL",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            if members > 0 || children > 0 {
                return Err(StoreError::Refused(format!(
                    "the unit {:?} is not empty: {members} account(s) and {children} sub-unit(s); move them first",
                    unit.name
                ))
                .into());
            }
            let revoked = sqlx::query(
                "UPDATE invites SET revoked_at = $1 WHERE unit_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("UPDATE units SET archived_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            audit_in(
                &mut tx,
                actor,
                "unit.archive",
                &format!("unit {id}"),
                json!({ "name": unit.name, "invites_revoked": revoked }),
                now,
            )
            .await?;
            let unit = unit_in(&mut tx, id, Lock::None).await?;
            Ok((tx, unit))
        })
        .await
    }

    async fn units(&self) -> Result<Vec<Unit>, StoreError> {
        sqlx::query(&format!("SELECT {UNIT_COLUMNS} FROM units ORDER BY id"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(unit_of)
            .collect()
    }

    async fn member_counts(&self) -> Result<HashMap<i64, i64>, StoreError> {
        let mut counts = HashMap::new();
        for row in sqlx::query(
            "SELECT unit_id, COUNT(*) AS n FROM users WHERE unit_id IS NOT NULL GROUP BY unit_id",
        )
        .fetch_all(&self.pool)
        .await?
        {
            counts.insert(row.try_get("unit_id")?, row.try_get("n")?);
        }
        Ok(counts)
    }

    async fn create_invite(
        &self,
        invite: NewInvite,
        now: i64,
        actor: &Actor,
    ) -> Result<Invite, StoreError> {
        let invite = &invite;
        self.transaction(false, |mut tx| async move {
            open_unit_in(&mut tx, invite.unit_id, Lock::Share).await?;
            let row = sqlx::query(&format!(
                "INSERT INTO invites (code, unit_id, role, max_uses, expires_at, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {INVITE_COLUMNS}"
            ))
            .bind(&invite.code)
            .bind(invite.unit_id)
            .bind(invite.role.id())
            .bind(i64::from(invite.max_uses))
            .bind(invite.expires_at)
            .bind(invite.created_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let stored = invite_of(&row)?;
            audit_in(
                &mut tx,
                actor,
                "invite.create",
                &format!("invite {}", stored.id),
                json!({
                    "unit_id": stored.unit_id,
                    "role": stored.role.id(),
                    "max_uses": stored.max_uses,
                    "expires_at": stored.expires_at,
                }),
                now,
            )
            .await?;
            Ok((tx, stored))
        })
        .await
    }

    async fn revoke_invite(
        &self,
        code: &str,
        now: i64,
        actor: &Actor,
    ) -> Result<Invite, StoreError> {
        self.transaction(false, |mut tx| async move {
            let row = sqlx::query(&format!(
                "SELECT {INVITE_COLUMNS} FROM invites WHERE code = $1 FOR NO KEY UPDATE"
            ))
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::UnknownInvite)?;
            let invite = invite_of(&row)?;
            if invite.revoked_at.is_some() {
                return Ok((tx, invite));
            }
            sqlx::query("UPDATE invites SET revoked_at = $1 WHERE id = $2")
                .bind(now)
                .bind(invite.id)
                .execute(&mut *tx)
                .await?;
            audit_in(
                &mut tx,
                actor,
                "invite.revoke",
                &format!("invite {}", invite.id),
                json!({ "unit_id": invite.unit_id, "uses": invite.uses }),
                now,
            )
            .await?;
            Ok((
                tx,
                Invite {
                    revoked_at: Some(now),
                    ..invite
                },
            ))
        })
        .await
    }

    async fn invites(&self) -> Result<Vec<Invite>, StoreError> {
        sqlx::query(&format!(
            "SELECT {INVITE_COLUMNS} FROM invites ORDER BY id DESC"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(invite_of)
        .collect()
    }

    async fn join(&self, code: &str, account: NewAccount, now: i64) -> Result<User, StoreError> {
        let account = &account;
        self.transaction(false, |mut tx| async move {
            let Some(unit_id) = sqlx::query("SELECT unit_id FROM invites WHERE code = $1")
                .bind(code)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.try_get::<i64, _>("unit_id"))
                .transpose()?
            else {
                return Err(StoreError::UnknownInvite.into());
            };
            // The unit first, then the invite: the order archiving takes
            // them in (it revokes the unit's invites), so neither waits for
            // the other in a circle. Held FOR SHARE, the unit cannot be
            // archived before the new account is in it; the invite is held
            // so that two joins count their uses one after the other.
            let unit = unit_in(&mut tx, unit_id, Lock::Share).await?;
            let row = sqlx::query(&format!(
                "SELECT {INVITE_COLUMNS} FROM invites WHERE code = $1 FOR NO KEY UPDATE"
            ))
            .bind(code)
            .fetch_one(&mut *tx)
            .await?;
            let invite = invite_of(&row)?;
            if invite.revoked_at.is_some() {
                return Err(StoreError::InviteRevoked.into());
            }
            if now >= invite.expires_at {
                return Err(StoreError::InviteExpired.into());
            }
            if invite.uses >= invite.max_uses {
                return Err(StoreError::InviteUsedUp.into());
            }
            if unit.archived_at.is_some() {
                return Err(StoreError::InviteRevoked.into());
            }
            let user =
                insert_user(&mut tx, account, invite.role, Some(invite.unit_id), now).await?;
            sqlx::query("UPDATE invites SET uses = uses + 1 WHERE id = $1")
                .bind(invite.id)
                .execute(&mut *tx)
                .await?;
            Ok((tx, user))
        })
        .await
    }

    async fn create_admin(
        &self,
        account: NewAccount,
        now: i64,
        actor: &Actor,
    ) -> Result<User, StoreError> {
        let account = &account;
        self.transaction(false, |mut tx| async move {
            let user = insert_user(&mut tx, account, Role::Admin, None, now).await?;
            audit_in(
                &mut tx,
                actor,
                "user.create_admin",
                &format!("user {}", user.id),
                json!({ "login": user.login }),
                now,
            )
            .await?;
            Ok((tx, user))
        })
        .await
    }

    async fn credentials(&self, login: &str) -> Result<Option<Credentials>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash, u.disabled_at, u.must_change_password,
                    u.password_expires_at
             FROM {USER_FROM} WHERE u.login = $1"
        ))
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(Credentials {
                user: user_of(&row)?,
                password_hash: row.try_get("password_hash")?,
                disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                must_change_password: row.try_get("must_change_password")?,
                password_expires_at: row.try_get("password_expires_at")?,
            })),
            None => Ok(None),
        }
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM {USER_FROM} WHERE u.login = $1"
        ))
        .bind(login)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(record_of)
        .transpose()
    }

    async fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM {USER_FROM} WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(record_of)
        .transpose()
    }

    async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM {USER_FROM} ORDER BY u.id"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(record_of)
        .collect()
    }

    async fn find_users(&self, filter: &UserFilter) -> Result<(Vec<UserRecord>, u64), StoreError> {
        // As the SQLite store: the search lowercased (Unicode), matched with
        // ASCII letters in any case (ILIKE under the "C" collation folds
        // ASCII only, as SQLite's LIKE and lower() do).
        let pattern = filter.search.as_ref().map(|s| {
            let escaped = s
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
        let conditions = "($1::text IS NULL
                OR u.login ILIKE $1 COLLATE \"C\" ESCAPE '\\'
                OR u.display_name ILIKE $1 COLLATE \"C\" ESCAPE '\\')
             AND ($2::bigint IS NULL OR u.unit_id = $2)
             AND ($3::text IS NULL OR u.role = $3)
             AND ($4::boolean IS NULL OR (u.disabled_at IS NOT NULL) = $4)";
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM {USER_FROM} WHERE {conditions}"
        ))
        .bind(&pattern)
        .bind(filter.unit_id)
        .bind(filter.role.map(Role::id))
        .bind(filter.disabled)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let users = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM {USER_FROM} WHERE {conditions}
             ORDER BY u.display_name COLLATE \"C\", u.id LIMIT $5 OFFSET $6"
        ))
        .bind(&pattern)
        .bind(filter.unit_id)
        .bind(filter.role.map(Role::id))
        .bind(filter.disabled)
        .bind(i64::from(filter.limit))
        .bind(i64::from(filter.offset))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(record_of)
        .collect::<Result<Vec<_>, _>>()?;
        Ok((users, total.max(0) as u64))
    }

    async fn update_user(
        &self,
        id: i64,
        role: Option<Role>,
        unit_id: Option<i64>,
        now: i64,
        actor: &Actor,
    ) -> Result<UserRecord, StoreError> {
        self.transaction(false, |mut tx| async move {
            let before = record_in(&mut tx, id, true).await?;
            if before.user.role == Role::Admin || role == Some(Role::Admin) {
                return Err(StoreError::Refused(
                    "administrators are managed from the command line (`qinglian-server admin`)"
                        .to_owned(),
                )
                .into());
            }
            if let Some(unit) = unit_id {
                open_unit_in(&mut tx, unit, Lock::Share).await?;
            }
            sqlx::query(
                "UPDATE users SET role = COALESCE($1, role), unit_id = COALESCE($2, unit_id)
                 WHERE id = $3",
            )
            .bind(role.map(Role::id))
            .bind(unit_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let after = record_in(&mut tx, id, false).await?;
            audit_in(
                &mut tx,
                actor,
                "user.update",
                &format!("user {id}"),
                json!({
                    "login": before.user.login,
                    "role": { "from": before.user.role.id(), "to": after.user.role.id() },
                    "unit_id": { "from": before.user.unit_id, "to": after.user.unit_id },
                }),
                now,
            )
            .await?;
            Ok((tx, after))
        })
        .await
    }

    async fn set_disabled(
        &self,
        id: i64,
        disabled: bool,
        now: i64,
        actor: &Actor,
    ) -> Result<UserRecord, StoreError> {
        self.transaction(false, |mut tx| async move {
            let before = record_in(&mut tx, id, true).await?;
            if disabled && actor.user_id == Some(id) {
                return Err(
                    StoreError::Refused("you cannot disable your own account".to_owned()).into(),
                );
            }
            let ended = if disabled {
                sqlx::query(
                    "UPDATE users SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2",
                )
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            } else {
                sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                0
            };
            audit_in(
                &mut tx,
                actor,
                if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                },
                &format!("user {id}"),
                json!({ "login": before.user.login, "sessions_ended": ended }),
                now,
            )
            .await?;
            let after = record_in(&mut tx, id, false).await?;
            Ok((tx, after))
        })
        .await
    }

    async fn set_password(
        &self,
        id: i64,
        password: NewPassword,
        keep_session: Option<i64>,
        now: i64,
        actor: Option<&Actor>,
    ) -> Result<(), StoreError> {
        let password = &password;
        self.transaction(false, |mut tx| async move {
            let before = record_in(&mut tx, id, true).await?;
            sqlx::query(
                "UPDATE users SET password_hash = $1, must_change_password = $2,
                    password_expires_at = $3
                 WHERE id = $4",
            )
            .bind(&password.hash)
            .bind(password.must_change)
            .bind(password.expires_at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let ended =
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2")
                    .bind(id)
                    .bind(keep_session)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if let Some(actor) = actor {
                audit_in(
                    &mut tx,
                    actor,
                    "user.reset_password",
                    &format!("user {id}"),
                    json!({ "login": before.user.login, "sessions_ended": ended }),
                    now,
                )
                .await?;
            }
            Ok((tx, ()))
        })
        .await
    }

    async fn import_roster(
        &self,
        accounts: Vec<RosterAccount>,
        now: i64,
        actor: &Actor,
    ) -> Result<Vec<Result<User, StoreError>>, StoreError> {
        let accounts = &accounts;
        self.transaction(false, |mut tx| async move {
            let mut out = Vec::new();
            let mut created = Vec::new();
            for row in accounts {
                // Held FOR SHARE: the unit cannot be archived under the
                // accounts going into it.
                open_unit_in(&mut tx, row.unit_id, Lock::Share).await?;
                match insert_user(&mut tx, &row.account, row.role, Some(row.unit_id), now).await {
                    Ok(user) => {
                        sqlx::query(
                            "UPDATE users SET must_change_password = TRUE, password_expires_at = $1
                             WHERE id = $2",
                        )
                        .bind(row.password_expires_at)
                        .bind(user.id)
                        .execute(&mut *tx)
                        .await?;
                        created.push(user.login.clone());
                        out.push(Ok(user));
                    }
                    Err(Failure::Store(StoreError::LoginTaken)) => {
                        out.push(Err(StoreError::LoginTaken))
                    }
                    Err(err) => return Err(err),
                }
            }
            audit_in(
                &mut tx,
                actor,
                "roster.import",
                "roster",
                json!({ "created": created, "failed": accounts.len() - created.len() }),
                now,
            )
            .await?;
            Ok((tx, out))
        })
        .await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        user_agent: Option<&str>,
        client_addr: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, user_agent, client_addr)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(now)
        .bind(user_agent)
        .bind(client_addr)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: i64,
        created_after: i64,
        seen_after: i64,
    ) -> Result<Option<SessionInfo>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.disabled_at, u.must_change_password,
                    s.id AS s_id, s.created_at AS s_created, s.last_seen_at AS s_seen
             FROM sessions s JOIN users u ON u.id = s.user_id
             LEFT JOIN units n ON n.id = u.unit_id
             WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let created: i64 = row.try_get("s_created")?;
        let seen: i64 = row.try_get("s_seen")?;
        let disabled = row.try_get::<Option<i64>, _>("disabled_at")?.is_some();
        if created <= created_after || seen <= seen_after || disabled {
            self.delete_session(token_hash).await?;
            return Ok(None);
        }
        if now - seen >= TOUCH_EVERY_MS {
            // One statement; another process touching it too is harmless.
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(SessionInfo {
            user: user_of(&row)?,
            session_id: row.try_get("s_id")?,
            must_change_password: row.try_get("must_change_password")?,
        }))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn sessions_of(&self, user_id: i64) -> Result<Vec<SessionView>, StoreError> {
        sqlx::query(
            "SELECT id, created_at, last_seen_at, user_agent, client_addr FROM sessions
             WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(SessionView {
                id: row.try_get("id")?,
                created_at: row.try_get("created_at")?,
                last_seen_at: row.try_get("last_seen_at")?,
                user_agent: row.try_get("user_agent")?,
                client_addr: row.try_get("client_addr")?,
            })
        })
        .collect()
    }

    async fn delete_session_of(&self, user_id: i64, session_id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id = $2")
            .bind(user_id)
            .bind(session_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn purge_sessions(
        &self,
        created_before: i64,
        seen_before: i64,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE created_at <= $1 OR last_seen_at <= $2")
            .bind(created_before)
            .bind(seen_before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn push(
        &self,
        user_id: i64,
        device: &str,
        events: &[Event],
        now: i64,
        max_events: u64,
    ) -> Result<PushOutcome, StoreError> {
        let mut sorted: Vec<&Event> = events.iter().collect();
        sorted.sort_by_key(|e| e.seq);
        let prepared = sorted
            .iter()
            .map(|&event| {
                Ok(Prepared {
                    event,
                    payload: serde_json::to_string(event).map_err(|err| {
                        StoreError::Db(format!("cannot serialise an event: {err}"))
                    })?,
                    kind: kind_of(event),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let prepared = &prepared;
        let ids: Vec<&str> = prepared.iter().map(|p| p.event.id.as_str()).collect();
        let ids = &ids;
        // Another account's push may store one of these event ids between
        // our read and our insert: the insert then fails as a unique
        // violation, and the next try sees the id taken.
        self.transaction(true, |mut tx| async move {
            // One user's pushes one after the other, through any server:
            // order_id is drawn at insert, not at commit, so a concurrent
            // push could otherwise commit a lower order_id after a pull has
            // passed it; and the same batch sent twice at once is stored
            // once (the second push sees the first one's events).
            sqlx::query("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let mut owner = sqlx::query("SELECT user_id, max_seq FROM devices WHERE id = $1")
                .bind(device)
                .fetch_optional(&mut *tx)
                .await?;
            if owner.is_none() {
                let inserted = sqlx::query(
                    "INSERT INTO devices (id, user_id, max_seq, first_seen_at, last_push_at)
                     VALUES ($1, $2, 0, $3, $4) ON CONFLICT (id) DO NOTHING",
                )
                .bind(device)
                .bind(user_id)
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    // Another account's first push from it committed meanwhile.
                    owner = sqlx::query("SELECT user_id, max_seq FROM devices WHERE id = $1")
                        .bind(device)
                        .fetch_optional(&mut *tx)
                        .await?;
                }
            }
            let held: u64 = match owner {
                Some(row) => {
                    let owner: i64 = row.try_get("user_id")?;
                    if owner != user_id {
                        return Err(StoreError::DeviceOfOtherUser.into());
                    }
                    row.try_get::<i64, _>("max_seq")?.max(0) as u64
                }
                None => 0,
            };

            // The payloads already held under these ids, and then those
            // this batch stores, as the SQLite store looks each one up.
            let mut known: HashMap<String, String> = HashMap::new();
            for row in sqlx::query("SELECT id, payload FROM events WHERE id = ANY($1)")
                .bind(ids)
                .fetch_all(&mut *tx)
                .await?
            {
                known.insert(row.try_get("id")?, row.try_get("payload")?);
            }
            let mut outcome = PushOutcome::default();
            let mut new = NewEvents::default();
            let mut stored: Vec<&Event> = Vec::new();
            let mut next = held + 1;
            for p in prepared {
                let event = p.event;
                match known.get(&event.id) {
                    Some(stored) if *stored == p.payload => outcome.duplicates += 1,
                    Some(_) => {
                        // The id is taken by another event. Its seq is used
                        // up all the same, so the device's later events can
                        // follow it.
                        if event.seq == next {
                            next += 1;
                        }
                        outcome.conflicts.push(event.id.clone());
                    }
                    None if event.seq == next => {
                        new.ids.push(event.id.clone());
                        new.seqs.push(event.seq as i64);
                        new.ats.push(event.at);
                        new.kinds.push(p.kind.clone());
                        new.payloads.push(p.payload.clone());
                        known.insert(event.id.clone(), p.payload.clone());
                        stored.push(event);
                        outcome.stored += 1;
                        next += 1;
                    }
                    // A new id for a seq the device already used.
                    None if event.seq < next => outcome.conflicts.push(event.id.clone()),
                    None => {
                        let starts_at = prepared.first().map_or(event.seq, |p| p.event.seq);
                        let jump = (starts_at <= held + 1).then_some((next - 1, event.seq));
                        // Dropping the transaction rolls it back: nothing is stored.
                        return Err(StoreError::Gap {
                            held,
                            starts_at,
                            jump,
                        }
                        .into());
                    }
                }
            }
            if outcome.stored > 0 {
                let before: i64 =
                    sqlx::query("SELECT COUNT(*) AS n FROM events WHERE user_id = $1")
                        .bind(user_id)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("n")?;
                let before = before.max(0) as u64;
                if before + u64::from(outcome.stored) > max_events {
                    return Err(StoreError::TooManyEvents {
                        held: before,
                        limit: max_events,
                    }
                    .into());
                }
                // In seq order, so that order_id follows seq within the batch.
                sqlx::query(
                    "INSERT INTO events (id, user_id, device, seq, at, kind, payload, received_at)
                     SELECT t.id, $1, $2, t.seq, t.at, t.kind, t.payload, $3
                     FROM UNNEST($4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[])
                          WITH ORDINALITY AS t(id, seq, at, kind, payload, n)
                     ORDER BY t.n",
                )
                .bind(user_id)
                .bind(device)
                .bind(now)
                .bind(&new.ids)
                .bind(&new.seqs)
                .bind(&new.ats)
                .bind(&new.kinds)
                .bind(&new.payloads)
                .execute(&mut *tx)
                .await?;
            }
            super::pg_progress::record_progress(&mut tx, user_id, &stored).await?;
            outcome.acknowledged_seq = next - 1;
            sqlx::query("UPDATE devices SET max_seq = $1, last_push_at = $2 WHERE id = $3")
                .bind(outcome.acknowledged_seq as i64)
                .bind(now)
                .bind(device)
                .execute(&mut *tx)
                .await?;
            Ok((tx, outcome))
        })
        .await
    }

    async fn pull(
        &self,
        user_id: i64,
        exclude_device: Option<&str>,
        cursor: i64,
        limit: u32,
    ) -> Result<Vec<PulledEvent>, StoreError> {
        sqlx::query(
            "SELECT order_id, payload FROM events
             WHERE user_id = $1 AND order_id > $2 AND ($3::text IS NULL OR device <> $3)
             ORDER BY order_id LIMIT $4",
        )
        .bind(user_id)
        .bind(cursor)
        .bind(exclude_device)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            let payload: String = row.try_get("payload")?;
            Ok(PulledEvent {
                order_id: row.try_get("order_id")?,
                payload: serde_json::value::RawValue::from_string(payload)
                    .map_err(|err| StoreError::Db(format!("a stored event is not JSON: {err}")))?,
            })
        })
        .collect()
    }

    async fn progress_facts(
        &self,
        user_ids: &[i64],
    ) -> Result<HashMap<i64, ProgressFacts>, StoreError> {
        super::pg_progress::progress_facts(&self.pool, user_ids).await
    }

    async fn published_pack(&self) -> Result<Option<StoredPack>, StoreError> {
        let row = sqlx::query("SELECT version, json FROM content_packs ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        stored_pack(row)
    }

    async fn latest_pack_id(&self) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query("SELECT MAX(id) AS id FROM content_packs")
            .fetch_one(&self.pool)
            .await?
            .try_get("id")?)
    }

    async fn publish_pack(
        &self,
        pack: &StoredPack,
        summary: &str,
        rollback_of: Option<&str>,
        now: i64,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.transaction(false, |mut tx| async move {
            // One publication at a time, through any server: ids (the newest
            // is current) follow the order the publications commit in.
            sqlx::query("LOCK TABLE content_packs IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO content_packs (version, json, published_at, published_by, summary, rollback_of)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&pack.version)
            .bind(&pack.json)
            .bind(now)
            .bind(actor.user_id)
            .bind(summary)
            .bind(rollback_of)
            .execute(&mut *tx)
            .await?;
            audit_in(
                &mut tx,
                actor,
                if rollback_of.is_some() {
                    "content.rollback"
                } else {
                    "content.publish"
                },
                &format!("content {}", pack.version),
                json!({ "version": pack.version, "summary": summary, "bytes": pack.json.len() }),
                now,
            )
            .await?;
            Ok((tx, ()))
        })
        .await
    }

    async fn pack_history(&self) -> Result<Vec<PackVersion>, StoreError> {
        sqlx::query(
            "SELECT c.id, c.version, c.summary, c.published_at, c.rollback_of, u.login
             FROM content_packs c LEFT JOIN users u ON u.id = c.published_by
             ORDER BY c.id DESC",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(PackVersion {
                id: row.try_get("id")?,
                version: row.try_get("version")?,
                summary: row.try_get("summary")?,
                published_at: row.try_get("published_at")?,
                published_by: row.try_get("login")?,
                rollback_of: row.try_get("rollback_of")?,
            })
        })
        .collect()
    }

    async fn pack_of_version(&self, version: &str) -> Result<Option<StoredPack>, StoreError> {
        let row = sqlx::query(
            "SELECT version, json FROM content_packs WHERE version = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        stored_pack(row)
    }

    async fn record(&self, audit: Audit<'_>, now: i64) -> Result<(), StoreError> {
        let audit = &audit;
        self.transaction(false, |mut tx| async move {
            audit_in(
                &mut tx,
                audit.actor,
                audit.action,
                &audit.target,
                audit.details.clone(),
                now,
            )
            .await?;
            Ok((tx, ()))
        })
        .await
    }

    async fn audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        sqlx::query(
            "SELECT id, at, actor_id, actor, action, target, client_addr, details FROM audit_log
             WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2)
               AND ($3::bigint IS NULL OR at >= $3) AND ($4::bigint IS NULL OR at < $4)
               AND ($5::bigint IS NULL OR id < $5)
             ORDER BY id DESC LIMIT $6",
        )
        .bind(&query.actor)
        .bind(&query.action)
        .bind(query.from)
        .bind(query.to)
        .bind(query.before)
        .bind(i64::from(query.limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            let details: String = row.try_get("details")?;
            Ok(AuditEntry {
                id: row.try_get("id")?,
                at: row.try_get("at")?,
                actor_id: row.try_get("actor_id")?,
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                target: row.try_get("target")?,
                client_addr: row.try_get("client_addr")?,
                details: serde_json::from_str(&details).unwrap_or(Value::String(details)),
            })
        })
        .collect()
    }

    async fn backup_to(&self, _path: &std::path::Path) -> Result<(), StoreError> {
        Err(StoreError::Refused(
            "this server uses PostgreSQL: back it up with pg_dump (see docs/DEPLOY.md)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio::sync::Notify;

    /// A new database on the server of `QINGLIAN_TEST_POSTGRES`: (the
    /// server's URL, its name, its URL).
    async fn scratch_database() -> (String, String, String) {
        let server = std::env::var("QINGLIAN_TEST_POSTGRES")
            .expect("set QINGLIAN_TEST_POSTGRES to a PostgreSQL server");
        let name = format!("store_unit_{:016x}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let (base, _) = server.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        (server, name, url)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "PostgreSQL only: run with QINGLIAN_TEST_POSTGRES and --include-ignored"]
    async fn postgres_a_transaction_aborted_by_a_deadlock_is_run_again() {
        let (server, name, url) = scratch_database().await;
        let store = PgStore::open(&url, Duration::from_secs(10)).await.unwrap();
        sqlx::query("CREATE TABLE scratch (id BIGINT PRIMARY KEY)")
            .execute(&store.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO scratch VALUES (1), (2)")
            .execute(&store.pool)
            .await
            .unwrap();
        let ours_has_1 = Notify::new();
        let theirs_has_2 = Notify::new();
        let attempts = AtomicU32::new(0);
        // Ours locks row 1, then waits for row 2, which theirs holds; theirs
        // then waits for row 1. Ours waited first, so its deadlock check runs
        // first and aborts it; the second try finds the rows free.
        let ours = store.transaction(false, |mut tx| {
            let (ours_has_1, theirs_has_2, attempts) = (&ours_has_1, &theirs_has_2, &attempts);
            async move {
                let attempt = attempts.fetch_add(1, Ordering::SeqCst) + 1;
                sqlx::query("SELECT id FROM scratch WHERE id = 1 FOR UPDATE")
                    .execute(&mut *tx)
                    .await?;
                if attempt == 1 {
                    ours_has_1.notify_one();
                    theirs_has_2.notified().await;
                }
                sqlx::query("SELECT id FROM scratch WHERE id = 2 FOR UPDATE")
                    .execute(&mut *tx)
                    .await?;
                Ok((tx, attempt))
            }
        });
        let theirs = async {
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            ours_has_1.notified().await;
            sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
            sqlx::query("SELECT id FROM scratch WHERE id = 2 FOR UPDATE")
                .execute(&mut conn)
                .await
                .unwrap();
            theirs_has_2.notify_one();
            tokio::time::sleep(Duration::from_millis(300)).await;
            sqlx::query("SELECT id FROM scratch WHERE id = 1 FOR UPDATE")
                .execute(&mut conn)
                .await
                .unwrap();
            sqlx::query("COMMIT").execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        };
        let (ours, ()) = tokio::join!(ours, theirs);
        assert_eq!(ours.unwrap(), 2, "run again once");
        store.close().await;
        let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .unwrap();
    }

    #[tokio::test]
    #[ignore = "PostgreSQL only: run with QINGLIAN_TEST_POSTGRES and --include-ignored"]
    async fn postgres_only_waits_read_as_busy() {
        let (server, name, url) = scratch_database().await;
        let store = PgStore::open(&url, Duration::from_secs(10)).await.unwrap();
        // 22021 (a bad byte sequence): as a number it ends like SQLITE_BUSY
        // (22021 & 0xff == 5), yet it is no wait.
        let err = sqlx::query("SELECT convert_from('\\xff'::bytea, 'UTF8')")
            .execute(&store.pool)
            .await
            .unwrap_err();
        assert_eq!(err.as_database_error().unwrap().code().unwrap(), "22021");
        assert!(matches!(StoreError::from(err), StoreError::Db(_)));
        // 55P03: a lock not had at once.
        let mut holder = store.pool.begin().await.unwrap();
        sqlx::query("LOCK TABLE units IN ACCESS EXCLUSIVE MODE")
            .execute(&mut *holder)
            .await
            .unwrap();
        let mut waiter = store.pool.begin().await.unwrap();
        let err = sqlx::query("LOCK TABLE units IN ACCESS SHARE MODE NOWAIT")
            .execute(&mut *waiter)
            .await
            .unwrap_err();
        assert_eq!(err.as_database_error().unwrap().code().unwrap(), "55P03");
        assert!(matches!(StoreError::from(err), StoreError::Busy));
        waiter.rollback().await.unwrap();
        holder.rollback().await.unwrap();
        store.close().await;
        let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .unwrap();
    }
}

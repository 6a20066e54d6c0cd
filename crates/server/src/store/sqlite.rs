//! The embedded store: one SQLite file in the data directory, in WAL mode so
//! readers never wait for the writer, with a busy timeout so writers queue
//! instead of failing, and every write in a `BEGIN IMMEDIATE` transaction so a
//! transaction that reads before it writes can never be refused half-way.

use super::{
    Actor, Audit, AuditEntry, AuditQuery, Credentials, Invite, NewAccount, NewInvite, NewPassword,
    PackVersion, ProgressFacts, PulledEvent, PushOutcome, RosterAccount, SessionInfo, SessionView,
    Store, StoreError, StoredPack, Unit, UserFilter, UserRecord,
};
use async_trait::async_trait;
use qinglian_core::events::Event;
use qinglian_core::sync::{Role, User};
use serde_json::{json, Value};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// How long a writer waits for the write lock before giving up (the
/// request then answers 503): well within the 30 s a request may take.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// A session's last-seen time is rewritten at most this often (ms).
const TOUCH_EVERY_MS: i64 = 5 * 60 * 1000;

/// The SQLite implementation of [`Store`].
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
}

const USER_COLUMNS: &str = "u.id, u.login, u.display_name, u.role, u.unit_id, n.name AS unit_name";
const USER_FROM: &str = "users u LEFT JOIN units n ON n.id = u.unit_id";

impl SqliteStore {
    /// Opens (creating when missing) the database file and applies the
    /// migrations that are not applied yet.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(path, BUSY_TIMEOUT).await
    }

    /// [`SqliteStore::open`] with another busy timeout. The file is created
    /// readable by its owner only (0600); SQLite gives its `-wal` and `-shm`
    /// files the same mode.
    pub async fn open_with(path: &Path, busy_timeout: Duration) -> Result<SqliteStore, StoreError> {
        owner_only_file(path)
            .map_err(|err| StoreError::Db(format!("cannot create {}: {err}", path.display())))?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an acknowledged push survives a power cut, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(busy_timeout)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(busy_timeout)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|err| StoreError::Db(format!("cannot apply the migrations: {err}")))?;
        Ok(SqliteStore { pool })
    }

    /// Closes the pool: the WAL is checkpointed and the file released.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Is this file a Qinglian database, whole? Opens it read-only and
    /// checks SQLite's own consistency check and the server's tables.
    pub async fn verify_file(path: &Path) -> Result<(), String> {
        use sqlx::ConnectOptions;
        let not_ours =
            |why: String| format!("{} is not a Qinglian database: {why}", path.display());
        if !path.is_file() {
            return Err(format!("{} is not a file", path.display()));
        }
        let mut db = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .immutable(true)
            .connect()
            .await
            .map_err(|err| not_ours(err.to_string()))?;
        let check: String = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_one(&mut db)
            .await
            .map_err(|err| not_ours(err.to_string()))?;
        if check != "ok" {
            return Err(format!("{} is damaged: {check}", path.display()));
        }
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&mut db)
                .await
                .map_err(|err| not_ours(err.to_string()))?;
        for table in [
            "_sqlx_migrations",
            "units",
            "users",
            "sessions",
            "devices",
            "events",
            "content_packs",
        ] {
            if !tables.iter().any(|t| t == table) {
                return Err(not_ours(format!("it has no table {table}")));
            }
        }
        let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&mut db)
            .await
            .map_err(|err| not_ours(err.to_string()))?;
        let ours = sqlx::migrate!("./migrations")
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        if newest.unwrap_or(0) > ours {
            return Err(format!(
                "{} comes from a newer qinglian-server (database version {}; this one knows up to {ours}): restore it with that version",
                path.display(),
                newest.unwrap_or(0)
            ));
        }
        Ok(())
    }

    /// A write transaction holding the write lock from its first statement.
    pub(super) async fn write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// Creates `path` (0600) when missing, and makes an existing one 0600.
fn owner_only_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn role_of(text: &str) -> Result<Role, StoreError> {
    Role::from_id(text).ok_or_else(|| StoreError::Db(format!("unknown role {text:?} stored")))
}

fn user_of(row: &SqliteRow) -> Result<User, StoreError> {
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

fn record_of(row: &SqliteRow) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        user: user_of(row)?,
        created_at: row.try_get("created_at")?,
        last_sync: row.try_get("last_sync")?,
        disabled_at: row.try_get("disabled_at")?,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
    })
}

const UNIT_COLUMNS: &str = "id, name, parent_id, created_at, archived_at";

fn unit_of(row: &SqliteRow) -> Result<Unit, StoreError> {
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

fn invite_of(row: &SqliteRow) -> Result<Invite, StoreError> {
    Ok(Invite {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        unit_id: row.try_get("unit_id")?,
        role: role_of(row.try_get("role")?)?,
        max_uses: row.try_get("max_uses")?,
        uses: row.try_get("uses")?,
        expires_at: row.try_get("expires_at")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

type Tx = Transaction<'static, Sqlite>;

async fn user_in(tx: &mut Tx, id: i64) -> Result<User, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM {USER_FROM} WHERE u.id = ?"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    user_of(&row)
}

async fn record_in(tx: &mut Tx, id: i64) -> Result<UserRecord, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {RECORD_COLUMNS} FROM {USER_FROM} WHERE u.id = ?"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::UnknownUser(format!("with id {id}")))?;
    record_of(&row)
}

async fn unit_in(tx: &mut Tx, id: i64) -> Result<Unit, StoreError> {
    let row = sqlx::query(&format!("SELECT {UNIT_COLUMNS} FROM units WHERE id = ?"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::UnknownUnit(id))?;
    unit_of(&row)
}

/// A unit new members, invites or sub-units may go into.
async fn open_unit_in(tx: &mut Tx, id: i64) -> Result<Unit, StoreError> {
    let unit = unit_in(tx, id).await?;
    if unit.archived_at.is_some() {
        return Err(StoreError::Refused(format!(
            "the unit {:?} is archived",
            unit.name
        )));
    }
    Ok(unit)
}

/// Sibling names are unique among unarchived units, so that a path like
/// `Bureau/Legal Aid Centre` names one unit.
async fn check_sibling_name(
    tx: &mut Tx,
    name: &str,
    parent_id: Option<i64>,
    except: Option<i64>,
) -> Result<(), StoreError> {
    let clash = sqlx::query(
        "SELECT 1 FROM units WHERE name = ? AND parent_id IS ? AND archived_at IS NULL AND id IS NOT ?",
    )
    .bind(name)
    .bind(parent_id)
    .bind(except)
    .fetch_optional(&mut **tx)
    .await?
    .is_some();
    if clash {
        return Err(StoreError::Refused(format!(
            "a unit named {name:?} already exists there"
        )));
    }
    Ok(())
}

async fn login_taken(tx: &mut Tx, login: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query("SELECT 1 FROM users WHERE login = ?")
        .bind(login)
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

async fn insert_user(
    tx: &mut Tx,
    account: &NewAccount,
    role: Role,
    unit_id: Option<i64>,
    now: i64,
) -> Result<User, StoreError> {
    if login_taken(tx, &account.login).await? {
        return Err(StoreError::LoginTaken);
    }
    let id: i64 = sqlx::query(
        "INSERT INTO users (login, display_name, password_hash, role, unit_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&account.login)
    .bind(&account.display_name)
    .bind(&account.password_hash)
    .bind(role.id())
    .bind(unit_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    user_in(tx, id).await
}

/// Writes an audit entry inside the transaction of the change.
async fn audit_in(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    target: &str,
    details: Value,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor, action, target, client_addr, details)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
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

fn kind_of(event: &Event) -> String {
    serde_json::to_value(&event.kind)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

/// Renames a unit inside a transaction (sibling names stay unique).
async fn rename_in(
    tx: &mut Tx,
    id: i64,
    name: &str,
    now: i64,
    actor: &Actor,
) -> Result<Unit, StoreError> {
    let before = open_unit_in(tx, id).await?;
    check_sibling_name(tx, name, before.parent_id, Some(id)).await?;
    sqlx::query("UPDATE units SET name = ? WHERE id = ?")
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
    let unit = unit_in(tx, id).await?;
    Ok(unit)
}

/// Moves a unit inside a transaction; never below itself. `final_name`:
/// the name it will have there (when renamed in the same change).
async fn move_in(
    tx: &mut Tx,
    id: i64,
    parent_id: Option<i64>,
    final_name: Option<&str>,
    now: i64,
    actor: &Actor,
) -> Result<Unit, StoreError> {
    let before = open_unit_in(tx, id).await?;
    // Walk up from the new parent: meeting the unit itself is a cycle.
    let mut up = parent_id;
    let mut steps = 0;
    while let Some(ancestor) = up {
        if ancestor == id {
            return Err(StoreError::Refused(format!(
                "the unit {:?} cannot go below itself",
                before.name
            )));
        }
        let unit = if steps == 0 {
            open_unit_in(tx, ancestor).await?
        } else {
            unit_in(tx, ancestor).await?
        };
        up = unit.parent_id;
        steps += 1;
        if steps > 10_000 {
            return Err(StoreError::Db("the unit tree has a cycle".into()));
        }
    }
    check_sibling_name(tx, final_name.unwrap_or(&before.name), parent_id, Some(id)).await?;
    sqlx::query("UPDATE units SET parent_id = ? WHERE id = ?")
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
    let unit = unit_in(tx, id).await?;
    Ok(unit)
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_unit(
        &self,
        name: &str,
        parent_id: Option<i64>,
        now: i64,
        actor: &Actor,
    ) -> Result<Unit, StoreError> {
        let mut tx = self.write().await?;
        if let Some(parent) = parent_id {
            open_unit_in(&mut tx, parent).await?;
        }
        check_sibling_name(&mut tx, name, parent_id, None).await?;
        let row = sqlx::query(&format!(
            "INSERT INTO units (name, parent_id, created_at) VALUES (?, ?, ?) RETURNING {UNIT_COLUMNS}"
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
        tx.commit().await?;
        Ok(unit)
    }

    async fn change_unit(
        &self,
        id: i64,
        name: Option<&str>,
        parent_id: Option<Option<i64>>,
        now: i64,
        actor: &Actor,
    ) -> Result<Unit, StoreError> {
        let mut tx = self.write().await?;
        let mut unit = open_unit_in(&mut tx, id).await?;
        if let Some(parent) = parent_id {
            unit = move_in(&mut tx, id, parent, name, now, actor).await?;
        }
        if let Some(name) = name {
            unit = rename_in(&mut tx, id, name, now, actor).await?;
        }
        tx.commit().await?;
        Ok(unit)
    }

    async fn archive_unit(&self, id: i64, now: i64, actor: &Actor) -> Result<Unit, StoreError> {
        let mut tx = self.write().await?;
        let unit = open_unit_in(&mut tx, id).await?;
        let members: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE unit_id = ?")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        let children: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM units WHERE parent_id = ? AND archived_at IS NULL",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if members > 0 || children > 0 {
            return Err(StoreError::Refused(format!(
                "the unit {:?} is not empty: {members} account(s) and {children} sub-unit(s); move them first",
                unit.name
            )));
        }
        let revoked = sqlx::query(
            "UPDATE invites SET revoked_at = ? WHERE unit_id = ? AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("UPDATE units SET archived_at = ? WHERE id = ?")
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
        let unit = unit_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(unit)
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
        let mut tx = self.write().await?;
        open_unit_in(&mut tx, invite.unit_id).await?;
        let row = sqlx::query(&format!(
            "INSERT INTO invites (code, unit_id, role, max_uses, expires_at, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {INVITE_COLUMNS}"
        ))
        .bind(&invite.code)
        .bind(invite.unit_id)
        .bind(invite.role.id())
        .bind(invite.max_uses)
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
        tx.commit().await?;
        Ok(stored)
    }

    async fn revoke_invite(
        &self,
        code: &str,
        now: i64,
        actor: &Actor,
    ) -> Result<Invite, StoreError> {
        let mut tx = self.write().await?;
        let row = sqlx::query(&format!(
            "SELECT {INVITE_COLUMNS} FROM invites WHERE code = ?"
        ))
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::UnknownInvite)?;
        let invite = invite_of(&row)?;
        if invite.revoked_at.is_some() {
            return Ok(invite);
        }
        sqlx::query("UPDATE invites SET revoked_at = ? WHERE id = ?")
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
        tx.commit().await?;
        Ok(Invite {
            revoked_at: Some(now),
            ..invite
        })
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
        let mut tx = self.write().await?;
        let Some(row) = sqlx::query(&format!(
            "SELECT {INVITE_COLUMNS} FROM invites WHERE code = ?"
        ))
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(StoreError::UnknownInvite);
        };
        let invite = invite_of(&row)?;
        if invite.revoked_at.is_some() {
            return Err(StoreError::InviteRevoked);
        }
        if now >= invite.expires_at {
            return Err(StoreError::InviteExpired);
        }
        if invite.uses >= invite.max_uses {
            return Err(StoreError::InviteUsedUp);
        }
        if unit_in(&mut tx, invite.unit_id)
            .await?
            .archived_at
            .is_some()
        {
            return Err(StoreError::InviteRevoked);
        }
        let user = insert_user(&mut tx, &account, invite.role, Some(invite.unit_id), now).await?;
        sqlx::query("UPDATE invites SET uses = uses + 1 WHERE id = ?")
            .bind(invite.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn create_admin(
        &self,
        account: NewAccount,
        now: i64,
        actor: &Actor,
    ) -> Result<User, StoreError> {
        let mut tx = self.write().await?;
        let user = insert_user(&mut tx, &account, Role::Admin, None, now).await?;
        audit_in(
            &mut tx,
            actor,
            "user.create_admin",
            &format!("user {}", user.id),
            json!({ "login": user.login }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn credentials(&self, login: &str) -> Result<Option<Credentials>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash, u.disabled_at, u.must_change_password,
                    u.password_expires_at
             FROM {USER_FROM} WHERE u.login = ?"
        ))
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(Credentials {
                user: user_of(&row)?,
                password_hash: row.try_get("password_hash")?,
                disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
                password_expires_at: row.try_get("password_expires_at")?,
            })),
            None => Ok(None),
        }
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM {USER_FROM} WHERE u.login = ?"
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
            "SELECT {RECORD_COLUMNS} FROM {USER_FROM} WHERE u.id = ?"
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
        let pattern = filter.search.as_ref().map(|s| {
            let escaped = s
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
        let disabled = filter.disabled.map(i64::from);
        let conditions = "(?1 IS NULL OR u.login LIKE ?1 ESCAPE '\\' OR lower(u.display_name) LIKE ?1 ESCAPE '\\')
             AND (?2 IS NULL OR u.unit_id = ?2)
             AND (?3 IS NULL OR u.role = ?3)
             AND (?4 IS NULL OR (u.disabled_at IS NOT NULL) = ?4)";
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM {USER_FROM} WHERE {conditions}"
        ))
        .bind(&pattern)
        .bind(filter.unit_id)
        .bind(filter.role.map(Role::id))
        .bind(disabled)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let users = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM {USER_FROM} WHERE {conditions}
             ORDER BY u.display_name, u.id LIMIT ?5 OFFSET ?6"
        ))
        .bind(&pattern)
        .bind(filter.unit_id)
        .bind(filter.role.map(Role::id))
        .bind(disabled)
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
        let mut tx = self.write().await?;
        let before = record_in(&mut tx, id).await?;
        if before.user.role == Role::Admin || role == Some(Role::Admin) {
            return Err(StoreError::Refused(
                "administrators are managed from the command line (`qinglian-server admin`)"
                    .to_owned(),
            ));
        }
        if let Some(unit) = unit_id {
            open_unit_in(&mut tx, unit).await?;
        }
        sqlx::query("UPDATE users SET role = COALESCE(?, role), unit_id = COALESCE(?, unit_id) WHERE id = ?")
            .bind(role.map(Role::id))
            .bind(unit_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = record_in(&mut tx, id).await?;
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
        tx.commit().await?;
        Ok(after)
    }

    async fn set_disabled(
        &self,
        id: i64,
        disabled: bool,
        now: i64,
        actor: &Actor,
    ) -> Result<UserRecord, StoreError> {
        let mut tx = self.write().await?;
        let before = record_in(&mut tx, id).await?;
        if disabled && actor.user_id == Some(id) {
            return Err(StoreError::Refused(
                "you cannot disable your own account".to_owned(),
            ));
        }
        let ended = if disabled {
            sqlx::query("UPDATE users SET disabled_at = COALESCE(disabled_at, ?) WHERE id = ?")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        } else {
            sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = ?")
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
        let after = record_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn set_password(
        &self,
        id: i64,
        password: NewPassword,
        keep_session: Option<i64>,
        now: i64,
        actor: Option<&Actor>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let before = record_in(&mut tx, id).await?;
        sqlx::query(
            "UPDATE users SET password_hash = ?, must_change_password = ?, password_expires_at = ?
             WHERE id = ?",
        )
        .bind(&password.hash)
        .bind(i64::from(password.must_change))
        .bind(password.expires_at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?")
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
        tx.commit().await?;
        Ok(())
    }

    async fn import_roster(
        &self,
        accounts: Vec<RosterAccount>,
        now: i64,
        actor: &Actor,
    ) -> Result<Vec<Result<User, StoreError>>, StoreError> {
        let mut tx = self.write().await?;
        let mut out = Vec::new();
        let mut created = Vec::new();
        for row in &accounts {
            open_unit_in(&mut tx, row.unit_id).await?;
            match insert_user(&mut tx, &row.account, row.role, Some(row.unit_id), now).await {
                Ok(user) => {
                    sqlx::query(
                        "UPDATE users SET must_change_password = 1, password_expires_at = ? WHERE id = ?",
                    )
                    .bind(row.password_expires_at)
                    .bind(user.id)
                    .execute(&mut *tx)
                    .await?;
                    created.push(user.login.clone());
                    out.push(Ok(user));
                }
                Err(StoreError::LoginTaken) => out.push(Err(StoreError::LoginTaken)),
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
        tx.commit().await?;
        Ok(out)
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        user_agent: Option<&str>,
        client_addr: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, user_agent, client_addr)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(now)
        .bind(user_agent)
        .bind(client_addr)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
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
             WHERE s.token_hash = ?"
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
            let mut tx = self.write().await?;
            sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
                .bind(now)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(Some(SessionInfo {
            user: user_of(&row)?,
            session_id: row.try_get("s_id")?,
            must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        }))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn sessions_of(&self, user_id: i64) -> Result<Vec<SessionView>, StoreError> {
        sqlx::query(
            "SELECT id, created_at, last_seen_at, user_agent, client_addr FROM sessions
             WHERE user_id = ? ORDER BY id DESC",
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
        let mut tx = self.write().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = ? AND id = ?")
            .bind(user_id)
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn purge_sessions(
        &self,
        created_before: i64,
        seen_before: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE created_at <= ? OR last_seen_at <= ?")
            .bind(created_before)
            .bind(seen_before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
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

        let mut tx = self.write().await?;
        let held: u64 = match sqlx::query("SELECT user_id, max_seq FROM devices WHERE id = ?")
            .bind(device)
            .fetch_optional(&mut *tx)
            .await?
        {
            Some(row) => {
                let owner: i64 = row.try_get("user_id")?;
                if owner != user_id {
                    return Err(StoreError::DeviceOfOtherUser);
                }
                row.try_get::<i64, _>("max_seq")?.max(0) as u64
            }
            None => {
                sqlx::query(
                    "INSERT INTO devices (id, user_id, max_seq, first_seen_at, last_push_at)
                     VALUES (?, ?, 0, ?, ?)",
                )
                .bind(device)
                .bind(user_id)
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                0
            }
        };

        let mut outcome = PushOutcome::default();
        let mut stored: Vec<&Event> = Vec::new();
        let mut next = held + 1;
        for event in sorted.iter().copied() {
            let payload = serde_json::to_string(event)
                .map_err(|err| StoreError::Db(format!("cannot serialise an event: {err}")))?;
            let existing: Option<String> = sqlx::query("SELECT payload FROM events WHERE id = ?")
                .bind(&event.id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.try_get("payload"))
                .transpose()?;
            match existing {
                Some(stored) if stored == payload => outcome.duplicates += 1,
                Some(_) => {
                    // The id is taken by another event. Its seq is used up all
                    // the same, so the device's later events can follow it.
                    if event.seq == next {
                        next += 1;
                    }
                    outcome.conflicts.push(event.id.clone());
                }
                None if event.seq == next => {
                    sqlx::query(
                        "INSERT INTO events (id, user_id, device, seq, at, kind, payload, received_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(&event.id)
                    .bind(user_id)
                    .bind(device)
                    .bind(event.seq as i64)
                    .bind(event.at)
                    .bind(kind_of(event))
                    .bind(&payload)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    stored.push(event);
                    outcome.stored += 1;
                    next += 1;
                }
                // A new id for a seq the device already used.
                None if event.seq < next => outcome.conflicts.push(event.id.clone()),
                None => {
                    let starts_at = sorted.first().map_or(event.seq, |e| e.seq);
                    let jump = (starts_at <= held + 1).then_some((next - 1, event.seq));
                    // Dropping the transaction rolls it back: nothing is stored.
                    return Err(StoreError::Gap {
                        held,
                        starts_at,
                        jump,
                    });
                }
            }
        }
        if outcome.stored > 0 {
            let held: i64 = sqlx::query("SELECT COUNT(*) AS n FROM events WHERE user_id = ?")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            if held.max(0) as u64 > max_events {
                // Dropping the transaction rolls the batch back.
                return Err(StoreError::TooManyEvents {
                    held: held.max(0) as u64 - u64::from(outcome.stored),
                    limit: max_events,
                });
            }
        }
        super::sqlite_progress::record_progress(&mut tx, user_id, &stored).await?;
        outcome.acknowledged_seq = next - 1;
        sqlx::query("UPDATE devices SET max_seq = ?, last_push_at = ? WHERE id = ?")
            .bind(outcome.acknowledged_seq as i64)
            .bind(now)
            .bind(device)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(outcome)
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
             WHERE user_id = ? AND order_id > ? AND (? IS NULL OR device <> ?)
             ORDER BY order_id LIMIT ?",
        )
        .bind(user_id)
        .bind(cursor)
        .bind(exclude_device)
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
        super::sqlite_progress::progress_facts(&self.pool, user_ids).await
    }

    async fn published_pack(&self) -> Result<Option<StoredPack>, StoreError> {
        let row = sqlx::query("SELECT version, json FROM content_packs ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(StoredPack {
                version: row.try_get("version")?,
                json: row.try_get("json")?,
            })),
            None => Ok(None),
        }
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
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO content_packs (version, json, published_at, published_by, summary, rollback_of)
             VALUES (?, ?, ?, ?, ?, ?)",
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
        tx.commit().await?;
        Ok(())
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
            "SELECT version, json FROM content_packs WHERE version = ? ORDER BY id DESC LIMIT 1",
        )
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(StoredPack {
                version: row.try_get("version")?,
                json: row.try_get("json")?,
            })),
            None => Ok(None),
        }
    }

    async fn record(&self, audit: Audit<'_>, now: i64) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        audit_in(
            &mut tx,
            audit.actor,
            audit.action,
            &audit.target,
            audit.details,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        sqlx::query(
            "SELECT id, at, actor_id, actor, action, target, client_addr, details FROM audit_log
             WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2)
               AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4)
               AND (?5 IS NULL OR id < ?5)
             ORDER BY id DESC LIMIT ?6",
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

    async fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Refused("the backup path is not valid UTF-8".into()))?;
        // An empty file readable by its owner only: VACUUM INTO fills it.
        owner_only_file(path)
            .map_err(|err| StoreError::Db(format!("cannot create {}: {err}", path.display())))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await?;
        owner_only_file(path)
            .map_err(|err| StoreError::Db(format!("cannot protect {}: {err}", path.display())))?;
        Ok(())
    }
}

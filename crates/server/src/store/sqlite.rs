//! The embedded store: one SQLite file in the data directory, in WAL mode so
//! readers never wait for the writer, with a busy timeout so writers queue
//! instead of failing, and every write in a `BEGIN IMMEDIATE` transaction so a
//! transaction that reads before it writes can never be refused half-way.

use super::{
    Invite, NewAccount, NewInvite, ProgressFacts, PulledEvent, PushOutcome, Store, StoreError,
    StoredPack, Unit, UserRecord,
};
use async_trait::async_trait;
use qinglian_core::calendar::{Day, MS_PER_DAY};
use qinglian_core::events::Event;
use qinglian_core::progress::{QuizRecord, MASTERY_PERCENT};
use qinglian_core::sync::{Role, User};
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
    pool: SqlitePool,
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

    /// A write transaction holding the write lock from its first statement.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
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

fn unit_of(row: &SqliteRow) -> Result<Unit, StoreError> {
    Ok(Unit {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        parent_id: row.try_get("parent_id")?,
        created_at: row.try_get("created_at")?,
    })
}

fn invite_of(row: &SqliteRow) -> Result<Invite, StoreError> {
    Ok(Invite {
        code: row.try_get("code")?,
        unit_id: row.try_get("unit_id")?,
        role: role_of(row.try_get("role")?)?,
        max_uses: row.try_get("max_uses")?,
        uses: row.try_get("uses")?,
        expires_at: row.try_get("expires_at")?,
        created_at: row.try_get("created_at")?,
    })
}

async fn user_in(tx: &mut Transaction<'static, Sqlite>, id: i64) -> Result<User, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM {USER_FROM} WHERE u.id = ?"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    user_of(&row)
}

async fn login_taken(
    tx: &mut Transaction<'static, Sqlite>,
    login: &str,
) -> Result<bool, StoreError> {
    Ok(sqlx::query("SELECT 1 FROM users WHERE login = ?")
        .bind(login)
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

async fn insert_user(
    tx: &mut Transaction<'static, Sqlite>,
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

fn clamp_u32(value: Option<i64>) -> u32 {
    value.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32
}

fn kind_of(event: &Event) -> String {
    serde_json::to_value(&event.kind)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_unit(
        &self,
        name: &str,
        parent_id: Option<i64>,
        now: i64,
    ) -> Result<Unit, StoreError> {
        let mut tx = self.write().await?;
        if let Some(parent) = parent_id {
            let exists = sqlx::query("SELECT 1 FROM units WHERE id = ?")
                .bind(parent)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            if !exists {
                return Err(StoreError::UnknownUnit(parent));
            }
        }
        let row = sqlx::query(
            "INSERT INTO units (name, parent_id, created_at) VALUES (?, ?, ?)
             RETURNING id, name, parent_id, created_at",
        )
        .bind(name)
        .bind(parent_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let unit = unit_of(&row)?;
        tx.commit().await?;
        Ok(unit)
    }

    async fn units(&self) -> Result<Vec<Unit>, StoreError> {
        sqlx::query("SELECT id, name, parent_id, created_at FROM units ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(unit_of)
            .collect()
    }

    async fn create_invite(&self, invite: NewInvite, now: i64) -> Result<Invite, StoreError> {
        let mut tx = self.write().await?;
        let exists = sqlx::query("SELECT 1 FROM units WHERE id = ?")
            .bind(invite.unit_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            return Err(StoreError::UnknownUnit(invite.unit_id));
        }
        let row = sqlx::query(
            "INSERT INTO invites (code, unit_id, role, max_uses, expires_at, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             RETURNING code, unit_id, role, max_uses, uses, expires_at, created_at",
        )
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
        tx.commit().await?;
        Ok(stored)
    }

    async fn invites(&self) -> Result<Vec<Invite>, StoreError> {
        sqlx::query(
            "SELECT code, unit_id, role, max_uses, uses, expires_at, created_at
             FROM invites ORDER BY id DESC",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(invite_of)
        .collect()
    }

    async fn join(&self, code: &str, account: NewAccount, now: i64) -> Result<User, StoreError> {
        let mut tx = self.write().await?;
        let Some(row) = sqlx::query(
            "SELECT id, unit_id, role, max_uses, uses, expires_at FROM invites WHERE code = ?",
        )
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(StoreError::UnknownInvite);
        };
        let invite_id: i64 = row.try_get("id")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        let max_uses: i64 = row.try_get("max_uses")?;
        let uses: i64 = row.try_get("uses")?;
        if now >= expires_at {
            return Err(StoreError::InviteExpired);
        }
        if uses >= max_uses {
            return Err(StoreError::InviteUsedUp);
        }
        let role = role_of(row.try_get("role")?)?;
        let unit_id: i64 = row.try_get("unit_id")?;
        let user = insert_user(&mut tx, &account, role, Some(unit_id), now).await?;
        sqlx::query("UPDATE invites SET uses = uses + 1 WHERE id = ?")
            .bind(invite_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn create_admin(&self, account: NewAccount, now: i64) -> Result<User, StoreError> {
        let mut tx = self.write().await?;
        let user = insert_user(&mut tx, &account, Role::Admin, None, now).await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn credentials(&self, login: &str) -> Result<Option<(User, String)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM {USER_FROM} WHERE u.login = ?"
        ))
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some((user_of(&row)?, row.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    async fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM {USER_FROM} WHERE u.id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(user_of)
        .transpose()
    }

    async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.created_at,
                    (SELECT MAX(d.last_push_at) FROM devices d WHERE d.user_id = u.id) AS last_sync
             FROM {USER_FROM} ORDER BY u.id"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(UserRecord {
                user: user_of(row)?,
                created_at: row.try_get("created_at")?,
                last_sync: row.try_get("last_sync")?,
            })
        })
        .collect()
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(now)
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
    ) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.created_at AS s_created, s.last_seen_at AS s_seen
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
        if created <= created_after || seen <= seen_after {
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
        Ok(Some(user_of(&row)?))
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
        let mut facts: HashMap<i64, ProgressFacts> = HashMap::new();
        for chunk in user_ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            // The user's events that no void event of theirs names.
            let live = format!(
                "WITH live AS (
                    SELECT e.user_id, e.at, e.device, e.seq, e.kind, e.payload FROM events e
                    WHERE e.user_id IN ({marks}) AND NOT EXISTS (
                        SELECT 1 FROM events v
                        WHERE v.user_id = e.user_id AND v.kind = 'void'
                          AND json_extract(v.payload, '$.target') = e.id))"
            );
            let run = |sql: String| {
                let chunk = chunk.to_vec();
                async move {
                    let mut query = sqlx::query(&sql);
                    for id in &chunk {
                        query = query.bind(id);
                    }
                    query.fetch_all(&self.pool).await
                }
            };
            for row in run(format!(
                "{live} SELECT user_id, json_extract(payload, '$.lesson') AS lesson, MIN(at) AS first
                 FROM live WHERE kind = 'lesson_done' GROUP BY 1, 2"
            ))
            .await?
            {
                let user: i64 = row.try_get("user_id")?;
                let lesson: Option<String> = row.try_get("lesson")?;
                facts
                    .entry(user)
                    .or_default()
                    .lessons_done
                    .insert(lesson.unwrap_or_default(), row.try_get("first")?);
            }
            // The fold keeps the best score, the total of the last attempt
            // (in the order at, device, seq) and the first time mastered.
            for row in run(format!(
                "{live}, quiz AS (
                    SELECT user_id, json_extract(payload, '$.lesson') AS lesson,
                           json_extract(payload, '$.score') AS score,
                           json_extract(payload, '$.total') AS total, at,
                           ROW_NUMBER() OVER (PARTITION BY user_id, json_extract(payload, '$.lesson')
                                              ORDER BY at DESC, device DESC, seq DESC) AS back
                    FROM live WHERE kind = 'quiz_finished')
                 SELECT user_id, lesson, COUNT(*) AS attempts, MAX(score) AS best,
                        MAX(CASE WHEN back = 1 THEN score END) AS last_score,
                        MAX(CASE WHEN back = 1 THEN total END) AS last_total,
                        MIN(CASE WHEN total > 0 AND score * 100 >= total * {MASTERY_PERCENT} THEN at END) AS mastered
                 FROM quiz GROUP BY 1, 2"
            ))
            .await?
            {
                let user: i64 = row.try_get("user_id")?;
                let lesson: Option<String> = row.try_get("lesson")?;
                let record = QuizRecord {
                    attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                    best_score: clamp_u32(row.try_get("best")?),
                    last_score: clamp_u32(row.try_get("last_score")?),
                    total: clamp_u32(row.try_get("last_total")?),
                    mastered_at: row.try_get("mastered")?,
                };
                facts
                    .entry(user)
                    .or_default()
                    .quizzes
                    .insert(lesson.unwrap_or_default(), record);
            }
            for row in run(format!(
                "{live} SELECT user_id, (at - (((at % {MS_PER_DAY}) + {MS_PER_DAY}) % {MS_PER_DAY})) / {MS_PER_DAY} AS day,
                        SUM(json_extract(payload, '$.seconds')) AS seconds
                 FROM live WHERE kind = 'study_time' GROUP BY 1, 2"
            ))
            .await?
            {
                let user: i64 = row.try_get("user_id")?;
                let day: i64 = row.try_get("day")?;
                let seconds: Option<i64> = row.try_get("seconds")?;
                facts
                    .entry(user)
                    .or_default()
                    .seconds_by_day
                    .insert(day as Day, seconds.unwrap_or(0));
            }
            for row in run(format!(
                "{live} SELECT DISTINCT user_id, json_extract(payload, '$.version') AS version
                 FROM live WHERE kind = 'pledge_acknowledged'"
            ))
            .await?
            {
                let user: i64 = row.try_get("user_id")?;
                let version: Option<i64> = row.try_get("version")?;
                facts
                    .entry(user)
                    .or_default()
                    .pledges
                    .insert(clamp_u32(version));
            }
            for row in run(format!(
                "{live} SELECT DISTINCT user_id FROM live WHERE kind = 'risk_check_completed'"
            ))
            .await?
            {
                let user: i64 = row.try_get("user_id")?;
                facts.entry(user).or_default().risk_check_done = true;
            }
        }
        Ok(facts)
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

    async fn publish_pack(
        &self,
        pack: &StoredPack,
        published_by: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO content_packs (version, json, published_at, published_by) VALUES (?, ?, ?, ?)",
        )
        .bind(&pack.version)
        .bind(&pack.json)
        .bind(now)
        .bind(published_by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

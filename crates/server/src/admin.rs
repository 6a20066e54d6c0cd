//! What administrators manage: units, invite codes, accounts; and the
//! bootstrap that creates the first administrator from the command line.

use crate::auth::{
    check_display_name, check_login, check_password, hash_password, normalize_login, AdminOps,
};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::now_ms;
use crate::ops::{InviteView, OneTimePassword, RosterOutcome};
use crate::store::{
    Actor, AuditQuery, NewAccount, SqliteStore, Store, Unit, UserFilter, UserRecord,
};
use axum::{http::StatusCode, Json};
use qinglian_core::sync::{Role, User};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::Path;

/// Invite codes use letters and digits that cannot be mistaken for each
/// other when read aloud or typed from paper (no 0/O, 1/I/L).
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in an invite code: 31^10, about 49 bits.
pub const CODE_LENGTH: usize = 10;

/// A fresh invite code.
pub fn new_invite_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..CODE_LENGTH)
        .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// A strong password for the bootstrap administrator when none is given:
/// 20 characters of 57, about 117 bits.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// The database file inside the data directory.
pub fn database_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("qinglian.db")
}

/// Creates the data directory when missing, readable by its owner only
/// (0700). An existing one is left as it is, with a warning when others may
/// read it.
pub fn prepare_data_dir(data_dir: &Path) -> Result<(), String> {
    let cannot = |err: std::io::Error| {
        format!(
            "cannot create the data directory {}: {err}",
            data_dir.display()
        )
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if !data_dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(data_dir)
                .map_err(cannot)?;
        }
        let mode = std::fs::metadata(data_dir)
            .map_err(cannot)?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                "the data directory {} may be read by others (mode {:o}): chmod 700 it",
                data_dir.display(),
                mode & 0o777
            );
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(data_dir).map_err(cannot)?;
    Ok(())
}

/// Where the server keeps its data: one SQLite file in the data directory
/// (one machine), or a PostgreSQL database that several servers share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// `qinglian.db` in this data directory.
    Sqlite(std::path::PathBuf),
    /// A `postgres://` URL (`--database-url`, `QINGLIAN_DATABASE_URL`).
    Postgres(String),
}

impl Database {
    /// `--database-url` when given, else the data directory's SQLite file.
    pub fn chosen(data_dir: &Path, database_url: Option<&str>) -> Result<Database, String> {
        match database_url.map(str::trim).filter(|url| !url.is_empty()) {
            None => Ok(Database::Sqlite(data_dir.to_owned())),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Database::Postgres(url.to_owned()))
            }
            Some(url) => Err(format!(
                "{:?} is not a PostgreSQL address: give postgres://user:password@host:port/database, or leave --database-url out to use SQLite in --data",
                redact_url(url)
            )),
        }
    }

    /// Says which database, for messages and logs: never the password.
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(dir) => database_path(dir).display().to_string(),
            Database::Postgres(url) => redact_url(url),
        }
    }

    /// Opens the store (creating and migrating an SQLite file when missing;
    /// migrating a PostgreSQL database).
    pub async fn open(
        &self,
        busy_timeout: std::time::Duration,
    ) -> Result<std::sync::Arc<dyn Store>, String> {
        let store: std::sync::Arc<dyn Store> = match self {
            Database::Sqlite(dir) => {
                prepare_data_dir(dir)?;
                std::sync::Arc::new(
                    SqliteStore::open_with(&database_path(dir), busy_timeout)
                        .await
                        .map_err(|err| format!("cannot open {}: {err}", self.describe()))?,
                )
            }
            Database::Postgres(url) => std::sync::Arc::new(
                crate::store::PgStore::open(url, busy_timeout)
                    .await
                    .map_err(|err| format!("cannot open {}: {err}", self.describe()))?,
            ),
        };
        Ok(store)
    }
}

/// A database URL without its password (`***`) and without its query
/// (which may carry one).
pub fn redact_url(url: &str) -> String {
    let url = url.split_once('?').map_or(url, |(base, _)| base);
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// `admin create-admin`: creates an administrator in the server's database
/// (created and migrated when missing).
pub async fn create_admin(
    database: &Database,
    login: &str,
    display_name: &str,
    password: &str,
) -> Result<User, String> {
    let login = normalize_login(login);
    check_login(&login)?;
    let display_name = check_display_name(display_name)?;
    check_password(password)?;
    let store = database.open(crate::store::sqlite_busy_timeout()).await?;
    let password_hash = hash_password(password)?;
    store
        .create_admin(
            NewAccount {
                login,
                display_name,
                password_hash,
            },
            now_ms(),
            &Actor::cli(),
        )
        .await
        .map_err(|err| err.to_string())
}

/// The operations as the command line uses them: on the server's database
/// (an SQLite one must exist), audited as `cli`, hashing without a gate.
pub async fn cli_ops(database: &Database) -> Result<crate::ops::Ops, String> {
    if let Database::Sqlite(data_dir) = database {
        let db = database_path(data_dir);
        if !db.is_file() {
            return Err(format!(
                "no database at {}: start the server once, or run `admin create-admin`, with this --data",
                db.display()
            ));
        }
    }
    let store = database.open(crate::store::sqlite_busy_timeout()).await?;
    Ok(crate::ops::Ops {
        store,
        actor: Actor::cli(),
        hasher: crate::auth::Hasher::default(),
        content: None,
    })
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// A copy of the database as it was before, when there was one.
    pub saved: Option<std::path::PathBuf>,
}

/// `admin restore`: replaces the data directory's database with a backup.
/// Refused while a server uses the directory; the file must be a whole
/// Qinglian database. The database as it was is kept beside it first.
pub async fn restore(data_dir: &Path, file: &Path) -> Result<Restored, String> {
    SqliteStore::verify_file(file).await?;
    prepare_data_dir(data_dir)?;
    let _lock = crate::lock::DataLock::exclusive(data_dir)?;
    let db = database_path(data_dir);
    let now = now_ms();
    let mut saved = None;
    if db.is_file() {
        let store = SqliteStore::open(&db)
            .await
            .map_err(|err| err.to_string())?;
        let copy = data_dir.join(format!("qinglian.db.before-restore-{now}"));
        store
            .backup_to(&copy)
            .await
            .map_err(|err| format!("cannot keep a copy of the current database: {err}"))?;
        store.close().await;
        saved = Some(copy);
    }
    let staging = data_dir.join("qinglian.db.restoring");
    let io = |what: &str, err: std::io::Error| format!("cannot {what}: {err}");
    std::fs::copy(file, &staging).map_err(|err| io("copy the backup", err))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o600))
            .map_err(|err| io("protect the copy", err))?;
    }
    std::fs::File::open(&staging)
        .and_then(|f| f.sync_all())
        .map_err(|err| io("write the copy", err))?;
    // The old database's journal must not be applied to the new one.
    for suffix in ["-wal", "-shm"] {
        let side = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
        match std::fs::remove_file(&side) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(io(&format!("remove {}", side.display()), err))
            }
            _ => {}
        }
    }
    std::fs::rename(&staging, &db).map_err(|err| io("put the backup in place", err))?;
    let store = SqliteStore::open(&db)
        .await
        .map_err(|err| err.to_string())?;
    store
        .record(
            crate::store::Audit {
                actor: &Actor::cli(),
                action: "restore",
                target: file.display().to_string(),
                details: json!({ "saved": saved.as_ref().map(|p| p.display().to_string()) }),
            },
            now_ms(),
        )
        .await
        .map_err(|err| err.to_string())?;
    store.close().await;
    Ok(Restored { saved })
}

/// `POST /api/v1/admin/units` body.
#[derive(Deserialize)]
pub struct NewUnitRequest {
    pub name: String,
    #[serde(default)]
    pub parent_id: Option<i64>,
}

/// `{unit}`.
#[derive(Serialize)]
pub struct UnitResponse {
    pub unit: Unit,
}

/// `POST /api/v1/admin/units` → 201 `{unit}`.
pub async fn create_unit(
    AdminOps(ops): AdminOps,
    ApiJson(body): ApiJson<NewUnitRequest>,
) -> ApiResult<(StatusCode, Json<UnitResponse>)> {
    let unit = ops.add_unit(&body.name, body.parent_id).await?;
    Ok((StatusCode::CREATED, Json(UnitResponse { unit })))
}

/// `GET /api/v1/admin/units` → `{units, tree}`.
pub async fn list_units(AdminOps(ops): AdminOps) -> ApiResult<Json<serde_json::Value>> {
    let (units, tree) = ops.unit_list().await?;
    Ok(Json(json!({ "units": units, "tree": tree })))
}

/// Absent stays `None`; `null` is `Some(None)`.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `PATCH /api/v1/admin/units/{id}` body: a new name, a new parent
/// (`null`: the top), or both.
#[derive(Deserialize)]
pub struct UnitChange {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub parent_id: Option<Option<i64>>,
}

/// `PATCH /api/v1/admin/units/{id}` → `{unit}`.
pub async fn update_unit(
    AdminOps(ops): AdminOps,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UnitChange>,
) -> ApiResult<Json<UnitResponse>> {
    let unit = ops
        .change_unit(id, body.name.as_deref(), body.parent_id)
        .await?;
    Ok(Json(UnitResponse { unit }))
}

/// `POST /api/v1/admin/units/{id}/archive` → `{unit}`.
pub async fn archive_unit(
    AdminOps(ops): AdminOps,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UnitResponse>> {
    let unit = ops.archive_unit(id).await?;
    Ok(Json(UnitResponse { unit }))
}

/// `POST /api/v1/admin/invites` body.
#[derive(Deserialize)]
pub struct NewInviteRequest {
    pub unit_id: i64,
    pub role: Role,
    pub max_uses: u32,
    pub expires_in_days: u32,
}

/// `POST /api/v1/admin/invites` → 201 (an invite view).
pub async fn create_invite(
    AdminOps(ops): AdminOps,
    ApiJson(body): ApiJson<NewInviteRequest>,
) -> ApiResult<(StatusCode, Json<InviteView>)> {
    let invite = ops
        .create_invite(body.unit_id, body.role, body.max_uses, body.expires_in_days)
        .await?;
    Ok((StatusCode::CREATED, Json(invite)))
}

/// `GET /api/v1/admin/invites` → `{invites}`.
pub async fn list_invites(AdminOps(ops): AdminOps) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!({ "invites": ops.invites().await? })))
}

/// `DELETE /api/v1/admin/invites/{code}` → the revoked invite.
pub async fn revoke_invite(
    AdminOps(ops): AdminOps,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<InviteView>> {
    Ok(Json(ops.revoke_invite(&code).await?))
}

/// `GET /api/v1/admin/users` query.
#[derive(Deserialize, Default)]
pub struct UsersQuery {
    /// Part of the login or the name.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub offset: Option<u32>,
}

/// Accounts per page when no limit is asked for, and at most.
pub const USERS_DEFAULT_LIMIT: u32 = 200;
pub const USERS_MAX_LIMIT: u32 = 1000;

/// `GET /api/v1/admin/users?q=&unit_id=&role=&disabled=&limit=&offset=` →
/// `{users, total, limit, offset}`.
pub async fn list_users(
    AdminOps(ops): AdminOps,
    ApiQuery(query): ApiQuery<UsersQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let role = match query.role.as_deref().filter(|r| !r.is_empty()) {
        Some(text) => Some(Role::from_id(text).ok_or_else(|| {
            ApiError::bad_request(format!("unknown role {text:?}: learner, leader or admin"))
        })?),
        None => None,
    };
    let limit = query
        .limit
        .unwrap_or(USERS_DEFAULT_LIMIT)
        .clamp(1, USERS_MAX_LIMIT);
    let offset = query.offset.unwrap_or(0);
    let filter = UserFilter {
        search: query
            .q
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty()),
        unit_id: query.unit_id,
        role,
        disabled: query.disabled,
        limit,
        offset,
    };
    let (users, total) = ops.find_users(&filter).await?;
    Ok(Json(
        json!({ "users": users, "total": total, "limit": limit, "offset": offset }),
    ))
}

/// `PATCH /api/v1/admin/users/{id}` body.
#[derive(Deserialize)]
pub struct UserChange {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub unit_id: Option<i64>,
}

/// `{user}` (an account as listed).
#[derive(Serialize)]
pub struct UserRecordResponse {
    pub user: UserRecord,
}

/// `PATCH /api/v1/admin/users/{id}` → `{user}`.
pub async fn update_user(
    AdminOps(ops): AdminOps,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UserChange>,
) -> ApiResult<Json<UserRecordResponse>> {
    let user = ops.update_user(id, body.role, body.unit_id).await?;
    Ok(Json(UserRecordResponse { user }))
}

/// `POST /api/v1/admin/users/{id}/disable` → `{user}`; every session ends.
pub async fn disable_user(
    AdminOps(ops): AdminOps,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserRecordResponse>> {
    let user = ops.set_disabled(id, true).await?;
    Ok(Json(UserRecordResponse { user }))
}

/// `POST /api/v1/admin/users/{id}/enable` → `{user}`.
pub async fn enable_user(
    AdminOps(ops): AdminOps,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserRecordResponse>> {
    let user = ops.set_disabled(id, false).await?;
    Ok(Json(UserRecordResponse { user }))
}

/// `POST /api/v1/admin/users/{id}/reset-password` → the one-time password.
pub async fn reset_password(
    AdminOps(ops): AdminOps,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OneTimePassword>> {
    Ok(Json(ops.reset_password(id).await?))
}

/// `POST /api/v1/admin/roster/*` body.
#[derive(Deserialize)]
pub struct RosterRequest {
    /// CSV: name, login, unit path, role; a header row is optional.
    pub csv: String,
}

/// The largest roster body read (bytes).
pub const ROSTER_MAX_BYTES: usize = 1024 * 1024;

/// `POST /api/v1/admin/roster/preview {csv}` → every row with its error or ok.
pub async fn roster_preview(
    AdminOps(ops): AdminOps,
    ApiJson(body): ApiJson<RosterRequest>,
) -> ApiResult<Json<RosterOutcome>> {
    Ok(Json(ops.roster_preview(&body.csv).await?))
}

/// `POST /api/v1/admin/roster/import {csv}` → the rows, created ones with
/// their one-time passwords.
pub async fn roster_import(
    AdminOps(ops): AdminOps,
    ApiJson(body): ApiJson<RosterRequest>,
) -> ApiResult<Json<RosterOutcome>> {
    Ok(Json(ops.roster_import(&body.csv).await?))
}

/// `GET /api/v1/admin/audit` query.
#[derive(Deserialize, Default)]
pub struct AuditParams {
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    /// ms UTC, inclusive.
    #[serde(default)]
    pub from: Option<i64>,
    /// ms UTC, exclusive.
    #[serde(default)]
    pub to: Option<i64>,
    /// The previous page's `next_before`.
    #[serde(default)]
    pub before: Option<i64>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// `GET /api/v1/admin/audit?actor=&action=&from=&to=&before=&limit=` →
/// `{entries, next_before}`, newest first.
pub async fn audit_log(
    AdminOps(ops): AdminOps,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> ApiResult<Json<serde_json::Value>> {
    let limit = params.limit.unwrap_or(100).clamp(1, 500);
    let query = AuditQuery {
        actor: params.actor.filter(|a| !a.is_empty()),
        action: params.action.filter(|a| !a.is_empty()),
        from: params.from,
        to: params.to,
        before: params.before,
        limit: limit + 1,
    };
    let mut entries = ops.audit(&query).await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_before = more.then(|| entries.last().map(|e| e.id)).flatten();
    Ok(Json(
        json!({ "entries": entries, "next_before": next_before }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_use_the_unambiguous_alphabet() {
        let code = new_invite_code();
        assert_eq!(code.len(), CODE_LENGTH);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_ne!(new_invite_code(), code);
    }

    #[test]
    fn generated_passwords_are_long_enough() {
        assert!(check_password(&generate_password()).is_ok());
    }

    #[test]
    fn a_database_url_picks_postgresql_and_never_shows_its_password() {
        let dir = Path::new("/srv/qinglian");
        assert_eq!(
            Database::chosen(dir, None),
            Ok(Database::Sqlite(dir.to_owned()))
        );
        assert_eq!(
            Database::chosen(dir, Some("  ")),
            Ok(Database::Sqlite(dir.to_owned()))
        );
        let url = "postgres://qinglian:s3cret@db.bureau.example:5432/qinglian?sslmode=require";
        let chosen = Database::chosen(dir, Some(url)).unwrap();
        assert_eq!(chosen, Database::Postgres(url.to_owned()));
        assert_eq!(
            chosen.describe(),
            "postgres://qinglian:***@db.bureau.example:5432/qinglian"
        );
        let refused = Database::chosen(dir, Some("mysql://root:s3cret@db/x")).unwrap_err();
        assert!(refused.contains("not a PostgreSQL address"), "{refused}");
        assert!(!refused.contains("s3cret"), "{refused}");
        assert_eq!(
            redact_url("postgresql://app@127.0.0.1/qinglian?password=s3cret"),
            "postgresql://app@127.0.0.1/qinglian"
        );
    }
}

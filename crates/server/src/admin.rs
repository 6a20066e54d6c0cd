//! What administrators manage: units, invite codes, accounts; and the
//! bootstrap that creates the first administrator from the command line.

use crate::auth::{
    check_display_name, check_login, check_password, hash_password, normalize_login, store_error,
    CurrentUser,
};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::store::{Invite, NewAccount, NewInvite, SqliteStore, Store, Unit, UserRecord};
use crate::{now_ms, AppState};
use axum::{extract::State, http::StatusCode, Json};
use qinglian_core::sync::{Role, User};
use rand::Rng;
use serde::{Deserialize, Serialize};
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

/// `admin create-admin`: creates an administrator in the data directory's
/// database (created and migrated when missing).
pub async fn create_admin(
    data_dir: &Path,
    login: &str,
    display_name: &str,
    password: &str,
) -> Result<User, String> {
    let login = normalize_login(login);
    check_login(&login)?;
    let display_name = check_display_name(display_name)?;
    check_password(password)?;
    prepare_data_dir(data_dir)?;
    let store = SqliteStore::open(&database_path(data_dir))
        .await
        .map_err(|err| err.to_string())?;
    let password_hash = hash_password(password)?;
    store
        .create_admin(
            NewAccount {
                login,
                display_name,
                password_hash,
            },
            now_ms(),
        )
        .await
        .map_err(|err| err.to_string())
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

/// `{units}`.
#[derive(Serialize)]
pub struct UnitsResponse {
    pub units: Vec<Unit>,
}

/// `POST /api/v1/admin/units`.
pub async fn create_unit(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiJson(body): ApiJson<NewUnitRequest>,
) -> ApiResult<(StatusCode, Json<UnitResponse>)> {
    caller.require(&[Role::Admin])?;
    let name =
        crate::auth::check_name(&body.name, "the unit name").map_err(ApiError::unprocessable)?;
    let name = name.as_str();
    let unit = state
        .store
        .create_unit(name, body.parent_id, now_ms())
        .await
        .map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(UnitResponse { unit })))
}

/// `GET /api/v1/admin/units`.
pub async fn list_units(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> ApiResult<Json<UnitsResponse>> {
    caller.require(&[Role::Admin])?;
    let units = state.store.units().await.map_err(store_error)?;
    Ok(Json(UnitsResponse { units }))
}

/// `POST /api/v1/admin/invites` body.
#[derive(Deserialize)]
pub struct NewInviteRequest {
    pub unit_id: i64,
    pub role: Role,
    pub max_uses: u32,
    pub expires_in_days: u32,
}

/// An invite as administrators see it, with its unit's name.
#[derive(Serialize)]
pub struct InviteView {
    #[serde(flatten)]
    pub invite: Invite,
    pub unit_name: String,
}

/// `{invites}`.
#[derive(Serialize)]
pub struct InvitesResponse {
    pub invites: Vec<InviteView>,
}

/// `POST /api/v1/admin/invites` → 201 `{code, unit_id, unit_name, role, max_uses, uses, expires_at, created_at}`.
pub async fn create_invite(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiJson(body): ApiJson<NewInviteRequest>,
) -> ApiResult<(StatusCode, Json<InviteView>)> {
    let admin = caller.require(&[Role::Admin])?;
    if body.role == Role::Admin {
        return Err(ApiError::unprocessable(
            "invites are for learners and leaders; administrators are created with `qinglian-server admin create-admin`",
        ));
    }
    if !(1..=10_000).contains(&body.max_uses) {
        return Err(ApiError::unprocessable("max_uses must be 1 to 10000"));
    }
    if !(1..=365).contains(&body.expires_in_days) {
        return Err(ApiError::unprocessable("expires_in_days must be 1 to 365"));
    }
    let now = now_ms();
    let invite = state
        .store
        .create_invite(
            NewInvite {
                code: new_invite_code(),
                unit_id: body.unit_id,
                role: body.role,
                max_uses: body.max_uses,
                expires_at: now + i64::from(body.expires_in_days) * 86_400_000,
                created_by: admin.id,
            },
            now,
        )
        .await
        .map_err(store_error)?;
    let unit_name = unit_name(&state, invite.unit_id).await?;
    Ok((StatusCode::CREATED, Json(InviteView { invite, unit_name })))
}

async fn unit_name(state: &AppState, id: i64) -> ApiResult<String> {
    Ok(state
        .store
        .units()
        .await
        .map_err(store_error)?
        .into_iter()
        .find(|u| u.id == id)
        .map(|u| u.name)
        .unwrap_or_default())
}

/// `GET /api/v1/admin/invites`.
pub async fn list_invites(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> ApiResult<Json<InvitesResponse>> {
    caller.require(&[Role::Admin])?;
    let units = state.store.units().await.map_err(store_error)?;
    let invites = state
        .store
        .invites()
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|invite| InviteView {
            unit_name: units
                .iter()
                .find(|u| u.id == invite.unit_id)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            invite,
        })
        .collect();
    Ok(Json(InvitesResponse { invites }))
}

/// `{users}`.
#[derive(Serialize)]
pub struct UsersResponse {
    pub users: Vec<UserRecord>,
}

/// `GET /api/v1/admin/users`.
pub async fn list_users(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> ApiResult<Json<UsersResponse>> {
    caller.require(&[Role::Admin])?;
    let users = state.store.users().await.map_err(store_error)?;
    Ok(Json(UsersResponse { users }))
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
}

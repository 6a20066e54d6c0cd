//! The administrative operations, one set for both callers: the admin API
//! (an administrator signed in, from a client address) and the command line
//! (`qinglian-server admin …`, audited as `cli`). Each checks its input,
//! changes nothing when it is wrong, and writes its audit entry in the same
//! transaction as the change.

use crate::auth::{
    check_login, check_name, generate_one_time_password, normalize_code, normalize_login,
    store_error, Hasher,
};
use crate::content::{validate_pack, ContentState};
use crate::error::{ApiError, ApiResult};
use crate::now_ms;
use crate::roster;
use crate::store::{
    Actor, Audit, AuditEntry, AuditQuery, Invite, NewAccount, NewInvite, NewPassword, PackVersion,
    RosterAccount, Store, StoreError, StoredPack, Unit, UserFilter, UserRecord,
};
use qinglian_core::sync::Role;
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

const DAY_MS: i64 = 86_400_000;
/// A one-time password (reset, roster import) stops working after this.
pub const ONE_TIME_PASSWORD_DAYS: i64 = 7;

/// Who acts, and with what.
pub struct Ops {
    pub store: Arc<dyn Store>,
    pub actor: Actor,
    pub hasher: Hasher,
    /// The running server's content, swapped at once on publication; the
    /// command line has none (a running server notices within seconds).
    pub content: Option<Arc<ContentState>>,
}

/// A unit with what the lists show.
#[derive(Clone, Debug, Serialize)]
pub struct UnitView {
    #[serde(flatten)]
    pub unit: Unit,
    /// Names from the top, joined by `/`: what a roster's unit column holds.
    pub path: String,
    /// Accounts in this unit (not counting sub-units).
    pub members: i64,
}

/// A unit and the units below it.
#[derive(Clone, Debug, Serialize)]
pub struct UnitNode {
    #[serde(flatten)]
    pub unit: UnitView,
    pub children: Vec<UnitNode>,
}

/// An invite as administrators see it.
#[derive(Clone, Debug, Serialize)]
pub struct InviteView {
    #[serde(flatten)]
    pub invite: Invite,
    pub unit_name: String,
    pub uses_left: u32,
    /// `active`, `used_up`, `expired` or `revoked`.
    pub status: &'static str,
    /// The app's page that joins with this code (for a link or a QR code).
    pub join_path: String,
}

/// A one-time password, shown once.
#[derive(Clone, Debug, Serialize)]
pub struct OneTimePassword {
    pub user_id: i64,
    pub login: String,
    pub one_time_password: String,
    pub expires_at: i64,
}

/// One row of a roster, checked (and, after an import, its outcome).
#[derive(Clone, Debug, Serialize)]
pub struct RosterRow {
    /// The CSV line the row starts on.
    pub line: usize,
    pub display_name: String,
    pub login: String,
    pub unit_path: String,
    pub unit_id: Option<i64>,
    pub role: String,
    /// `ok` (preview), `created` (import) or `error`.
    pub status: &'static str,
    pub error: Option<String>,
    /// Import only, for created accounts: shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub one_time_password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
}

/// A roster checked or imported.
#[derive(Clone, Debug, Serialize)]
pub struct RosterOutcome {
    pub rows: Vec<RosterRow>,
    /// Rows without an error (preview) or accounts created (import).
    pub ok: usize,
    pub errors: usize,
    /// When the one-time passwords stop working (import).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// A publication's outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Published {
    pub version: String,
    pub summary: String,
}

/// Every unit with its path and member count, in id order.
pub fn unit_views(units: &[Unit], counts: &HashMap<i64, i64>) -> Vec<UnitView> {
    let by_id: HashMap<i64, &Unit> = units.iter().map(|u| (u.id, u)).collect();
    units
        .iter()
        .map(|unit| {
            let mut names = vec![unit.name.as_str()];
            let mut up = unit.parent_id;
            let mut seen = HashSet::from([unit.id]);
            while let Some(parent) = up.and_then(|id| by_id.get(&id)) {
                if !seen.insert(parent.id) {
                    break;
                }
                names.push(&parent.name);
                up = parent.parent_id;
            }
            names.reverse();
            UnitView {
                unit: unit.clone(),
                path: names.join("/"),
                members: counts.get(&unit.id).copied().unwrap_or(0),
            }
        })
        .collect()
}

/// The units as a tree (top-level units first, children by name).
pub fn unit_tree(views: &[UnitView]) -> Vec<UnitNode> {
    fn build(parent: Option<i64>, views: &[UnitView], depth: usize) -> Vec<UnitNode> {
        if depth > 100 {
            return Vec::new();
        }
        let mut nodes: Vec<UnitNode> = views
            .iter()
            .filter(|v| v.unit.parent_id == parent)
            .map(|v| UnitNode {
                unit: v.clone(),
                children: build(Some(v.unit.id), views, depth + 1),
            })
            .collect();
        nodes.sort_by(|a, b| {
            (&a.unit.unit.name, a.unit.unit.id).cmp(&(&b.unit.unit.name, b.unit.unit.id))
        });
        nodes
    }
    build(None, views, 0)
}

fn invite_view(invite: Invite, units: &[Unit], now: i64) -> InviteView {
    let status = if invite.revoked_at.is_some() {
        "revoked"
    } else if now >= invite.expires_at {
        "expired"
    } else if invite.uses >= invite.max_uses {
        "used_up"
    } else {
        "active"
    };
    InviteView {
        unit_name: units
            .iter()
            .find(|u| u.id == invite.unit_id)
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        uses_left: invite.max_uses.saturating_sub(invite.uses),
        status,
        join_path: format!("/join?code={}", invite.code),
        invite,
    }
}

fn unprocessable(err: String) -> ApiError {
    ApiError::unprocessable(err)
}

impl Ops {
    async fn units_and_counts(&self) -> ApiResult<(Vec<Unit>, HashMap<i64, i64>)> {
        let units = self.store.units().await.map_err(store_error)?;
        let counts = self.store.member_counts().await.map_err(store_error)?;
        Ok((units, counts))
    }

    /// Adds a unit under `parent` (or at the top).
    pub async fn add_unit(&self, name: &str, parent: Option<i64>) -> ApiResult<Unit> {
        let name = check_unit_name(name)?;
        self.store
            .create_unit(&name, parent, now_ms(), &self.actor)
            .await
            .map_err(store_error)
    }

    /// Renames a unit and/or moves it (`Some(None)`: to the top), all or
    /// nothing.
    pub async fn change_unit(
        &self,
        id: i64,
        name: Option<&str>,
        parent: Option<Option<i64>>,
    ) -> ApiResult<Unit> {
        if name.is_none() && parent.is_none() {
            return Err(ApiError::unprocessable("give a name, a parent_id or both"));
        }
        let name = name.map(check_unit_name).transpose()?;
        self.store
            .change_unit(id, name.as_deref(), parent, now_ms(), &self.actor)
            .await
            .map_err(store_error)
    }

    /// Archives an empty unit.
    pub async fn archive_unit(&self, id: i64) -> ApiResult<Unit> {
        self.store
            .archive_unit(id, now_ms(), &self.actor)
            .await
            .map_err(store_error)
    }

    /// Every unit, flat (with paths and member counts) and as a tree.
    pub async fn unit_list(&self) -> ApiResult<(Vec<UnitView>, Vec<UnitNode>)> {
        let (units, counts) = self.units_and_counts().await?;
        let views = unit_views(&units, &counts);
        let tree = unit_tree(&views);
        Ok((views, tree))
    }

    /// The one unarchived unit a path like `Bureau/Legal Aid Centre` names.
    pub fn resolve_path(views: &[UnitView], path: &str) -> Result<i64, String> {
        let wanted: Vec<&str> = path.split('/').map(str::trim).collect();
        let wanted = wanted.join("/");
        let found: Vec<&UnitView> = views
            .iter()
            .filter(|v| v.unit.archived_at.is_none() && v.path == wanted)
            .collect();
        match found.as_slice() {
            [one] => Ok(one.unit.id),
            [] => Err(format!(
                "no unit {wanted:?} (write the path from the top, e.g. Bureau/Legal Aid Centre)"
            )),
            _ => Err(format!(
                "{wanted:?} names more than one unit: rename one first"
            )),
        }
    }

    /// Creates an invite to a unit for a role.
    pub async fn create_invite(
        &self,
        unit_id: i64,
        role: Role,
        max_uses: u32,
        expires_in_days: u32,
    ) -> ApiResult<InviteView> {
        if role == Role::Admin {
            return Err(ApiError::unprocessable(
                "invites are for learners and leaders; administrators are created with `qinglian-server admin create-admin`",
            ));
        }
        if !(1..=10_000).contains(&max_uses) {
            return Err(ApiError::unprocessable("max_uses must be 1 to 10000"));
        }
        if !(1..=365).contains(&expires_in_days) {
            return Err(ApiError::unprocessable("expires_in_days must be 1 to 365"));
        }
        let now = now_ms();
        let invite = self
            .store
            .create_invite(
                NewInvite {
                    code: crate::admin::new_invite_code(),
                    unit_id,
                    role,
                    max_uses,
                    expires_at: now + i64::from(expires_in_days) * DAY_MS,
                    created_by: self.actor.user_id,
                },
                now,
                &self.actor,
            )
            .await
            .map_err(store_error)?;
        let units = self.store.units().await.map_err(store_error)?;
        Ok(invite_view(invite, &units, now))
    }

    /// Every invite, newest first, with its status.
    pub async fn invites(&self) -> ApiResult<Vec<InviteView>> {
        let units = self.store.units().await.map_err(store_error)?;
        let now = now_ms();
        Ok(self
            .store
            .invites()
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|invite| invite_view(invite, &units, now))
            .collect())
    }

    /// Revokes an invite: its code joins nobody any more.
    pub async fn revoke_invite(&self, code: &str) -> ApiResult<InviteView> {
        let invite = self
            .store
            .revoke_invite(&normalize_code(code), now_ms(), &self.actor)
            .await
            .map_err(|err| match err {
                StoreError::UnknownInvite => ApiError::not_found("no invite with this code"),
                err => store_error(err),
            })?;
        let units = self.store.units().await.map_err(store_error)?;
        Ok(invite_view(invite, &units, now_ms()))
    }

    /// Accounts matching a filter, and how many match.
    pub async fn find_users(&self, filter: &UserFilter) -> ApiResult<(Vec<UserRecord>, u64)> {
        self.store.find_users(filter).await.map_err(store_error)
    }

    /// One account, by id.
    pub async fn user(&self, id: i64) -> ApiResult<UserRecord> {
        self.store
            .user(id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| ApiError::not_found(format!("no account with id {id}")))
    }

    /// One account, by login.
    pub async fn user_by_login(&self, login: &str) -> ApiResult<UserRecord> {
        self.store
            .user_by_login(&normalize_login(login))
            .await
            .map_err(store_error)?
            .ok_or_else(|| ApiError::not_found(format!("no account with the login {login:?}")))
    }

    /// Changes an account's role (learner or leader) and/or unit.
    pub async fn update_user(
        &self,
        id: i64,
        role: Option<Role>,
        unit_id: Option<i64>,
    ) -> ApiResult<UserRecord> {
        if role.is_none() && unit_id.is_none() {
            return Err(ApiError::unprocessable("give a role, a unit_id or both"));
        }
        self.store
            .update_user(id, role, unit_id, now_ms(), &self.actor)
            .await
            .map_err(store_error)
    }

    /// Disables an account (its sessions end at once) or enables it again.
    pub async fn set_disabled(&self, id: i64, disabled: bool) -> ApiResult<UserRecord> {
        self.store
            .set_disabled(id, disabled, now_ms(), &self.actor)
            .await
            .map_err(store_error)
    }

    /// Gives an account a one-time password (shown once) that must be
    /// replaced at the next sign-in; its sessions end.
    pub async fn reset_password(&self, id: i64) -> ApiResult<OneTimePassword> {
        let user = self.user(id).await?;
        let password = generate_one_time_password();
        let hash = self
            .hasher
            .hash_one_time(vec![password.clone()])
            .await?
            .remove(0);
        let now = now_ms();
        let expires_at = now + ONE_TIME_PASSWORD_DAYS * DAY_MS;
        self.store
            .set_password(
                id,
                NewPassword {
                    hash,
                    must_change: true,
                    expires_at: Some(expires_at),
                },
                None,
                now,
                Some(&self.actor),
            )
            .await
            .map_err(store_error)?;
        Ok(OneTimePassword {
            user_id: id,
            login: user.user.login,
            one_time_password: password,
            expires_at,
        })
    }

    /// Checks every row of a roster; creates nothing.
    pub async fn roster_preview(&self, csv: &str) -> ApiResult<RosterOutcome> {
        let rows = self.check_roster(csv).await?;
        let ok = rows.iter().filter(|r| r.error.is_none()).count();
        Ok(RosterOutcome {
            errors: rows.len() - ok,
            ok,
            rows,
            expires_at: None,
        })
    }

    async fn check_roster(&self, csv: &str) -> ApiResult<Vec<RosterRow>> {
        let records = roster::parse_csv(csv).map_err(unprocessable)?;
        let (units, counts) = self.units_and_counts().await?;
        let views = unit_views(&units, &counts);
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut rows = Vec::new();
        for (i, (line, fields)) in records.iter().enumerate() {
            if i == 0 && roster::is_header(fields) {
                continue;
            }
            let get = |n: usize| {
                fields
                    .get(n)
                    .map(|f| f.trim().to_owned())
                    .unwrap_or_default()
            };
            let mut row = RosterRow {
                line: *line,
                display_name: get(0),
                login: normalize_login(&get(1)),
                unit_path: get(2),
                unit_id: None,
                role: {
                    let role = get(3).to_lowercase();
                    if role.is_empty() {
                        "learner".to_owned()
                    } else {
                        role
                    }
                },
                status: "ok",
                error: None,
                one_time_password: None,
                user_id: None,
            };
            let mut problems = Vec::new();
            if !(3..=4).contains(&fields.len()) {
                problems.push(format!(
                    "{} columns; expected name, login, unit, role",
                    fields.len()
                ));
            }
            match check_name(&row.display_name, "the name") {
                Ok(name) => row.display_name = name,
                Err(err) => problems.push(err),
            }
            if let Err(err) = check_login(&row.login) {
                problems.push(err);
            } else if let Some(first) = seen.get(&row.login) {
                problems.push(format!("the login is already on line {first}"));
            } else if self
                .store
                .user_by_login(&row.login)
                .await
                .map_err(store_error)?
                .is_some()
            {
                problems.push("this login is already taken".to_owned());
            }
            seen.entry(row.login.clone()).or_insert(*line);
            match Ops::resolve_path(&views, &row.unit_path) {
                Ok(id) => row.unit_id = Some(id),
                Err(err) => problems.push(err),
            }
            if !matches!(row.role.as_str(), "learner" | "leader") {
                problems.push(format!(
                    "the role {:?} is not learner or leader (administrators are created from the command line)",
                    row.role
                ));
            }
            if !problems.is_empty() {
                row.status = "error";
                row.error = Some(problems.join("; "));
            }
            rows.push(row);
        }
        if rows.is_empty() {
            return Err(ApiError::unprocessable(
                "the roster has no rows: name,login,unit,role, one person a line",
            ));
        }
        Ok(rows)
    }

    /// Creates the accounts of the good rows, each with a one-time password
    /// (shown once); bad rows create nothing and say why.
    pub async fn roster_import(&self, csv: &str) -> ApiResult<RosterOutcome> {
        let mut rows = self.check_roster(csv).await?;
        let now = now_ms();
        let expires_at = now + ONE_TIME_PASSWORD_DAYS * DAY_MS;
        let good: Vec<&RosterRow> = rows.iter().filter(|r| r.error.is_none()).collect();
        let passwords: Vec<String> = good.iter().map(|_| generate_one_time_password()).collect();
        let hashes = self.hasher.hash_one_time(passwords.clone()).await?;
        let mut accounts = Vec::new();
        for (row, hash) in good.into_iter().zip(hashes) {
            accounts.push(RosterAccount {
                account: NewAccount {
                    login: row.login.clone(),
                    display_name: row.display_name.clone(),
                    password_hash: hash,
                },
                role: Role::from_id(&row.role).unwrap_or(Role::Learner),
                unit_id: row.unit_id.unwrap_or_default(),
                password_expires_at: expires_at,
            });
        }
        let results = self
            .store
            .import_roster(accounts, now, &self.actor)
            .await
            .map_err(store_error)?;
        let mut results = results.into_iter().zip(passwords);
        for row in rows.iter_mut().filter(|r| r.error.is_none()) {
            match results.next() {
                Some((Ok(user), password)) => {
                    row.status = "created";
                    row.user_id = Some(user.id);
                    row.one_time_password = Some(password);
                }
                Some((Err(err), _)) => {
                    row.status = "error";
                    row.error = Some(err.to_string());
                }
                None => {}
            }
        }
        let ok = rows.iter().filter(|r| r.status == "created").count();
        Ok(RosterOutcome {
            errors: rows.len() - ok,
            ok,
            rows,
            expires_at: Some(expires_at),
        })
    }

    /// Validates and publishes a content pack (JSON as uploaded).
    pub async fn publish(&self, body: &[u8]) -> ApiResult<Published> {
        let valid = validate_pack(body)?;
        self.put_live(valid, None).await
    }

    async fn put_live(
        &self,
        valid: crate::content::ValidPack,
        rollback_of: Option<&str>,
    ) -> ApiResult<Published> {
        let stored = StoredPack {
            version: valid.version.clone(),
            json: valid.json.clone(),
        };
        self.store
            .publish_pack(&stored, &valid.summary, rollback_of, now_ms(), &self.actor)
            .await
            .map_err(store_error)?;
        let published = Published {
            version: valid.version.clone(),
            summary: valid.summary.clone(),
        };
        if let Some(content) = &self.content {
            content.set(valid.pack);
        }
        Ok(published)
    }

    /// Publishes a stored earlier version again (checked like an upload).
    pub async fn rollback(&self, version: &str) -> ApiResult<Published> {
        let stored = self
            .store
            .pack_of_version(version)
            .await
            .map_err(store_error)?
            .ok_or_else(|| {
                ApiError::not_found(format!("no published version {version:?} is stored"))
            })?;
        let valid = validate_pack(stored.json.as_bytes())?;
        self.put_live(valid, Some(version)).await
    }

    /// Every publication, newest first.
    pub async fn history(&self) -> ApiResult<Vec<PackVersion>> {
        self.store.pack_history().await.map_err(store_error)
    }

    /// Reads the audit log.
    pub async fn audit(&self, query: &AuditQuery) -> ApiResult<Vec<AuditEntry>> {
        self.store.audit_log(query).await.map_err(store_error)
    }

    /// Records an action done outside the store (a backup, a restore).
    pub async fn record(
        &self,
        action: &'static str,
        target: &str,
        details: serde_json::Value,
    ) -> ApiResult<()> {
        self.store
            .record(
                Audit {
                    actor: &self.actor,
                    action,
                    target: target.to_owned(),
                    details,
                },
                now_ms(),
            )
            .await
            .map_err(store_error)
    }

    /// A consistent copy of the database while it is in use.
    pub async fn backup(&self, path: &std::path::Path) -> ApiResult<()> {
        if path.exists() {
            return Err(ApiError::unprocessable(format!(
                "{} exists already: choose a new file",
                path.display()
            )));
        }
        self.store.backup_to(path).await.map_err(store_error)?;
        self.record("backup", &path.display().to_string(), json!({}))
            .await
    }
}

fn check_unit_name(name: &str) -> ApiResult<String> {
    let name = check_name(name, "the unit name").map_err(unprocessable)?;
    if name.contains('/') {
        return Err(ApiError::unprocessable(
            "the unit name may not contain '/': it separates units in a path",
        ));
    }
    Ok(name)
}

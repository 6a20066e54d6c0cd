//! `GET /api/v1/units/led`: the units a leader schedules sessions, assigns
//! study and opens feedback rounds for, with their members, so the app can
//! offer them offline in its forms.

use crate::auth::{store_error, CurrentUser};
use crate::error::ApiResult;
use crate::reports::subtree;
use crate::AppState;
use axum::{extract::State, Json};
use qinglian_core::sync::Role;
use qinglian_core::together::{LedUnit, UnitMember};

/// Leaders: their unit and every unit below it; administrators: every
/// unarchived unit. Each with its own enabled accounts, by name.
pub async fn led_units(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> ApiResult<Json<Vec<LedUnit>>> {
    let user = caller.require(&[Role::Leader, Role::Admin])?;
    let units = state.store.units().await.map_err(store_error)?;
    let led = match (user.role, user.unit_id) {
        (Role::Admin, _) => units.iter().map(|u| u.id).collect(),
        (_, Some(own)) => subtree(&units, own),
        (_, None) => Default::default(),
    };
    let users = state.store.users().await.map_err(store_error)?;
    let out: Vec<LedUnit> = units
        .iter()
        .filter(|u| u.archived_at.is_none() && led.contains(&u.id))
        .map(|u| {
            let mut members: Vec<UnitMember> = users
                .iter()
                .filter(|r| r.disabled_at.is_none() && r.user.unit_id == Some(u.id))
                .map(|r| UnitMember {
                    id: r.user.id,
                    name: r.user.display_name.clone(),
                    role: r.user.role,
                })
                .collect();
            members.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            LedUnit {
                id: u.id,
                name: u.name.clone(),
                parent_id: u.parent_id,
                own: user.unit_id == Some(u.id),
                members,
            }
        })
        .collect();
    Ok(Json(tree_order(out)))
}

/// Each unit followed by the units below it, siblings by name: the order of
/// a tree read top down.
fn tree_order(units: Vec<LedUnit>) -> Vec<LedUnit> {
    let ids: std::collections::HashSet<i64> = units.iter().map(|u| u.id).collect();
    let mut children: std::collections::HashMap<Option<i64>, Vec<LedUnit>> = Default::default();
    for unit in units {
        let parent = unit.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(unit);
    }
    for siblings in children.values_mut() {
        siblings.sort_by(|a, b| b.name.cmp(&a.name));
    }
    let mut out = Vec::new();
    let mut stack: Vec<LedUnit> = children.remove(&None).unwrap_or_default();
    while let Some(unit) = stack.pop() {
        if let Some(mut below) = children.remove(&Some(unit.id)) {
            stack.append(&mut below);
        }
        out.push(unit);
    }
    out
}

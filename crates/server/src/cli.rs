//! `qinglian-server admin …`: the administrative operations for scripts,
//! the same ones the admin API runs, audited as `cli`. Each prints what it
//! did; bad input prints why and changes nothing (exit status 1).

use super::{AdminCommand, InviteCommand, UnitCommand, UserCommand};
use qinglian_core::sync::Role;
use qinglian_server::admin;
use qinglian_server::error::ApiError;
use qinglian_server::ops::{Ops, RosterOutcome};
use qinglian_server::store::UserFilter;
use std::path::Path;

/// An operation's refusal, with its problems (a pack's) when it has them.
fn say(err: ApiError) -> String {
    let mut text = err.message;
    if let Some(problems) = err.extra.get("problems").and_then(|p| p.as_array()) {
        for problem in problems {
            text.push_str("\n  - ");
            text.push_str(problem.as_str().unwrap_or_default());
        }
    }
    text
}

fn time(ms: Option<i64>) -> String {
    ms.map_or_else(|| "-".to_owned(), qinglian_server::reports::iso_time)
}

/// A unit given by id or path.
async fn unit_id(ops: &Ops, given: &str) -> Result<i64, String> {
    if let Ok(id) = given.trim().parse::<i64>() {
        return Ok(id);
    }
    let (views, _) = ops.unit_list().await.map_err(say)?;
    Ops::resolve_path(&views, given)
}

fn role(text: &str) -> Result<Role, String> {
    Role::from_id(&text.trim().to_lowercase())
        .ok_or_else(|| format!("unknown role {text:?}: learner, leader or admin"))
}

pub async fn run(command: AdminCommand) -> Result<(), String> {
    match command {
        AdminCommand::CreateAdmin { .. } => unreachable!("handled in main"),
        AdminCommand::Unit { command } => unit(command).await,
        AdminCommand::Invite { command } => invite(command).await,
        AdminCommand::User { command } => user(command).await,
        AdminCommand::Import {
            data,
            file,
            dry_run,
        } => import(&data.database()?, &file, dry_run).await,
        AdminCommand::Publish { data, file } => publish(&data.database()?, &file).await,
        AdminCommand::Backup { data, file } => {
            let database = data.database()?;
            let ops = admin::cli_ops(&database).await?;
            ops.backup(&file).await.map_err(say)?;
            println!("backed up {} to {}", database.describe(), file.display());
            Ok(())
        }
        AdminCommand::Restore { data, file } => {
            let admin::Database::Sqlite(data_dir) = data.database()? else {
                return Err(
                    "this server uses PostgreSQL: restore it with pg_restore (see docs/DEPLOY.md)"
                        .to_owned(),
                );
            };
            let restored = admin::restore(&data_dir, &file).await?;
            println!(
                "restored {} from {}",
                admin::database_path(&data.data).display(),
                file.display()
            );
            if let Some(saved) = restored.saved {
                println!("the database as it was is kept in {}", saved.display());
            }
            Ok(())
        }
    }
}

async fn unit(command: UnitCommand) -> Result<(), String> {
    match command {
        UnitCommand::Add { data, name, parent } => {
            let ops = admin::cli_ops(&data.database()?).await?;
            let parent = match parent {
                Some(parent) => Some(unit_id(&ops, &parent).await?),
                None => None,
            };
            let unit = ops.add_unit(&name, parent).await.map_err(say)?;
            let (views, _) = ops.unit_list().await.map_err(say)?;
            let path = views
                .iter()
                .find(|v| v.unit.id == unit.id)
                .map_or(unit.name.clone(), |v| v.path.clone());
            println!("added unit {} {path}", unit.id);
        }
        UnitCommand::List { data } => {
            let ops = admin::cli_ops(&data.database()?).await?;
            let (views, _) = ops.unit_list().await.map_err(say)?;
            println!("id\tpath\tmembers\tarchived");
            for view in views {
                println!(
                    "{}\t{}\t{}\t{}",
                    view.unit.id,
                    view.path,
                    view.members,
                    time(view.unit.archived_at)
                );
            }
        }
    }
    Ok(())
}

async fn invite(command: InviteCommand) -> Result<(), String> {
    match command {
        InviteCommand::Create {
            data,
            unit,
            role: role_text,
            max_uses,
            days,
        } => {
            let ops = admin::cli_ops(&data.database()?).await?;
            let unit = unit_id(&ops, &unit).await?;
            let invite = ops
                .create_invite(unit, role(&role_text)?, max_uses, days)
                .await
                .map_err(say)?;
            println!(
                "created invite {} for {} in {} ({} uses, expires {})",
                invite.invite.code,
                invite.invite.role.id(),
                invite.unit_name,
                invite.invite.max_uses,
                time(Some(invite.invite.expires_at))
            );
            println!("join link: {}", invite.join_path);
        }
        InviteCommand::List { data } => {
            let ops = admin::cli_ops(&data.database()?).await?;
            println!("code\tunit\trole\tstatus\tuses_left\texpires");
            for invite in ops.invites().await.map_err(say)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    invite.invite.code,
                    invite.unit_name,
                    invite.invite.role.id(),
                    invite.status,
                    invite.uses_left,
                    time(Some(invite.invite.expires_at))
                );
            }
        }
        InviteCommand::Revoke { data, code } => {
            let ops = admin::cli_ops(&data.database()?).await?;
            let invite = ops.revoke_invite(&code).await.map_err(say)?;
            println!(
                "revoked invite {} ({} of {} uses made)",
                invite.invite.code, invite.invite.uses, invite.invite.max_uses
            );
        }
    }
    Ok(())
}

async fn user(command: UserCommand) -> Result<(), String> {
    match command {
        UserCommand::List {
            data,
            search,
            unit,
            role: role_text,
            disabled,
        } => {
            let ops = admin::cli_ops(&data.database()?).await?;
            let unit_id = match unit {
                Some(unit) => Some(unit_id(&ops, &unit).await?),
                None => None,
            };
            let role = role_text.as_deref().map(role).transpose()?;
            let mut offset = 0;
            println!("id\tlogin\tname\trole\tunit\tstate\tlast_sync");
            loop {
                let filter = UserFilter {
                    search: search.clone(),
                    unit_id,
                    role,
                    disabled: disabled.then_some(true),
                    limit: 1000,
                    offset,
                };
                let (users, total) = ops.find_users(&filter).await.map_err(say)?;
                for record in &users {
                    let state = if record.disabled_at.is_some() {
                        "disabled"
                    } else if record.must_change_password {
                        "must-change-password"
                    } else {
                        "active"
                    };
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{state}\t{}",
                        record.user.id,
                        record.user.login,
                        qinglian_server::auth::log_text(&record.user.display_name),
                        record.user.role.id(),
                        record.user.unit_name.as_deref().unwrap_or("-"),
                        time(record.last_sync)
                    );
                }
                offset += users.len() as u32;
                if users.is_empty() || u64::from(offset) >= total {
                    break;
                }
            }
        }
        UserCommand::Disable { data, login } => {
            let ops = admin::cli_ops(&data.database()?).await?;
            let id = ops.user_by_login(&login).await.map_err(say)?.user.id;
            let record = ops.set_disabled(id, true).await.map_err(say)?;
            println!("disabled {}; their sessions have ended", record.user.login);
        }
        UserCommand::Enable { data, login } => {
            let ops = admin::cli_ops(&data.database()?).await?;
            let id = ops.user_by_login(&login).await.map_err(say)?.user.id;
            let record = ops.set_disabled(id, false).await.map_err(say)?;
            println!("enabled {}", record.user.login);
        }
        UserCommand::ResetPassword { data, login } => {
            let ops = admin::cli_ops(&data.database()?).await?;
            let id = ops.user_by_login(&login).await.map_err(say)?.user.id;
            let reset = ops.reset_password(id).await.map_err(say)?;
            println!(
                "reset the password of {}; their sessions have ended",
                reset.login
            );
            println!(
                "one-time password (shown only now; to be replaced at sign-in, expires {}): {}",
                time(Some(reset.expires_at)),
                reset.one_time_password
            );
        }
    }
    Ok(())
}

fn print_rows(outcome: &RosterOutcome) {
    for row in &outcome.rows {
        match (&row.error, &row.one_time_password) {
            (Some(error), _) => println!("line {}: {}: {error}", row.line, row.login),
            (None, Some(password)) => println!(
                "line {}: created {}\t{}\t{}\t{}\tone-time password: {password}",
                row.line, row.login, row.display_name, row.unit_path, row.role
            ),
            (None, None) => println!(
                "line {}: ok {}\t{}\t{}\t{}",
                row.line, row.login, row.display_name, row.unit_path, row.role
            ),
        }
    }
}

async fn import(database: &admin::Database, file: &Path, dry_run: bool) -> Result<(), String> {
    let csv = std::fs::read_to_string(file)
        .map_err(|err| format!("cannot read {}: {err}", file.display()))?;
    let ops = admin::cli_ops(database).await?;
    if dry_run {
        let outcome = ops.roster_preview(&csv).await.map_err(say)?;
        print_rows(&outcome);
        println!(
            "checked {} rows: {} ok, {} with errors; nothing was created (--dry-run)",
            outcome.rows.len(),
            outcome.ok,
            outcome.errors
        );
        return Ok(());
    }
    let outcome = ops.roster_import(&csv).await.map_err(say)?;
    print_rows(&outcome);
    println!(
        "created {} accounts; {} rows with errors created nothing",
        outcome.ok, outcome.errors
    );
    if let Some(expires) = outcome.expires_at {
        println!(
            "the one-time passwords are shown only now and expire {}",
            time(Some(expires))
        );
    }
    if outcome.ok == 0 && outcome.errors > 0 {
        return Err("no account was created".to_owned());
    }
    Ok(())
}

/// The JSON body to publish from `source`: a `content/` folder (compiled
/// and checked with file and line, as the build does), an export folder
/// with one `pack.<lang>.json` per edition, or a JSON file as for the API.
fn content_to_publish(source: &Path) -> Result<Vec<u8>, String> {
    use qinglian_core::settings::Lang;
    if !source.is_dir() {
        return std::fs::read(source)
            .map_err(|err| format!("cannot read {}: {err}", source.display()));
    }
    if Lang::EDITIONS
        .iter()
        .all(|lang| source.join(lang.tag()).is_dir())
    {
        let editions = qinglian_core::authoring::compile_editions(source).map_err(|errors| {
            let mut text = format!(
                "{} has {} problem(s); nothing was published:",
                source.display(),
                errors.len()
            );
            for error in errors {
                text.push_str(&format!("\n  {error}"));
            }
            text
        })?;
        return serde_json::to_vec(&editions).map_err(|err| err.to_string());
    }
    let mut packs = Vec::new();
    for lang in Lang::EDITIONS {
        let file = source.join(format!("pack.{}.json", lang.tag()));
        let text = std::fs::read_to_string(&file).map_err(|err| {
            format!(
                "{} is neither a content folder (zh-Hans/ and en/) nor an export folder: cannot read {} ({err})",
                source.display(),
                file.display()
            )
        })?;
        let pack: serde_json::Value = serde_json::from_str(&text)
            .map_err(|err| format!("{} is not JSON: {err}", file.display()))?;
        packs.push(pack);
    }
    serde_json::to_vec(&serde_json::json!({ "version": "", "packs": packs }))
        .map_err(|err| err.to_string())
}

async fn publish(database: &admin::Database, file: &Path) -> Result<(), String> {
    let body = content_to_publish(file)?;
    let ops = admin::cli_ops(database).await?;
    let published = ops.publish(&body).await.map_err(say)?;
    println!(
        "published content {} ({}); a running server serves it within seconds",
        published.version, published.summary
    );
    Ok(())
}

//! The account life cycle and the admin API: units as a tree, invites with
//! revocation, people (search, role and unit, disable, password reset),
//! roster import, content history and rollback, the audit log; and the
//! learner's own password and sessions.

use crate::common::{boot, Browser, TestApp, ADMIN_LOGIN, PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};

async fn patch(browser: &mut Browser, path: &str, body: Value) -> crate::common::Reply {
    browser
        .send(
            Method::PATCH,
            path,
            Some(serde_json::to_vec(&body).unwrap()),
        )
        .await
}

async fn delete(browser: &mut Browser, path: &str) -> crate::common::Reply {
    browser.send(Method::DELETE, path, None).await
}

async fn id_of(admin: &mut Browser, login: &str) -> i64 {
    let list = admin
        .get(&format!("/api/v1/admin/users?q={login}"))
        .await
        .expect(200)
        .json();
    list["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == login)
        .unwrap_or_else(|| panic!("{login} in {list}"))["id"]
        .as_i64()
        .unwrap()
}

async fn audit(admin: &mut Browser, query: &str) -> Vec<Value> {
    admin
        .get(&format!("/api/v1/admin/audit?{query}"))
        .await
        .expect(200)
        .json()["entries"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn units_form_a_tree_that_can_be_renamed_moved_and_archived() {
    let app = boot().await;
    let mut admin = app.admin().await;
    let bureau = app.unit(&mut admin, "Bureau", None).await;
    let legal = app.unit(&mut admin, "Legal Aid Centre", Some(bureau)).await;
    let east = app.unit(&mut admin, "East Office", Some(legal)).await;
    let spare = app.unit(&mut admin, "Spare", Some(bureau)).await;

    let list = admin.get("/api/v1/admin/units").await.expect(200).json();
    assert_eq!(list["units"].as_array().unwrap().len(), 4);
    let east_view = list["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == east)
        .unwrap()
        .clone();
    assert_eq!(east_view["path"], "Bureau/Legal Aid Centre/East Office");
    assert_eq!(list["tree"][0]["name"], "Bureau");
    assert_eq!(list["tree"][0]["children"][0]["name"], "Legal Aid Centre");
    assert_eq!(list["tree"][0]["children"][0]["children"][0]["id"], east);

    // Sibling names are unique; '/' is not a name character.
    let reply = admin
        .post(
            "/api/v1/admin/units",
            json!({ "name": "Spare", "parent_id": bureau }),
        )
        .await
        .expect(409);
    assert!(reply.error().contains("already exists"));
    admin
        .post("/api/v1/admin/units", json!({ "name": "A/B" }))
        .await
        .expect(422);

    let renamed = patch(
        &mut admin,
        &format!("/api/v1/admin/units/{east}"),
        json!({ "name": "Eastern Office" }),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(renamed["unit"]["name"], "Eastern Office");
    // Moved to the top, then under Spare.
    let moved = patch(
        &mut admin,
        &format!("/api/v1/admin/units/{east}"),
        json!({ "parent_id": null }),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(moved["unit"]["parent_id"], Value::Null);
    patch(
        &mut admin,
        &format!("/api/v1/admin/units/{east}"),
        json!({ "parent_id": spare }),
    )
    .await
    .expect(200);
    // No cycles: Bureau cannot go below its own grandchild, nor itself.
    let reply = patch(
        &mut admin,
        &format!("/api/v1/admin/units/{bureau}"),
        json!({ "parent_id": east }),
    )
    .await
    .expect(409);
    assert!(reply.error().contains("below itself"), "{}", reply.text);
    patch(
        &mut admin,
        &format!("/api/v1/admin/units/{bureau}"),
        json!({ "parent_id": bureau }),
    )
    .await
    .expect(409);
    patch(
        &mut admin,
        &format!("/api/v1/admin/units/{bureau}"),
        json!({}),
    )
    .await
    .expect(422);
    // A change refused in part changes nothing.
    patch(
        &mut admin,
        &format!("/api/v1/admin/units/{bureau}"),
        json!({ "name": "Renamed Bureau", "parent_id": east }),
    )
    .await
    .expect(409);
    let list = admin.get("/api/v1/admin/units").await.expect(200).json();
    assert_eq!(list["tree"][0]["name"], "Bureau");
    // Moved and renamed at once.
    let both = patch(
        &mut admin,
        &format!("/api/v1/admin/units/{east}"),
        json!({ "name": "East", "parent_id": legal }),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(both["unit"]["name"], "East");
    assert_eq!(both["unit"]["parent_id"], legal);
    patch(
        &mut admin,
        &format!("/api/v1/admin/units/{east}"),
        json!({ "parent_id": spare }),
    )
    .await
    .expect(200);

    // Archive: only when empty.
    let _member = app.member(&mut admin, legal, "learner", "member").await;
    let reply = admin
        .post(&format!("/api/v1/admin/units/{legal}/archive"), json!({}))
        .await
        .expect(409);
    assert!(reply.error().contains("not empty"), "{}", reply.text);
    let reply = admin
        .post(&format!("/api/v1/admin/units/{spare}/archive"), json!({}))
        .await
        .expect(409);
    assert!(reply.error().contains("1 sub-unit"), "{}", reply.text);
    let code = app.invite(&mut admin, east, "learner", 5).await;
    let archived = admin
        .post(&format!("/api/v1/admin/units/{east}/archive"), json!({}))
        .await
        .expect(200)
        .json();
    assert!(archived["unit"]["archived_at"].is_i64());
    // Its invite stops working; nothing new goes into it.
    let reply = app
        .browser()
        .post(
            "/api/v1/auth/join",
            json!({ "invite_code": code, "login": "late", "display_name": "Late", "password": PASSWORD }),
        )
        .await
        .expect(422);
    assert!(reply.error().contains("revoked"), "{}", reply.text);
    admin
        .post(
            "/api/v1/admin/invites",
            json!({ "unit_id": east, "role": "learner", "max_uses": 1, "expires_in_days": 1 }),
        )
        .await
        .expect(409);
    admin
        .post(
            "/api/v1/admin/units",
            json!({ "name": "Below", "parent_id": east }),
        )
        .await
        .expect(409);
    // Spare is empty now.
    admin
        .post(&format!("/api/v1/admin/units/{spare}/archive"), json!({}))
        .await
        .expect(200);

    let actions: Vec<String> = audit(&mut admin, "actor=admin&limit=100")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for action in [
        "unit.create",
        "unit.rename",
        "unit.move",
        "unit.archive",
        "invite.create",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn invites_show_what_is_left_and_can_be_revoked() {
    let app = boot().await;
    let mut admin = app.admin().await;
    let unit = app.unit(&mut admin, "Unit", None).await;
    let created = admin
        .post(
            "/api/v1/admin/invites",
            json!({ "unit_id": unit, "role": "leader", "max_uses": 2, "expires_in_days": 3 }),
        )
        .await
        .expect(201)
        .json();
    let code = created["code"].as_str().unwrap().to_owned();
    assert_eq!(created["join_path"], format!("/join?code={code}"));
    assert_eq!(created["uses_left"], 2);
    assert_eq!(created["status"], "active");
    assert_eq!(created["role"], "leader");

    let join = |login: &str| json!({ "invite_code": code, "login": login, "display_name": login, "password": PASSWORD });
    app.browser()
        .post("/api/v1/auth/join", join("first"))
        .await
        .expect(201);
    let list = admin.get("/api/v1/admin/invites").await.expect(200).json();
    assert_eq!(list["invites"][0]["uses_left"], 1);

    let revoked = delete(
        &mut admin,
        &format!("/api/v1/admin/invites/{}", code.to_lowercase()),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(revoked["status"], "revoked");
    assert!(revoked["revoked_at"].is_i64());
    let reply = app
        .browser()
        .post("/api/v1/auth/join", join("second"))
        .await
        .expect(422);
    assert!(reply.error().contains("revoked"));
    let list = admin.get("/api/v1/admin/invites").await.expect(200).json();
    assert_eq!(list["invites"][0]["status"], "revoked");
    delete(&mut admin, "/api/v1/admin/invites/NOSUCHCODE")
        .await
        .expect(404);
    let entries = audit(&mut admin, "action=invite.revoke").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor"], ADMIN_LOGIN);
    assert_eq!(entries[0]["client_addr"], "127.0.0.1");
}

#[tokio::test]
async fn people_are_searched_changed_disabled_and_reset() {
    let app = boot().await;
    let mut admin = app.admin().await;
    let bureau = app.unit(&mut admin, "Bureau", None).await;
    let office = app.unit(&mut admin, "Office", Some(bureau)).await;
    let mut wang = app
        .member_named(&mut admin, office, "learner", "wang.fang", "王芳")
        .await;
    let _li = app
        .member_named(&mut admin, bureau, "leader", "li.ming", "李明")
        .await;
    wang.push("wang-phone", &crate::common::events("wang-phone", 1, 2))
        .await
        .expect(200);

    let found = admin
        .get("/api/v1/admin/users?q=王")
        .await
        .expect(200)
        .json();
    assert_eq!(found["total"], 1);
    assert_eq!(found["users"][0]["login"], "wang.fang");
    assert!(found["users"][0]["last_sync"].is_i64());
    let found = admin
        .get("/api/v1/admin/users?q=LI.M")
        .await
        .expect(200)
        .json();
    assert_eq!(found["users"][0]["login"], "li.ming");
    let found = admin
        .get(&format!("/api/v1/admin/users?unit_id={office}"))
        .await
        .expect(200)
        .json();
    assert_eq!(found["total"], 1);
    let found = admin
        .get("/api/v1/admin/users?role=leader")
        .await
        .expect(200)
        .json();
    assert_eq!(found["users"][0]["login"], "li.ming");
    let found = admin
        .get("/api/v1/admin/users?q=%25")
        .await
        .expect(200)
        .json();
    assert_eq!(found["total"], 0, "% is a character, not a wildcard");
    let page = admin
        .get("/api/v1/admin/users?limit=1&offset=1")
        .await
        .expect(200)
        .json();
    assert_eq!(page["users"].as_array().unwrap().len(), 1);
    assert_eq!(page["total"], 3);
    admin.get("/api/v1/admin/users?role=boss").await.expect(400);

    let wang_id = id_of(&mut admin, "wang.fang").await;
    let changed = patch(
        &mut admin,
        &format!("/api/v1/admin/users/{wang_id}"),
        json!({ "role": "leader", "unit_id": bureau }),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(changed["user"]["role"], "leader");
    assert_eq!(changed["user"]["unit_name"], "Bureau");
    let admin_id = id_of(&mut admin, ADMIN_LOGIN).await;
    patch(
        &mut admin,
        &format!("/api/v1/admin/users/{admin_id}"),
        json!({ "role": "learner" }),
    )
    .await
    .expect(409);
    patch(
        &mut admin,
        &format!("/api/v1/admin/users/{wang_id}"),
        json!({ "role": "admin" }),
    )
    .await
    .expect(409);
    patch(
        &mut admin,
        "/api/v1/admin/users/9999",
        json!({ "role": "leader" }),
    )
    .await
    .expect(404);

    // Disabling ends every session at once.
    wang.get("/api/v1/auth/me").await.expect(200);
    let disabled = admin
        .post(&format!("/api/v1/admin/users/{wang_id}/disable"), json!({}))
        .await
        .expect(200)
        .json();
    assert!(disabled["user"]["disabled_at"].is_i64());
    wang.get("/api/v1/auth/me").await.expect(401);
    let reply = app
        .browser()
        .post(
            "/api/v1/auth/login",
            json!({ "login": "wang.fang", "password": PASSWORD }),
        )
        .await
        .expect(403);
    assert!(reply.error().contains("disabled"));
    let found = admin
        .get("/api/v1/admin/users?disabled=true")
        .await
        .expect(200)
        .json();
    assert_eq!(found["total"], 1);
    admin
        .post(
            &format!("/api/v1/admin/users/{admin_id}/disable"),
            json!({}),
        )
        .await
        .expect(409);
    admin
        .post(&format!("/api/v1/admin/users/{wang_id}/enable"), json!({}))
        .await
        .expect(200);
    let mut wang = app.login("wang.fang", PASSWORD).await;

    // A reset: a one-time password, to be replaced at the next sign-in.
    let reset = admin
        .post(
            &format!("/api/v1/admin/users/{wang_id}/reset-password"),
            json!({}),
        )
        .await
        .expect(200)
        .json();
    let one_time = reset["one_time_password"].as_str().unwrap().to_owned();
    assert_eq!(one_time.len(), 12);
    assert!(reset["expires_at"].is_i64());
    wang.get("/api/v1/auth/me").await.expect(401);
    app.browser()
        .post(
            "/api/v1/auth/login",
            json!({ "login": "wang.fang", "password": PASSWORD }),
        )
        .await
        .expect(401);
    let mut fresh = app.browser();
    let signed = fresh
        .post(
            "/api/v1/auth/login",
            json!({ "login": "wang.fang", "password": one_time }),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(signed["must_change_password"], true);
    assert_eq!(
        fresh.get("/api/v1/auth/me").await.expect(200).json()["must_change_password"],
        true
    );
    let reply = fresh.get("/api/v1/sync/pull").await.expect(403);
    assert_eq!(reply.json()["must_change_password"], true);
    let reply = fresh
        .post(
            "/api/v1/auth/password",
            json!({ "old_password": one_time, "new_password": "1234567890" }),
        )
        .await
        .expect(422);
    assert!(reply.error().contains("common"));
    let changed = fresh
        .post(
            "/api/v1/auth/password",
            json!({ "old_password": one_time, "new_password": "a new password 2" }),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(changed["must_change_password"], false);
    fresh.get("/api/v1/sync/pull").await.expect(200);
    app.login("wang.fang", "a new password 2").await;

    let actions: Vec<String> = audit(&mut admin, "")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for action in [
        "user.update",
        "user.disable",
        "user.enable",
        "user.reset_password",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn learners_change_their_password_and_sign_out_their_devices() {
    let app = boot().await;
    let mut admin = app.admin().await;
    let unit = app.unit(&mut admin, "Unit", None).await;
    let mut phone = app.member(&mut admin, unit, "learner", "owner").await;
    let mut laptop = app.browser();
    let request = laptop
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("user-agent", "Laptop\tBrowser")
        .json(&json!({ "login": "owner", "password": PASSWORD }));
    laptop.finish(request).await.expect(200);
    let mut tablet = app.login("owner", PASSWORD).await;

    let list = laptop.get("/api/v1/auth/sessions").await.expect(200).json();
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    let current: Vec<&Value> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["user_agent"], "LaptopBrowser");
    assert!(current[0]["created_at"].is_i64() && current[0]["last_seen_at"].is_i64());
    // Sign the tablet out from the laptop.
    let tablet_id = tablet.get("/api/v1/auth/sessions").await.json()["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    delete(&mut laptop, &format!("/api/v1/auth/sessions/{tablet_id}"))
        .await
        .expect(204);
    tablet.get("/api/v1/auth/me").await.expect(401);
    delete(&mut laptop, &format!("/api/v1/auth/sessions/{tablet_id}"))
        .await
        .expect(404);
    // Nobody signs out another person's device.
    let admin_session = admin.get("/api/v1/auth/sessions").await.json()["sessions"][0]["id"]
        .as_i64()
        .unwrap();
    delete(
        &mut laptop,
        &format!("/api/v1/auth/sessions/{admin_session}"),
    )
    .await
    .expect(404);
    admin.get("/api/v1/auth/me").await.expect(200);

    // A password change needs the old one; it ends the other sessions.
    let reply = laptop
        .post(
            "/api/v1/auth/password",
            json!({ "old_password": "not it at all", "new_password": "brand new secret" }),
        )
        .await
        .expect(403);
    assert!(reply.error().contains("old password"));
    laptop
        .post(
            "/api/v1/auth/password",
            json!({ "old_password": PASSWORD, "new_password": "owner" }),
        )
        .await
        .expect(422);
    laptop
        .post(
            "/api/v1/auth/password",
            json!({ "old_password": PASSWORD, "new_password": "brand new secret" }),
        )
        .await
        .expect(200);
    laptop.get("/api/v1/auth/me").await.expect(200);
    phone.get("/api/v1/auth/me").await.expect(401);
    app.login("owner", "brand new secret").await;
}

const ROSTER: &str = "name,login,unit,role\r
Wang Fang,wang.fang,Bureau/Legal Aid Centre,learner\r
\"Li, Ming\",li.ming,Bureau,leader\r
Zhao Lei,zhao lei,Bureau,learner\r
Sun Li,sun.li,Bureau/Nowhere,learner\r
Qian Yu,wang.fang,Bureau,learner\r
Chen Jie,chen.jie,Bureau,admin\r
Zhou\u{202E}Xun,zhou.xun,Bureau,\r
Wu Di,admin,Bureau,learner\r
He Ping,he.ping,Bureau,\r
";

async fn roster_world() -> (TestApp, Browser) {
    let app = boot().await;
    let mut admin = app.admin().await;
    let bureau = app.unit(&mut admin, "Bureau", None).await;
    app.unit(&mut admin, "Legal Aid Centre", Some(bureau)).await;
    (app, admin)
}

#[tokio::test]
async fn a_roster_is_previewed_then_imported_row_by_row() {
    let (app, mut admin) = roster_world().await;
    let preview = admin
        .post("/api/v1/admin/roster/preview", json!({ "csv": ROSTER }))
        .await
        .expect(200)
        .json();
    let rows = preview["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 9);
    assert_eq!(preview["ok"], 3);
    assert_eq!(preview["errors"], 6);
    let error_of = |line: u64| rows.iter().find(|r| r["line"] == line).unwrap()["error"].clone();
    assert_eq!(error_of(2), Value::Null);
    assert_eq!(rows[1]["display_name"], "Li, Ming");
    assert_eq!(rows[1]["role"], "leader");
    assert!(error_of(4).as_str().unwrap().contains("login"));
    assert!(error_of(5).as_str().unwrap().contains("no unit"));
    assert!(error_of(6).as_str().unwrap().contains("already on line 2"));
    assert!(error_of(7).as_str().unwrap().contains("role"));
    assert!(error_of(8).as_str().unwrap().contains("format characters"));
    assert!(error_of(9).as_str().unwrap().contains("already taken"));
    assert_eq!(rows[8]["role"], "learner", "an empty role is a learner");
    // A preview creates nothing.
    let users = admin.get("/api/v1/admin/users").await.expect(200).json();
    assert_eq!(users["total"], 1);

    let imported = admin
        .post("/api/v1/admin/roster/import", json!({ "csv": ROSTER }))
        .await
        .expect(200)
        .json();
    assert_eq!(imported["ok"], 3);
    let created: Vec<&Value> = imported["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "created")
        .collect();
    assert_eq!(created.len(), 3);
    for row in imported["rows"].as_array().unwrap() {
        assert_eq!(
            row["one_time_password"].is_string(),
            row["status"] == "created",
            "{row}"
        );
    }
    let users = admin.get("/api/v1/admin/users").await.expect(200).json();
    assert_eq!(users["total"], 4);
    // The one-time password signs in, and must be replaced.
    let wang = created.iter().find(|r| r["login"] == "wang.fang").unwrap();
    let mut browser = app.browser();
    let signed = browser
        .post(
            "/api/v1/auth/login",
            json!({ "login": "wang.fang", "password": wang["one_time_password"] }),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(signed["must_change_password"], true);
    assert_eq!(signed["user"]["unit_name"], "Legal Aid Centre");
    // The same roster again: every row is taken now.
    let again = admin
        .post("/api/v1/admin/roster/import", json!({ "csv": ROSTER }))
        .await
        .expect(200)
        .json();
    assert_eq!(again["ok"], 0);
    let entries = audit(&mut admin, "action=roster.import").await;
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[1]["details"]["created"].as_array().unwrap().len(),
        3
    );

    admin
        .post("/api/v1/admin/roster/preview", json!({ "csv": "" }))
        .await
        .expect(422);
    admin
        .post("/api/v1/admin/roster/preview", json!({ "csv": "a,\"b" }))
        .await
        .expect(422);
}

#[tokio::test]
async fn content_history_lists_every_publication_and_rolls_back() {
    let app = boot().await;
    let mut admin = app.admin().await;
    let first = app.editions.clone();
    let mut packs = app.editions.packs.clone();
    for pack in &mut packs {
        pack.lessons[0].title = "A second version".into();
    }
    let second = qinglian_core::content::Editions::seal(packs);
    for pack in [&first, &second] {
        admin
            .put("/api/v1/admin/content", serde_json::to_value(pack).unwrap())
            .await
            .expect(200);
    }
    let history = admin
        .get("/api/v1/admin/content/history")
        .await
        .expect(200)
        .json();
    assert_eq!(history["current"], second.version);
    let versions = history["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], second.version);
    assert_eq!(versions[0]["published_by"], ADMIN_LOGIN);
    assert!(versions[0]["summary"].as_str().unwrap().contains("lessons"));
    assert!(versions[0]["published_at"].is_i64());

    let rolled = admin
        .post(
            "/api/v1/admin/content/rollback",
            json!({ "version": first.version }),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(rolled["version"], first.version);
    let version = app
        .browser()
        .get("/api/v1/content/version")
        .await
        .expect(200)
        .json();
    assert_eq!(version["version"], first.version);
    let history = admin
        .get("/api/v1/admin/content/history")
        .await
        .expect(200)
        .json();
    assert_eq!(history["versions"][0]["rollback_of"], first.version);
    assert_eq!(history["versions"].as_array().unwrap().len(), 3);
    admin
        .post(
            "/api/v1/admin/content/rollback",
            json!({ "version": "no-such-version" }),
        )
        .await
        .expect(404);
    let actions: Vec<String> = audit(&mut admin, "")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions[..3],
        ["content.rollback", "content.publish", "content.publish"]
    );
}

#[tokio::test]
async fn the_audit_log_is_filtered_and_paged() {
    let app = boot().await;
    let mut admin = app.admin().await;
    for i in 0..5 {
        app.unit(&mut admin, &format!("Unit {i}"), None).await;
    }
    let page = admin
        .get("/api/v1/admin/audit?action=unit.create&limit=2")
        .await
        .expect(200)
        .json();
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    assert_eq!(page["entries"][0]["details"]["name"], "Unit 4");
    let before = page["next_before"].as_i64().unwrap();
    let page = admin
        .get(&format!(
            "/api/v1/admin/audit?action=unit.create&limit=10&before={before}"
        ))
        .await
        .expect(200)
        .json();
    assert_eq!(page["entries"].as_array().unwrap().len(), 3);
    assert_eq!(page["next_before"], Value::Null);
    let at = page["entries"][0]["at"].as_i64().unwrap();
    let later = admin
        .get(&format!("/api/v1/admin/audit?from={}", at + 60_000))
        .await
        .expect(200)
        .json();
    assert_eq!(later["entries"].as_array().unwrap().len(), 0);
    let by_cli = admin
        .get("/api/v1/admin/audit?actor=cli")
        .await
        .expect(200)
        .json();
    // The bootstrap administrator was created from the command line.
    assert_eq!(by_cli["entries"][0]["action"], "user.create_admin");
    admin
        .get("/api/v1/admin/audit?from=yesterday")
        .await
        .expect(400);
}

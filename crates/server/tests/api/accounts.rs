//! Bootstrap, units, invites, joining, signing in and out, rate limits.

use crate::common::{boot, ADMIN_LOGIN, ADMIN_PASSWORD, PASSWORD};
use qinglian_core::sync::Role;
use qinglian_server::store::NewInvite;
use serde_json::json;

#[tokio::test]
async fn the_whole_account_flow() {
    let app = boot().await;
    let mut admin = app.admin().await;
    let me = admin.get("/api/v1/auth/me").await.expect(200).json();
    assert_eq!(me["user"]["login"], ADMIN_LOGIN);
    assert_eq!(me["user"]["role"], "admin");
    assert_eq!(me["user"]["unit_id"], serde_json::Value::Null);

    let bureau = app.unit(&mut admin, "Bureau", None).await;
    let office = app.unit(&mut admin, "Legal Office", Some(bureau)).await;
    let units = admin.get("/api/v1/admin/units").await.expect(200).json();
    assert_eq!(units["units"].as_array().unwrap().len(), 2);
    assert_eq!(units["units"][1]["parent_id"], bureau);

    let invite = admin
        .post(
            "/api/v1/admin/invites",
            json!({ "unit_id": office, "role": "learner", "max_uses": 3, "expires_in_days": 14 }),
        )
        .await
        .expect(201)
        .json();
    let code = invite["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 10);
    assert_eq!(invite["unit_name"], "Legal Office");
    assert_eq!(invite["uses"], 0);

    // Join: codes are forgiving about case and dashes; logins about case.
    let mut learner = app.browser();
    let typed = format!("{}-{}", &code[..5], &code[5..]).to_lowercase();
    let joined = learner
        .post(
            "/api/v1/auth/join",
            json!({ "invite_code": typed, "login": "Li.Ming", "display_name": " 李明 ", "password": PASSWORD }),
        )
        .await
        .expect(201);
    let cookie = joined.header("set-cookie").to_owned();
    assert!(cookie.starts_with("qinglian_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "loopback: no Secure: {cookie}");
    let user = &joined.json()["user"];
    assert_eq!(user["login"], "li.ming");
    assert_eq!(user["display_name"], "李明");
    assert_eq!(user["role"], "learner");
    assert_eq!(user["unit_id"], office);
    assert_eq!(user["unit_name"], "Legal Office");

    let me = learner.get("/api/v1/auth/me").await.expect(200).json();
    assert_eq!(me["user"], *user);

    // Sign out: 204, the cookie is cleared, and the old token is dead.
    let old_cookie = learner.cookie.clone();
    let out = learner
        .send(reqwest::Method::POST, "/api/v1/auth/logout", None)
        .await
        .expect(204);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    assert!(learner.cookie.is_none());
    let reply = learner.get("/api/v1/auth/me").await.expect(401);
    assert!(reply.error().contains("not signed in"));
    learner.cookie = old_cookie;
    let reply = learner.get("/api/v1/auth/me").await.expect(401);
    assert!(reply.error().contains("sign in again"));

    // Sign in again with login + password.
    let mut again = app.login("LI.MING", PASSWORD).await;
    let me = again.get("/api/v1/auth/me").await.expect(200).json();
    assert_eq!(me["user"]["id"], user["id"]);

    let users = admin.get("/api/v1/admin/users").await.expect(200).json();
    let logins: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins, [ADMIN_LOGIN, "li.ming"]);
    let invites = admin.get("/api/v1/admin/invites").await.expect(200).json();
    assert_eq!(invites["invites"][0]["uses"], 1);
}

#[tokio::test]
async fn invites_run_out_and_expire() {
    let app = boot().await;
    let mut admin = app.admin().await;
    let unit = app.unit(&mut admin, "Unit", None).await;
    let code = app.invite(&mut admin, unit, "learner", 2).await;
    let join = |login: &str, code: &str| json!({ "invite_code": code, "login": login, "display_name": login, "password": PASSWORD });
    let mut browser = app.browser();
    browser
        .post("/api/v1/auth/join", join("one", &code))
        .await
        .expect(201);
    browser
        .post("/api/v1/auth/join", join("two", &code))
        .await
        .expect(201);
    let reply = browser
        .post("/api/v1/auth/join", join("three", &code))
        .await
        .expect(422);
    assert!(
        reply.error().contains("used as often as allowed"),
        "{}",
        reply.text
    );

    // An invite whose time has passed (written straight to the store: the
    // API only issues invites of a day or more).
    let store = crate::common::store_of(&app.database).await;
    let admin_id = admin.get("/api/v1/auth/me").await.json()["user"]["id"]
        .as_i64()
        .unwrap();
    store
        .create_invite(
            NewInvite {
                code: "EXPREDCDE2".into(),
                unit_id: unit,
                role: Role::Learner,
                max_uses: 5,
                expires_at: qinglian_server::now_ms() - 1,
                created_by: Some(admin_id),
            },
            0,
            &qinglian_server::store::Actor::cli(),
        )
        .await
        .unwrap();
    let reply = browser
        .post("/api/v1/auth/join", join("four", "EXPREDCDE2"))
        .await
        .expect(422);
    assert!(reply.error().contains("expired"), "{}", reply.text);

    let reply = browser
        .post("/api/v1/auth/join", join("five", "NOSUCHCODE"))
        .await
        .expect(422);
    assert!(reply.error().contains("unknown invite code"));

    // Invites are for learners and leaders, within sane bounds.
    for body in [
        json!({ "unit_id": unit, "role": "admin", "max_uses": 1, "expires_in_days": 1 }),
        json!({ "unit_id": unit, "role": "learner", "max_uses": 0, "expires_in_days": 1 }),
        json!({ "unit_id": unit, "role": "learner", "max_uses": 1, "expires_in_days": 0 }),
        json!({ "unit_id": 999, "role": "learner", "max_uses": 1, "expires_in_days": 1 }),
    ] {
        let reply = admin
            .post("/api/v1/admin/invites", body.clone())
            .await
            .expect(422);
        assert!(!reply.error().is_empty(), "{body}");
    }
    let reply = admin
        .post(
            "/api/v1/admin/invites",
            json!({ "unit_id": unit, "role": "boss", "max_uses": 1, "expires_in_days": 1 }),
        )
        .await
        .expect(422);
    assert!(reply.error().contains("role"), "{}", reply.text);
    let reply = admin
        .post(
            "/api/v1/admin/units",
            json!({ "name": "Orphan", "parent_id": 999 }),
        )
        .await
        .expect(422);
    assert!(reply.error().contains("no unit with id 999"));
}

#[tokio::test]
async fn joining_checks_password_login_and_name() {
    let app = boot().await;
    let mut admin = app.admin().await;
    let unit = app.unit(&mut admin, "Unit", None).await;
    let code = app.invite(&mut admin, unit, "learner", 10).await;
    let mut browser = app.browser();
    let reply = browser
        .post(
            "/api/v1/auth/join",
            json!({ "invite_code": code, "login": "short", "display_name": "S", "password": "123456789" }),
        )
        .await
        .expect(422);
    assert!(
        reply.error().contains("at least 10 characters"),
        "{}",
        reply.text
    );
    let reply = browser
        .post(
            "/api/v1/auth/join",
            json!({ "invite_code": code, "login": "no spaces", "display_name": "S", "password": PASSWORD }),
        )
        .await
        .expect(422);
    assert!(reply.error().contains("login"));
    let reply = browser
        .post(
            "/api/v1/auth/join",
            json!({ "invite_code": code, "login": "blank", "display_name": "   ", "password": PASSWORD }),
        )
        .await
        .expect(422);
    assert!(reply.error().contains("display name"));
    let reply = browser
        .post(
            "/api/v1/auth/join",
            json!({ "invite_code": code, "login": ADMIN_LOGIN, "display_name": "Me", "password": PASSWORD }),
        )
        .await
        .expect(409);
    assert!(reply.error().contains("already taken"));
    // None of the refusals used the invite.
    let invites = admin.get("/api/v1/admin/invites").await.expect(200).json();
    assert_eq!(invites["invites"][0]["uses"], 0);
    // A missing field is named.
    let reply = browser
        .post(
            "/api/v1/auth/join",
            json!({ "invite_code": code, "login": "x" }),
        )
        .await
        .expect(422);
    assert!(reply.error().contains("missing field"), "{}", reply.text);
}

#[tokio::test]
async fn wrong_passwords_are_rate_limited_per_account() {
    let app = boot().await;
    let mut browser = app.browser();
    for _ in 0..5 {
        let reply = browser
            .post(
                "/api/v1/auth/login",
                json!({ "login": ADMIN_LOGIN, "password": "wrong-password" }),
            )
            .await
            .expect(401);
        assert_eq!(reply.error(), "wrong login or password");
    }
    // Even the right password waits now.
    let reply = browser
        .post(
            "/api/v1/auth/login",
            json!({ "login": ADMIN_LOGIN, "password": ADMIN_PASSWORD }),
        )
        .await
        .expect(429);
    let error = reply.error();
    assert!(
        error.starts_with("too many attempts: try again in "),
        "{error}"
    );
    assert!(error.ends_with(" s"), "{error}");
    let seconds: u64 = reply.header("retry-after").parse().unwrap();
    assert!((1..=900).contains(&seconds), "{seconds}");
    assert!(browser.cookie.is_none());
}

#[tokio::test]
async fn wrong_passwords_are_rate_limited_per_address() {
    let app = boot().await;
    let mut browser = app.browser();
    for i in 0..qinglian_server::auth::ADDRESS_FAILURES {
        browser
            .post(
                "/api/v1/auth/login",
                json!({ "login": format!("guess{i}"), "password": "wrong-password" }),
            )
            .await
            .expect(401);
    }
    let reply = browser
        .post(
            "/api/v1/auth/login",
            json!({ "login": "another", "password": "wrong-password" }),
        )
        .await
        .expect(429);
    assert!(reply.error().starts_with("too many attempts"));
    assert!(!reply.header("retry-after").is_empty());
}

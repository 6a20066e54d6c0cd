//! Who may do what: 401 without a valid session, 403 for the wrong role or
//! another unit, on every endpoint that needs a session.

use crate::common::{boot, events, Browser, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// Every endpoint that needs a session, with a body that would be accepted.
fn protected(unit: i64) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/api/v1/auth/me".into(), None),
        (
            Method::POST,
            "/api/v1/sync/push".into(),
            Some(json!({ "device": "dev-x", "events": [] })),
        ),
        (Method::GET, "/api/v1/sync/pull?device=dev-x".into(), None),
        (Method::GET, "/api/v1/admin/units".into(), None),
        (
            Method::POST,
            "/api/v1/admin/units".into(),
            Some(json!({ "name": "New" })),
        ),
        (Method::GET, "/api/v1/admin/invites".into(), None),
        (
            Method::POST,
            "/api/v1/admin/invites".into(),
            Some(
                json!({ "unit_id": unit, "role": "learner", "max_uses": 1, "expires_in_days": 1 }),
            ),
        ),
        (Method::GET, "/api/v1/admin/users".into(), None),
        (
            Method::GET,
            "/api/v1/admin/users?q=x&role=learner".into(),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/admin/units/{unit}"),
            Some(json!({ "name": "Renamed" })),
        ),
        (
            Method::POST,
            "/api/v1/admin/units/424242/archive".into(),
            Some(json!({})),
        ),
        (
            Method::DELETE,
            "/api/v1/admin/invites/NOSUCHCODE".into(),
            None,
        ),
        (
            Method::PATCH,
            "/api/v1/admin/users/424242".into(),
            Some(json!({ "role": "leader" })),
        ),
        (
            Method::POST,
            "/api/v1/admin/users/424242/disable".into(),
            Some(json!({})),
        ),
        (
            Method::POST,
            "/api/v1/admin/users/424242/enable".into(),
            Some(json!({})),
        ),
        (
            Method::POST,
            "/api/v1/admin/users/424242/reset-password".into(),
            Some(json!({})),
        ),
        (
            Method::POST,
            "/api/v1/admin/roster/preview".into(),
            Some(json!({ "csv": "Name,name.x,Nowhere,learner" })),
        ),
        (
            Method::POST,
            "/api/v1/admin/roster/import".into(),
            Some(json!({ "csv": "Name,name.x,Nowhere,learner" })),
        ),
        (Method::GET, "/api/v1/admin/content/history".into(), None),
        (
            Method::POST,
            "/api/v1/admin/content/rollback".into(),
            Some(json!({ "version": "none" })),
        ),
        (Method::GET, "/api/v1/admin/audit".into(), None),
        (Method::GET, "/api/v1/auth/sessions".into(), None),
        (Method::DELETE, "/api/v1/auth/sessions/424242".into(), None),
        (
            Method::POST,
            "/api/v1/auth/password".into(),
            Some(
                json!({ "old_password": "not the password", "new_password": "another password 9" }),
            ),
        ),
        (
            Method::PUT,
            "/api/v1/admin/content".into(),
            Some(json!({ "version": "x" })),
        ),
        (Method::GET, "/api/v1/reports/units".into(), None),
        (Method::GET, format!("/api/v1/reports/units/{unit}"), None),
        (
            Method::GET,
            format!("/api/v1/reports/units/{unit}.csv"),
            None,
        ),
    ]
}

/// What a caller allowed on an endpoint gets with the bodies above.
fn own_status(path: &str) -> u16 {
    match path {
        // The old password is wrong.
        "/api/v1/auth/password" => 403,
        // No such session of the caller.
        p if p.contains("424242") => 404,
        _ => 200,
    }
}

async fn call(browser: &mut Browser, method: &Method, path: &str, body: &Option<Value>) -> u16 {
    let body = body.as_ref().map(|b| serde_json::to_vec(b).unwrap());
    let reply = browser.send(method.clone(), path, body).await;
    if !reply.status.is_success() {
        // Every refusal is a JSON error.
        assert!(!reply.error().is_empty(), "{method} {path}");
    }
    reply.status.as_u16()
}

struct World {
    app: TestApp,
    admin: Browser,
    bureau: i64,
    office: i64,
    other: i64,
    leader: Browser,
    learner: Browser,
}

/// Bureau ⊃ Office; Other beside it. The leader leads Bureau.
async fn world() -> World {
    let app = boot().await;
    let mut admin = app.admin().await;
    let bureau = app.unit(&mut admin, "Bureau", None).await;
    let office = app.unit(&mut admin, "Office", Some(bureau)).await;
    let other = app.unit(&mut admin, "Other", None).await;
    let leader = app.member(&mut admin, bureau, "leader", "leader").await;
    let learner = app.member(&mut admin, office, "learner", "learner").await;
    World {
        app,
        admin,
        bureau,
        office,
        other,
        leader,
        learner,
    }
}

#[tokio::test]
async fn no_session_or_a_bad_one_is_401_everywhere() {
    let w = world().await;
    let mut anonymous = w.app.browser();
    let mut forged = w.app.browser();
    forged.cookie = Some(format!("qinglian_session={}", "ab".repeat(32)));
    for (method, path, body) in protected(w.office) {
        assert_eq!(
            call(&mut anonymous, &method, &path, &body).await,
            401,
            "{method} {path}"
        );
        assert_eq!(
            call(&mut forged, &method, &path, &body).await,
            401,
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn learners_reach_only_their_own_data() {
    let mut w = world().await;
    for (method, path, body) in protected(w.office) {
        let status = call(&mut w.learner, &method, &path, &body).await;
        let own = path.starts_with("/api/v1/auth/") || path.starts_with("/api/v1/sync/");
        let expected = if own { own_status(&path) } else { 403 };
        assert_eq!(status, expected, "learner {method} {path}");
    }
}

#[tokio::test]
async fn leaders_see_their_units_reports_and_nothing_else() {
    let mut w = world().await;
    for (method, path, body) in protected(w.office) {
        let status = call(&mut w.leader, &method, &path, &body).await;
        let allowed = path.starts_with("/api/v1/auth/")
            || path.starts_with("/api/v1/sync/")
            || path.starts_with("/api/v1/reports/units/");
        let expected = if allowed { own_status(&path) } else { 403 };
        assert_eq!(status, expected, "leader {method} {path}");
    }
    // Own unit and the unit below it: yes. A unit beside it: no.
    for unit in [w.bureau, w.office] {
        let path = format!("/api/v1/reports/units/{unit}");
        w.leader.get(&path).await.expect(200);
    }
    let reply = w
        .leader
        .get(&format!("/api/v1/reports/units/{}", w.other))
        .await
        .expect(403);
    assert!(reply.error().contains("own unit"), "{}", reply.text);
    w.leader
        .get(&format!("/api/v1/reports/units/{}.csv", w.other))
        .await
        .expect(403);
    w.leader
        .get("/api/v1/reports/units/424242")
        .await
        .expect(403);

    // A leader of the office does not see the bureau above it.
    let mut office_leader = w
        .app
        .member(&mut w.admin, w.office, "leader", "office-lead")
        .await;
    office_leader
        .get(&format!("/api/v1/reports/units/{}", w.bureau))
        .await
        .expect(403);
    office_leader
        .get(&format!("/api/v1/reports/units/{}", w.office))
        .await
        .expect(200);
}

#[tokio::test]
async fn admins_reach_everything() {
    let mut w = world().await;
    for (method, path, body) in protected(w.office) {
        let status = call(&mut w.admin, &method, &path, &body).await;
        // The content body above is not a pack: the role check passed, the
        // pack was then refused.
        let expected = match (method.as_str(), path.as_str()) {
            ("PUT", "/api/v1/admin/content") => 422,
            (_, p) if p.contains("424242") || p.contains("NOSUCHCODE") => {
                if p.contains("units/424242") {
                    422
                } else {
                    404
                }
            }
            (_, "/api/v1/admin/content/rollback") => 404,
            (_, "/api/v1/auth/password") => 403,
            ("POST", _) if path.ends_with("/units") || path.ends_with("/invites") => 201,
            _ => 200,
        };
        assert_eq!(status, expected, "admin {method} {path}");
    }
    w.admin
        .get(&format!("/api/v1/reports/units/{}", w.other))
        .await
        .expect(200);
    let reply = w
        .admin
        .get("/api/v1/reports/units/424242")
        .await
        .expect(404);
    assert!(reply.error().contains("424242"));
    w.admin.get("/api/v1/reports/units/abc").await.expect(400);
}

#[tokio::test]
async fn sync_sees_only_the_callers_events() {
    let mut w = world().await;
    w.learner
        .push("learner-phone", &events("learner-phone", 1, 3))
        .await
        .expect(200);
    // The leader's pull does not see the learner's events.
    let page = w.leader.get("/api/v1/sync/pull").await.expect(200).json();
    assert_eq!(page["events"].as_array().unwrap().len(), 0);
    let page = w.admin.get("/api/v1/sync/pull").await.expect(200).json();
    assert_eq!(page["events"].as_array().unwrap().len(), 0);
    let page = w.learner.get("/api/v1/sync/pull").await.expect(200).json();
    assert_eq!(page["events"].as_array().unwrap().len(), 3);
}

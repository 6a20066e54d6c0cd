//! Group study sessions: scheduling, who sees what (the check-in secret
//! never reaches a member), check-ins judged when pushed, minutes, and the
//! sessions in the unit report.

use crate::common::{boot, Browser, TestApp};
use qinglian_core::events::{Event, EventKind};
use qinglian_core::together::{check_in_code, check_in_step};
use qinglian_server::now_ms;
use reqwest::Method;
use serde_json::{json, Value};

pub const MINUTE: i64 = 60_000;

/// A bureau with an office below it, and another unit beside it.
pub struct Units {
    pub admin: Browser,
    pub bureau: i64,
    pub office: i64,
    pub other: i64,
    /// Leader of the bureau.
    pub chief: Browser,
    /// Learner in the office.
    pub clerk: Browser,
    /// Learner in the other unit.
    pub stranger: Browser,
    /// Leader of the other unit.
    pub other_chief: Browser,
}

pub async fn units(app: &TestApp) -> Units {
    let mut admin = app.admin().await;
    let bureau = app.unit(&mut admin, "Bureau", None).await;
    let office = app.unit(&mut admin, "Office", Some(bureau)).await;
    let other = app.unit(&mut admin, "Other", None).await;
    let chief = app.member(&mut admin, bureau, "leader", "chief").await;
    let clerk = app.member(&mut admin, office, "learner", "clerk").await;
    let stranger = app.member(&mut admin, other, "learner", "stranger").await;
    let other_chief = app.member(&mut admin, other, "leader", "otherchief").await;
    Units {
        admin,
        bureau,
        office,
        other,
        chief,
        clerk,
        stranger,
        other_chief,
    }
}

pub fn session_body(client_id: &str, unit: i64, starts_at: i64, ends_at: i64) -> Value {
    json!({
        "client_id": client_id,
        "unit_id": unit,
        "kind": "group_study",
        "topic": "学习《条例》",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": "三楼会议室",
    })
}

/// Schedules a session as `who`; returns it as the scheduler sees it.
pub async fn schedule(who: &mut Browser, body: Value) -> Value {
    who.post("/api/v1/sessions", body).await.expect(201).json()
}

pub fn event(device: &str, seq: u64, at: i64, kind: EventKind) -> Event {
    Event {
        id: format!("{device}-{seq}"),
        device: device.into(),
        seq,
        at,
        kind,
    }
}

fn check_in(device: &str, seq: u64, at: i64, session: i64, code: &str) -> Event {
    event(
        device,
        seq,
        at,
        EventKind::SessionCheckIn {
            session,
            code: code.into(),
        },
    )
}

fn code(session: &Value, at: i64) -> String {
    check_in_code(session["secret"].as_str().unwrap(), check_in_step(at)).unwrap()
}

async fn listed(who: &mut Browser, id: i64) -> Option<Value> {
    let list = who.get("/api/v1/sessions").await.expect(200).json();
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .cloned()
}

#[tokio::test]
async fn sessions_check_the_caller_on_every_endpoint() {
    let app = boot().await;
    let mut u = units(&app).await;
    let now = now_ms();
    let body = session_body("c-1", u.office, now + 10 * MINUTE, now + 70 * MINUTE);
    let session = schedule(&mut u.chief, body.clone()).await;
    let id = session["id"].as_i64().unwrap();

    // 401 without a session, on every endpoint.
    let mut anonymous = app.browser();
    for (method, path, body) in [
        (Method::GET, "/api/v1/sessions".to_owned(), None),
        (
            Method::POST,
            "/api/v1/sessions".to_owned(),
            Some(body.clone()),
        ),
        (Method::POST, format!("/api/v1/sessions/{id}/cancel"), None),
        (
            Method::PUT,
            format!("/api/v1/sessions/{id}/minutes"),
            Some(json!({"points": "p", "decisions": "", "summary": "s", "publish": false})),
        ),
    ] {
        let reply = anonymous
            .send(method, &path, body.map(|b| serde_json::to_vec(&b).unwrap()))
            .await;
        assert_eq!(reply.status.as_u16(), 401, "{path}: {}", reply.text);
    }

    // 403: a learner schedules; another unit's leader schedules for the bureau.
    let reply = u
        .clerk
        .post(
            "/api/v1/sessions",
            session_body("c-2", u.office, now, now + MINUTE),
        )
        .await
        .expect(403);
    assert!(reply.error().contains("role"), "{}", reply.text);
    u.other_chief
        .post(
            "/api/v1/sessions",
            session_body("c-3", u.bureau, now, now + MINUTE),
        )
        .await
        .expect(403);
    // A leader of the bureau may schedule for the office below it, not above.
    u.chief
        .post(
            "/api/v1/sessions",
            session_body("c-4", u.other, now, now + MINUTE),
        )
        .await
        .expect(403);

    // Another unit's people: not listed, may not cancel or write minutes.
    assert!(listed(&mut u.stranger, id).await.is_none());
    assert!(listed(&mut u.other_chief, id).await.is_none());
    u.other_chief
        .post(&format!("/api/v1/sessions/{id}/cancel"), json!({}))
        .await
        .expect(403);
    u.clerk
        .post(&format!("/api/v1/sessions/{id}/cancel"), json!({}))
        .await
        .expect(403);
    let minutes = json!({"points": "p", "decisions": "", "summary": "s", "publish": true});
    u.other_chief
        .put(&format!("/api/v1/sessions/{id}/minutes"), minutes.clone())
        .await
        .expect(403);
    u.clerk
        .put(&format!("/api/v1/sessions/{id}/minutes"), minutes.clone())
        .await
        .expect(403);
    // An administrator leads every unit (cancel), but only the convener
    // and the scheduler write minutes.
    u.admin
        .put(&format!("/api/v1/sessions/{id}/minutes"), minutes.clone())
        .await
        .expect(403);

    // 404 for an unknown id.
    u.chief
        .post("/api/v1/sessions/424242/cancel", json!({}))
        .await
        .expect(404);
    u.chief
        .put("/api/v1/sessions/424242/minutes", minutes.clone())
        .await
        .expect(404);
    u.chief
        .post("/api/v1/sessions/abc/cancel", json!({}))
        .await
        .expect(400);

    // 422 naming the field.
    let mut bad = session_body("c-5", u.office, now, now + MINUTE);
    bad["topic"] = json!("  ");
    let reply = u.chief.post("/api/v1/sessions", bad).await.expect(422);
    assert_eq!(reply.json()["field"], "topic", "{}", reply.text);
    let mut bad = session_body("c-6", u.office, now, now + MINUTE);
    bad["lessons"] = json!([app.pack.lessons[0].id, "no-such-lesson"]);
    let reply = u.chief.post("/api/v1/sessions", bad).await.expect(422);
    assert_eq!(reply.json()["field"], "lessons[1]", "{}", reply.text);
    assert!(reply.error().contains("no-such-lesson"));
    let mut bad = session_body("c-7", u.office, now, now + MINUTE);
    bad["scenario"] = json!("no-such-scenario");
    let reply = u.chief.post("/api/v1/sessions", bad).await.expect(422);
    assert_eq!(reply.json()["field"], "scenario");
    let stranger_id = u.stranger.get("/api/v1/auth/me").await.json()["user"]["id"].clone();
    let mut bad = session_body("c-8", u.office, now, now + MINUTE);
    bad["convener_id"] = stranger_id;
    let reply = u.chief.post("/api/v1/sessions", bad).await.expect(422);
    assert_eq!(reply.json()["field"], "convener_id", "{}", reply.text);
    let reply = u
        .chief
        .post("/api/v1/sessions", json!({"client_id": "x"}))
        .await
        .expect(422);
    assert!(reply.error().contains("missing field"), "{}", reply.text);

    // The leader of the bureau cancels; cancelling twice changes nothing.
    let first = u
        .chief
        .post(&format!("/api/v1/sessions/{id}/cancel"), json!({}))
        .await
        .expect(200)
        .json();
    assert!(first["cancelled_at"].is_i64());
    let second = u
        .admin
        .post(&format!("/api/v1/sessions/{id}/cancel"), json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(first["cancelled_at"], second["cancelled_at"]);
    // Minutes of a cancelled session: 409.
    u.chief
        .put(&format!("/api/v1/sessions/{id}/minutes"), minutes)
        .await
        .expect(409);
}

#[tokio::test]
async fn a_retry_with_the_same_client_id_makes_no_second_session() {
    let app = boot().await;
    let mut u = units(&app).await;
    let now = now_ms();
    let body = session_body("retry-1", u.office, now + MINUTE, now + 61 * MINUTE);
    let first = schedule(&mut u.chief, body.clone()).await;
    let again = u
        .chief
        .post("/api/v1/sessions", body.clone())
        .await
        .expect(200)
        .json();
    assert_eq!(first["id"], again["id"]);
    assert_eq!(first["secret"], again["secret"]);
    let list = u.chief.get("/api/v1/sessions").await.expect(200).json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    // The same client id from another account is another request.
    let other = u
        .admin
        .post("/api/v1/sessions", body)
        .await
        .expect(201)
        .json();
    assert_ne!(other["id"], first["id"]);
    assert_eq!(
        u.chief
            .get("/api/v1/sessions")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn the_secret_reaches_the_convener_and_scheduler_only() {
    let app = boot().await;
    let mut u = units(&app).await;
    let mut deputy = app.member(&mut u.admin, u.office, "leader", "deputy").await;
    let deputy_id = deputy.get("/api/v1/auth/me").await.json()["user"]["id"].clone();
    let now = now_ms();
    let mut body = session_body("s-1", u.office, now + 5 * MINUTE, now + 65 * MINUTE);
    body["convener_id"] = deputy_id;
    body["lessons"] = json!([app.pack.lessons[0].id]);
    let session = u
        .admin
        .post("/api/v1/sessions", body)
        .await
        .expect(201)
        .json();
    let id = session["id"].as_i64().unwrap();
    let secret = session["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 64);
    assert!(secret.chars().all(|c| c.is_ascii_hexdigit()));

    // The convener sees it, the attendees and (empty) minutes.
    let as_convener = listed(&mut deputy, id).await.unwrap();
    assert_eq!(as_convener["secret"], secret.as_str());
    let attendees = as_convener["attendees"].as_array().unwrap();
    assert_eq!(
        attendees.len(),
        2,
        "the clerk and the deputy: {attendees:?}"
    );
    assert_eq!(attendees[0]["prepared"], false);
    // A leader of the unit who neither scheduled nor convenes: attendees, no secret.
    let as_chief = listed(&mut u.chief, id).await.unwrap();
    assert_eq!(as_chief["secret"], Value::Null);
    assert!(as_chief["attendees"].is_array());
    // A member: neither.
    let as_clerk = listed(&mut u.clerk, id).await.unwrap();
    assert_eq!(as_clerk["secret"], Value::Null);
    assert_eq!(as_clerk["attendees"], Value::Null);
    assert_eq!(as_clerk["minutes"], Value::Null);

    // Nothing the member (or the chief) can read carries the secret.
    let clerk_code = code(&session, now);
    let push = u
        .clerk
        .push(
            "clerk-phone",
            &[check_in("clerk-phone", 1, now, id, &clerk_code)],
        )
        .await
        .expect(200);
    let mut texts = vec![
        push.text,
        u.clerk.get("/api/v1/sessions").await.text,
        u.clerk.get("/api/v1/assignments").await.text,
        u.clerk.get("/api/v1/sync/pull").await.text,
        u.chief.get("/api/v1/sessions").await.text,
        u.chief
            .get(&format!("/api/v1/reports/units/{}", u.bureau))
            .await
            .text,
        u.chief
            .get(&format!("/api/v1/reports/units/{}.csv", u.bureau))
            .await
            .text,
    ];
    texts.push(
        u.chief
            .post(&format!("/api/v1/sessions/{id}/cancel"), json!({}))
            .await
            .expect(200)
            .text,
    );
    for text in &texts {
        assert!(!text.contains(&secret), "the secret leaked: {text}");
    }
    // The check-in counted all the same.
    let as_clerk = listed(&mut u.clerk, id).await.unwrap();
    assert_eq!(as_clerk["my_check_in"]["state"], "confirmed", "{as_clerk}");
}

#[tokio::test]
async fn check_ins_are_judged_when_pushed() {
    let app = boot().await;
    let mut u = units(&app).await;
    let now = now_ms();
    let main = schedule(
        &mut u.chief,
        session_body("main", u.office, now - 10 * MINUTE, now + 50 * MINUTE),
    )
    .await;
    let beside = schedule(
        &mut u.chief,
        session_body("beside", u.office, now - 10 * MINUTE, now + 50 * MINUTE),
    )
    .await;
    let early = schedule(
        &mut u.chief,
        session_body(
            "early",
            u.office,
            now + 3 * 60 * MINUTE,
            now + 4 * 60 * MINUTE,
        ),
    )
    .await;
    let late = schedule(
        &mut u.chief,
        session_body(
            "late",
            u.office,
            now - 4 * 60 * MINUTE,
            now - 3 * 60 * MINUTE,
        ),
    )
    .await;
    let cancelled = schedule(
        &mut u.chief,
        session_body("cancelled", u.office, now - 10 * MINUTE, now + 50 * MINUTE),
    )
    .await;
    let id = |s: &Value| s["id"].as_i64().unwrap();
    u.chief
        .post(
            &format!("/api/v1/sessions/{}/cancel", id(&cancelled)),
            json!({}),
        )
        .await
        .expect(200);

    let device = "clerk-phone";
    let mut seq = 0;
    let mut next = || {
        seq += 1;
        seq
    };
    let log = vec![
        // Another session's code, then a mistyped one.
        check_in(device, next(), now, id(&main), &code(&beside, now)),
        check_in(device, next(), now, id(&beside), "000000"),
        check_in(device, next(), now, id(&early), &code(&early, now)),
        check_in(device, next(), now, id(&late), &code(&late, now)),
        check_in(device, next(), now, id(&cancelled), &code(&cancelled, now)),
        check_in(device, next(), now, 424242, "123456"),
    ];
    u.clerk.push(device, &log).await.expect(200);
    let state = |s: &Value| {
        (
            s["my_check_in"]["state"]
                .as_str()
                .unwrap_or("none")
                .to_owned(),
            s["my_check_in"]["reason"].as_str().unwrap_or("").to_owned(),
        )
    };
    let refused = |reason: &str| ("refused".to_owned(), reason.to_owned());
    let seen = |list: &Value, s: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == s["id"])
            .cloned()
            .unwrap()
    };
    let list = u.clerk.get("/api/v1/sessions").await.expect(200).json();
    assert_eq!(state(&seen(&list, &main)), refused("wrong_code"));
    assert_eq!(state(&seen(&list, &early)), refused("too_early"));
    assert_eq!(state(&seen(&list, &late)), refused("too_late"));
    assert_eq!(state(&seen(&list, &cancelled)), refused("cancelled"));
    // "000000" would be right once in a million: then this fails.
    assert_eq!(state(&seen(&list, &beside)), refused("wrong_code"));

    // The code passed on and typed 20 minutes later.
    let shown = now - 20 * MINUTE;
    let passed_on = check_in(device, next(), now, id(&main), &code(&main, shown));
    u.clerk.push(device, &[passed_on]).await.expect(200);
    let list = u.clerk.get("/api/v1/sessions").await.json();
    assert_eq!(state(&seen(&list, &main)), refused("not_when_shown"));

    // The right code at the right time: confirmed, with the minute shown.
    let right = check_in(device, next(), now + 20_000, id(&main), &code(&main, now));
    let right_id = right.id.clone();
    u.clerk.push(device, &[right]).await.expect(200);
    let list = u.clerk.get("/api/v1/sessions").await.json();
    let mine = &seen(&list, &main)["my_check_in"];
    assert_eq!(mine["state"], "confirmed", "{mine}");
    assert_eq!(mine["event_id"], right_id.as_str());
    assert_eq!(mine["shown_at"], check_in_step(now) * MINUTE);
    // A mistyped retry afterwards does not undo it.
    let again = check_in(device, next(), now + 30_000, id(&main), "999999");
    u.clerk.push(device, &[again]).await.expect(200);
    let list = u.clerk.get("/api/v1/sessions").await.json();
    assert_eq!(seen(&list, &main)["my_check_in"]["state"], "confirmed");

    // A member of another unit with the right code: not their session.
    let stranger = check_in("s-phone", 1, now, id(&main), &code(&main, now));
    u.stranger.push("s-phone", &[stranger]).await.expect(200);
    let chief_view = listed(&mut u.chief, id(&main)).await.unwrap();
    let attendees = chief_view["attendees"].as_array().unwrap();
    assert_eq!(attendees.len(), 1, "the office's clerk only: {attendees:?}");
    assert_eq!(attendees[0]["check_in"]["state"], "confirmed");
    assert!(listed(&mut u.stranger, id(&main)).await.is_none());

    // Pushing the same events again judges nothing twice.
    u.clerk.push(device, &log).await.expect(200);

    // The report counts one confirmed attendance.
    let report = u
        .chief
        .get(&format!("/api/v1/reports/units/{}", u.bureau))
        .await
        .expect(200)
        .json();
    let sessions = report["sessions"].as_array().unwrap();
    assert_eq!(
        sessions.len(),
        4,
        "the cancelled one is left out: {sessions:?}"
    );
    let line = sessions.iter().find(|s| s["id"] == main["id"]).unwrap();
    assert_eq!(line["expected"], 1);
    assert_eq!(line["attended"], 1);
    assert_eq!(line["prepared"], Value::Null, "nothing to prepare");
    for other in [&beside, &early, &late] {
        let line = sessions.iter().find(|s| s["id"] == other["id"]).unwrap();
        assert_eq!(line["attended"], 0, "{line}");
    }
    let clerk = report["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["login"] == "clerk")
        .unwrap();
    assert_eq!(clerk["sessions_attended"], 1);
    // The stranger's unit counts none.
    let other_report = u
        .other_chief
        .get(&format!("/api/v1/reports/units/{}", u.other))
        .await
        .expect(200)
        .json();
    assert_eq!(other_report["sessions"], json!([]));
    assert_eq!(other_report["members"][0]["sessions_attended"], 0);
}

#[tokio::test]
async fn a_voided_check_in_does_not_count() {
    let app = boot().await;
    let mut u = units(&app).await;
    let now = now_ms();
    let session = schedule(
        &mut u.chief,
        session_body("v", u.office, now - 10 * MINUTE, now + 50 * MINUTE),
    )
    .await;
    let id = session["id"].as_i64().unwrap();
    let first = check_in("p", 1, now, id, &code(&session, now));
    let void = event(
        "p",
        2,
        now + 1000,
        EventKind::Void {
            target: first.id.clone(),
        },
    );
    u.clerk.push("p", &[first]).await.expect(200);
    assert_eq!(
        listed(&mut u.clerk, id).await.unwrap()["my_check_in"]["state"],
        "confirmed"
    );
    u.clerk.push("p", &[void]).await.expect(200);
    assert_eq!(
        listed(&mut u.clerk, id).await.unwrap()["my_check_in"],
        Value::Null
    );
    let report = u
        .chief
        .get(&format!("/api/v1/reports/units/{}", u.office))
        .await
        .json();
    assert_eq!(report["sessions"][0]["attended"], 0);
}

#[tokio::test]
async fn published_minutes_show_the_summary_to_members_not_the_minutes() {
    let app = boot().await;
    let mut u = units(&app).await;
    let now = now_ms();
    let lesson = app.pack.lessons[0].id.clone();
    let mut body = session_body("m", u.office, now + 10 * MINUTE, now + 70 * MINUTE);
    body["lessons"] = json!([lesson]);
    let session = schedule(&mut u.chief, body).await;
    let id = session["id"].as_i64().unwrap();
    let path = format!("/api/v1/sessions/{id}/minutes");
    let minutes = json!({
        "points": "讨论了三个问题",
        "decisions": "每月一次",
        "speakers": ["张三", "李四"],
        "summary": "本次学习了《条例》",
        "publish": false,
    });
    let saved = u.chief.put(&path, minutes.clone()).await.expect(200).json();
    assert_eq!(saved["minutes"]["points"], "讨论了三个问题");
    assert_eq!(saved["summary_published_at"], Value::Null);
    let as_clerk = listed(&mut u.clerk, id).await.unwrap();
    assert_eq!(as_clerk["summary"], Value::Null);
    assert_eq!(as_clerk["minutes"], Value::Null);

    let mut publish = minutes.clone();
    publish["publish"] = json!(true);
    let published = u.chief.put(&path, publish).await.expect(200).json();
    let at = published["summary_published_at"].as_i64().unwrap();
    let as_clerk = listed(&mut u.clerk, id).await.unwrap();
    assert_eq!(as_clerk["summary"], "本次学习了《条例》");
    assert_eq!(as_clerk["minutes"], Value::Null, "{as_clerk}");
    let text = u.clerk.get("/api/v1/sessions").await.text;
    assert!(!text.contains("讨论了三个问题"), "{text}");

    // A later edit without publish: still published, the new text shown.
    let mut edit = minutes.clone();
    edit["summary"] = json!("修改后的摘要");
    let edited = u.chief.put(&path, edit).await.expect(200).json();
    assert_eq!(edited["summary_published_at"], at);
    assert_eq!(
        listed(&mut u.clerk, id).await.unwrap()["summary"],
        "修改后的摘要"
    );
    // The leader of the unit reads the full minutes.
    let as_admin = listed(&mut u.admin, id).await.unwrap();
    assert_eq!(as_admin["minutes"]["speakers"], json!(["张三", "李四"]));

    // Bad minutes: 422 naming the field.
    let mut bad = minutes;
    bad["points"] = json!("");
    let reply = u.chief.put(&path, bad).await.expect(422);
    assert_eq!(reply.json()["field"], "points");

    // Prepared: the lesson done before the start.
    u.clerk
        .push("c", &[event("c", 1, now, EventKind::LessonDone { lesson })])
        .await
        .expect(200);
    let as_chief = listed(&mut u.chief, id).await.unwrap();
    assert_eq!(as_chief["attendees"][0]["prepared"], true);
    let report = u
        .chief
        .get(&format!("/api/v1/reports/units/{}", u.bureau))
        .await
        .json();
    assert_eq!(report["sessions"][0]["prepared"], 1);
    assert_eq!(report["sessions"][0]["expected"], 1);
}

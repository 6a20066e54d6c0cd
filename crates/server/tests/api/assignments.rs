//! Assignments: who may assign and see them, completion derived from the
//! members' pushed events, overdue counts and the questions missed most in
//! the unit report.

use super::sessions::{event, units, MINUTE};
use crate::common::boot;
use qinglian_core::events::EventKind;
use qinglian_server::now_ms;
use reqwest::Method;
use serde_json::{json, Value};

const DAY: i64 = 24 * 60 * MINUTE;

fn find(list: &Value, id: &Value) -> Option<Value> {
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| &a["id"] == id)
        .cloned()
}

#[tokio::test]
async fn assignments_check_the_caller_on_every_endpoint() {
    let app = boot().await;
    let mut u = units(&app).await;
    let lesson = app.pack.lessons[0].id.clone();
    let body = json!({
        "client_id": "a-1",
        "unit_id": u.office,
        "items": [{"kind": "lesson", "id": lesson}],
        "due_at": now_ms() + 2 * DAY,
    });
    let created = u
        .chief
        .post("/api/v1/assignments", body.clone())
        .await
        .expect(201)
        .json();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["assigned_by"], "CHIEF");
    assert_eq!(created["members"], 1);
    assert_eq!(created["done"], 0);

    let mut anonymous = app.browser();
    for (method, path, body) in [
        (Method::GET, "/api/v1/assignments".to_owned(), None),
        (
            Method::POST,
            "/api/v1/assignments".to_owned(),
            Some(body.clone()),
        ),
        (
            Method::POST,
            format!("/api/v1/assignments/{id}/cancel"),
            None,
        ),
    ] {
        let reply = anonymous
            .send(method, &path, body.map(|b| serde_json::to_vec(&b).unwrap()))
            .await;
        assert_eq!(reply.status.as_u16(), 401, "{path}: {}", reply.text);
    }

    // 403: a learner; another unit's leader, for the bureau's office.
    let mut other = body.clone();
    other["client_id"] = json!("a-2");
    u.clerk
        .post("/api/v1/assignments", other.clone())
        .await
        .expect(403);
    u.other_chief
        .post("/api/v1/assignments", other.clone())
        .await
        .expect(403);
    u.other_chief
        .post(&format!("/api/v1/assignments/{id}/cancel"), json!({}))
        .await
        .expect(403);
    u.clerk
        .post(&format!("/api/v1/assignments/{id}/cancel"), json!({}))
        .await
        .expect(403);
    u.chief
        .post("/api/v1/assignments/424242/cancel", json!({}))
        .await
        .expect(404);

    // Another unit's people do not see it.
    let list = u
        .stranger
        .get("/api/v1/assignments")
        .await
        .expect(200)
        .json();
    assert!(find(&list, &created["id"]).is_none());
    let list = u.other_chief.get("/api/v1/assignments").await.json();
    assert!(find(&list, &created["id"]).is_none());

    // 422 naming the item.
    for (items, field) in [
        (
            json!([{"kind": "lesson", "id": lesson}, {"kind": "lesson", "id": "nope"}]),
            "items[1]",
        ),
        (json!([{"kind": "scenario", "id": "nope"}]), "items[0]"),
        (
            json!([{"kind": "risk_check", "checklist": "nope"}]),
            "items[0]",
        ),
        (
            json!([{"kind": "pledge", "version": app.pack.pledge.version + 1}]),
            "items[0]",
        ),
        (json!([]), "items"),
    ] {
        let mut bad = other.clone();
        bad["items"] = items;
        let reply = u.chief.post("/api/v1/assignments", bad).await.expect(422);
        assert_eq!(reply.json()["field"], field, "{}", reply.text);
    }
    let mut bad = other.clone();
    bad["due_at"] = json!(now_ms() - 3 * DAY);
    let reply = u.chief.post("/api/v1/assignments", bad).await.expect(422);
    assert_eq!(reply.json()["field"], "due_at");

    // A retry: the same assignment, 200; one in the list.
    let again = u
        .chief
        .post("/api/v1/assignments", body)
        .await
        .expect(200)
        .json();
    assert_eq!(again["id"], created["id"]);
    let list = u.chief.get("/api/v1/assignments").await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Cancelled: gone for the member, shown as cancelled to the leader.
    let member_list = u.clerk.get("/api/v1/assignments").await.json();
    assert!(find(&member_list, &created["id"]).is_some());
    let cancelled = u
        .admin
        .post(&format!("/api/v1/assignments/{id}/cancel"), json!({}))
        .await
        .expect(200)
        .json();
    assert!(cancelled["cancelled_at"].is_i64());
    let member_list = u.clerk.get("/api/v1/assignments").await.json();
    assert!(find(&member_list, &created["id"]).is_none());
    let leader_list = u.chief.get("/api/v1/assignments").await.json();
    assert!(find(&leader_list, &created["id"]).unwrap()["cancelled_at"].is_i64());
}

#[tokio::test]
async fn completion_comes_from_the_members_events() {
    let app = boot().await;
    let mut u = units(&app).await;
    let mut colleague = app
        .member(&mut u.admin, u.office, "learner", "colleague")
        .await;
    let lesson = app.pack.lessons[0].id.clone();
    let checklist = app.pack.risk_checklists[0].id.clone();
    let scenario = app.pack.scenarios[0].id.clone();
    let version = app.pack.pledge.version;
    let now = now_ms();
    // Addressed to the bureau: the office's members get it too.
    let assignment = u
        .chief
        .post(
            "/api/v1/assignments",
            json!({
                "client_id": "done-1",
                "unit_id": u.bureau,
                "items": [
                    {"kind": "lesson", "id": lesson},
                    {"kind": "scenario", "id": scenario},
                    {"kind": "risk_check", "checklist": checklist},
                    {"kind": "pledge", "version": version},
                ],
                "due_at": now + 5 * DAY,
                "note": "本月完成",
            }),
        )
        .await
        .expect(201)
        .json();
    let members = assignment["members"].as_i64().unwrap();
    assert_eq!(members, 3, "the chief, the clerk, the colleague");

    let as_clerk = find(
        &u.clerk.get("/api/v1/assignments").await.json(),
        &assignment["id"],
    )
    .unwrap();
    assert_eq!(as_clerk["members"], Value::Null);
    assert_eq!(as_clerk["done"], Value::Null);
    assert_eq!(as_clerk["note"], "本月完成");
    assert_eq!(as_clerk["unit_name"], "Bureau");

    let d = "clerk-phone";
    let log = vec![
        event(
            d,
            1,
            now,
            EventKind::LessonDone {
                lesson: lesson.clone(),
            },
        ),
        event(
            d,
            2,
            now,
            EventKind::ScenarioFinished {
                scenario,
                choices: vec![],
                sound: 0,
                total: 0,
            },
        ),
        event(d, 3, now, EventKind::RiskCheckCompleted { checklist }),
    ];
    u.clerk.push(d, &log).await.expect(200);
    let done = |list: Value| find(&list, &assignment["id"]).unwrap()["done"].clone();
    assert_eq!(
        done(u.chief.get("/api/v1/assignments").await.json()),
        0,
        "no pledge yet"
    );
    // An older pledge version does not do; the current one does.
    u.clerk
        .push(
            d,
            &[event(
                d,
                4,
                now,
                EventKind::PledgeAcknowledged {
                    version: version - 1,
                },
            )],
        )
        .await
        .expect(200);
    assert_eq!(done(u.chief.get("/api/v1/assignments").await.json()), 0);
    u.clerk
        .push(
            d,
            &[event(d, 5, now, EventKind::PledgeAcknowledged { version })],
        )
        .await
        .expect(200);
    assert_eq!(done(u.chief.get("/api/v1/assignments").await.json()), 1);
    // Another member's events are theirs: the colleague has done nothing.
    colleague
        .push(
            "col",
            &[event("col", 1, now, EventKind::LessonDone { lesson })],
        )
        .await
        .expect(200);
    assert_eq!(done(u.admin.get("/api/v1/assignments").await.json()), 1);

    // Voiding the lesson undoes it.
    u.clerk
        .push(
            d,
            &[event(
                d,
                6,
                now,
                EventKind::Void {
                    target: format!("{d}-1"),
                },
            )],
        )
        .await
        .expect(200);
    assert_eq!(done(u.chief.get("/api/v1/assignments").await.json()), 0);
}

#[tokio::test]
async fn the_report_counts_overdue_and_the_questions_missed_most() {
    let app = boot().await;
    let mut u = units(&app).await;
    let lesson = &app.pack.lessons[0];
    let now = now_ms();
    // One overdue already (due an hour ago), one open.
    let overdue = u
        .chief
        .post(
            "/api/v1/assignments",
            json!({
                "client_id": "late-1",
                "unit_id": u.office,
                "items": [{"kind": "lesson", "id": lesson.id}],
                "due_at": now - 60 * MINUTE,
            }),
        )
        .await
        .expect(201)
        .json();
    let open = u
        .chief
        .post(
            "/api/v1/assignments",
            json!({
                "client_id": "open-1",
                "unit_id": u.bureau,
                "items": [{"kind": "pledge", "version": app.pack.pledge.version}],
                "due_at": now + 3 * DAY,
            }),
        )
        .await
        .expect(201)
        .json();
    // Another unit's assignment stays out of the bureau's report.
    u.other_chief
        .post(
            "/api/v1/assignments",
            json!({
                "client_id": "x-1",
                "unit_id": u.other,
                "items": [{"kind": "lesson", "id": lesson.id}],
                "due_at": now - 60 * MINUTE,
            }),
        )
        .await
        .expect(201);

    // The clerk answers: question 0 three times, two wrong; question 1
    // twice, both wrong (too few to list); an unknown question five times.
    let q0 = lesson.quiz[0].id.clone();
    let q1 = lesson
        .quiz
        .get(1)
        .map_or("q-none".to_owned(), |q| q.id.clone());
    let answer = |seq: u64, question: &str, correct: bool| {
        event(
            "c",
            seq,
            now,
            EventKind::QuestionAnswered {
                lesson: lesson.id.clone(),
                question: question.to_owned(),
                chosen: vec![0],
                correct,
            },
        )
    };
    let mut log = vec![
        answer(1, &q0, false),
        answer(2, &q0, true),
        answer(3, &q0, false),
        answer(4, &q1, false),
        answer(5, &q1, false),
    ];
    for seq in 6..=10 {
        log.push(answer(seq, "not-in-the-pack", false));
    }
    // A voided wrong answer is not counted.
    log.push(answer(11, &q0, false));
    log.push(event(
        "c",
        12,
        now,
        EventKind::Void {
            target: "c-11".into(),
        },
    ));
    u.clerk.push("c", &log).await.expect(200);

    let report = u
        .chief
        .get(&format!("/api/v1/reports/units/{}", u.bureau))
        .await
        .expect(200)
        .json();
    let errors = report["question_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["lesson"], lesson.id.as_str());
    assert_eq!(errors[0]["question"], q0.as_str());
    assert_eq!(errors[0]["answers"], 3);
    assert_eq!(errors[0]["wrong"], 2);
    assert_eq!(errors[0]["error_rate_per_mille"], 667);

    let assignments = report["assignments"].as_array().unwrap();
    assert_eq!(assignments.len(), 2, "{assignments:?}");
    let late = assignments
        .iter()
        .find(|a| a["id"] == overdue["id"])
        .unwrap();
    assert_eq!(late["members"], 1);
    assert_eq!(late["done"], 0);
    assert_eq!(late["overdue"], 1);
    let soon = assignments.iter().find(|a| a["id"] == open["id"]).unwrap();
    assert_eq!(soon["members"], 2);
    assert_eq!(soon["overdue"], 0);
    let member = |report: &Value, login: &str| {
        report["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["login"] == login)
            .cloned()
            .unwrap()
    };
    let clerk = member(&report, "clerk");
    assert_eq!(clerk["assignments_overdue"], 1);
    assert_eq!(clerk["assignments_open"], 1);
    let chief = member(&report, "chief");
    assert_eq!(chief["assignments_overdue"], 0, "the office's is not his");
    assert_eq!(chief["assignments_open"], 1);

    // The CSV: the new parts first.
    let csv = u
        .chief
        .get(&format!("/api/v1/reports/units/{}.csv", u.bureau))
        .await
        .expect(200)
        .text;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "\"question_errors\"");
    assert_eq!(
        lines[1],
        "\"lesson\",\"question\",\"answers\",\"wrong\",\"error_rate_per_mille\""
    );
    assert_eq!(
        lines[2],
        format!("\"{}\",\"{q0}\",\"3\",\"2\",\"667\"", lesson.id)
    );
    let start = lines.iter().position(|l| *l == "\"assignments\"").unwrap();
    let late_line = lines[start + 2..]
        .iter()
        .find(|l| l.starts_with(&format!("\"{}\",", overdue["id"])))
        .unwrap();
    assert!(late_line.ends_with(",\"1\",\"0\",\"1\""), "{late_line}");
    let members_at = lines.iter().position(|l| *l == "\"members\"").unwrap();
    assert!(members_at > start);
    assert!(lines[members_at + 1]
        .ends_with("\"sessions_attended\",\"assignments_open\",\"assignments_overdue\""));
    let clerk_line = lines.iter().find(|l| l.contains(",\"clerk\",")).unwrap();
    assert!(clerk_line.ends_with(",\"0\",\"1\",\"1\""), "{clerk_line}");

    // Doing the lesson late: done, no longer overdue.
    u.clerk
        .push(
            "c",
            &[event(
                "c",
                13,
                now,
                EventKind::LessonDone {
                    lesson: lesson.id.clone(),
                },
            )],
        )
        .await
        .expect(200);
    let report = u
        .chief
        .get(&format!("/api/v1/reports/units/{}", u.office))
        .await
        .json();
    let late = report["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == overdue["id"])
        .cloned()
        .unwrap();
    assert_eq!(
        (late["done"].clone(), late["overdue"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(member(&report, "clerk")["assignments_overdue"], 0);
    // The office's report leaves out the bureau's own assignment.
    assert_eq!(report["assignments"].as_array().unwrap().len(), 1);
    // Another unit's leader may not read it.
    u.other_chief
        .get(&format!("/api/v1/reports/units/{}", u.office))
        .await
        .expect(403);
}

//! Unit reports: each member's progress folded from their synced events.

use crate::common::boot;
use qinglian_core::events::{Event, EventKind};
use qinglian_server::now_ms;
use serde_json::json;

fn event(device: &str, seq: u64, at: i64, kind: EventKind) -> Event {
    Event {
        id: format!("{device}-{seq}"),
        device: device.into(),
        seq,
        at,
        kind,
    }
}

#[tokio::test]
async fn a_unit_report_folds_each_members_events() {
    let app = boot().await;
    let mut admin = app.admin().await;
    let bureau = app.unit(&mut admin, "Bureau", None).await;
    let office = app.unit(&mut admin, "Office, East", Some(bureau)).await;
    let mut leader = app.member(&mut admin, bureau, "leader", "chief").await;
    let mut busy = app.member(&mut admin, office, "learner", "busy").await;
    let _idle = app
        .member_named(&mut admin, office, "learner", "idle", "=SUM(A1)")
        .await;
    let lesson = app.pack.lessons[0].id.clone();
    let pledge = app.pack.pledge.version;
    let checklist = app.pack.risk_checklists[0].id.clone();
    let now = now_ms();
    let log = vec![
        event(
            "busy-phone",
            1,
            now,
            EventKind::LessonDone {
                lesson: lesson.clone(),
            },
        ),
        event(
            "busy-phone",
            2,
            now,
            EventKind::QuizFinished {
                lesson: lesson.clone(),
                score: 3,
                total: 4,
            },
        ),
        event(
            "busy-phone",
            3,
            now,
            EventKind::QuizFinished {
                lesson: lesson.clone(),
                score: 4,
                total: 5,
            },
        ),
        event("busy-phone", 4, now, EventKind::StudyTime { seconds: 1500 }),
        event(
            "busy-phone",
            5,
            now,
            EventKind::PledgeAcknowledged { version: pledge },
        ),
        event(
            "busy-phone",
            6,
            now,
            EventKind::RiskCheckCompleted { checklist },
        ),
    ];
    busy.push("busy-phone", &log).await.expect(200);

    let report = leader
        .get(&format!("/api/v1/reports/units/{bureau}"))
        .await
        .expect(200)
        .json();
    assert_eq!(report["unit"]["name"], "Bureau");
    assert_eq!(report["content_version"], app.pack.version);
    let members = report["members"].as_array().unwrap();
    assert_eq!(members.len(), 3, "the leader and the office's two learners");
    let busy_row = members.iter().find(|m| m["login"] == "busy").unwrap();
    assert_eq!(busy_row["display_name"], "BUSY");
    assert_eq!(busy_row["lessons_done"]["everyone"], 1);
    assert_eq!(busy_row["average_best_quiz_percent"], 80);
    assert_eq!(busy_row["study_minutes_this_month"], 25);
    assert_eq!(
        busy_row["credits_this_quarter"], 4,
        "2 for 20 minutes + 2 for a mastery"
    );
    assert_eq!(busy_row["pledge_acknowledged"], true);
    assert_eq!(busy_row["risk_check_done"], true);
    assert!(busy_row["last_sync"].as_i64().unwrap() >= now - 60_000);
    let idle_row = members.iter().find(|m| m["login"] == "idle").unwrap();
    assert_eq!(idle_row["last_sync"], serde_json::Value::Null);
    assert_eq!(idle_row["pledge_acknowledged"], false);
    assert_eq!(
        idle_row["average_best_quiz_percent"],
        serde_json::Value::Null
    );
    let totals = &report["totals"];
    assert_eq!(totals["members"], 3);
    assert_eq!(totals["synced_members"], 1);
    assert_eq!(totals["pledge_acknowledged"], 1);
    assert_eq!(totals["study_minutes_this_month"], 25);
    assert_eq!(totals["lessons_done"]["everyone"], 1);

    // The office's report holds only the office.
    let office_report = leader
        .get(&format!("/api/v1/reports/units/{office}"))
        .await
        .expect(200)
        .json();
    assert_eq!(office_report["totals"]["members"], 2);

    // CSV, by suffix or by query.
    for path in [
        format!("/api/v1/reports/units/{office}.csv"),
        format!("/api/v1/reports/units/{office}?format=csv"),
    ] {
        let reply = leader.get(&path).await.expect(200);
        assert!(reply.header("content-type").starts_with("text/csv"));
        assert!(reply
            .header("content-disposition")
            .starts_with("attachment; filename="));
        let all: Vec<&str> = reply.text.lines().collect();
        // The studying-together sections come first; the members after
        // their title row, up to the first blank line (the open questions follow).
        assert_eq!(all[0], "\"question_errors\"");
        let start = all.iter().position(|l| *l == "\"members\"").unwrap() + 1;
        let lines: Vec<&str> = all[start..]
            .iter()
            .copied()
            .take_while(|l| !l.is_empty())
            .collect();
        assert_eq!(
            lines.len(),
            4,
            "header, two members, totals: {}",
            reply.text
        );
        // Every field quoted.
        assert!(lines[0].starts_with("\"display_name\",\"login\",\"unit\",\"role\",\"last_sync\","));
        assert!(lines[0].contains("pledge_acknowledged"));
        let busy_line = lines.iter().find(|l| l.contains(",\"busy\",")).unwrap();
        assert!(busy_line.contains("\"Office, East\""), "{busy_line}");
        assert!(
            busy_line.ends_with(",\"80\",\"25\",\"4\",\"yes\",\"yes\",\"0\",\"0\",\"0\""),
            "{busy_line}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with("\"'=SUM(A1)\"")),
            "formulas are defused"
        );
        assert!(lines[3].starts_with("\"TOTAL (2 members)\""));
        for line in all.iter().filter(|l| !l.is_empty()) {
            assert!(line.starts_with('"') && line.ends_with('"'), "{line}");
        }
    }
    leader
        .get(&format!("/api/v1/reports/units/{office}?format=pdf"))
        .await
        .expect(400);

    // The administrators' overview: a row per unit, sub-units included.
    let summary = admin.get("/api/v1/reports/units").await.expect(200).json();
    let rows = summary["units"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["unit"]["id"], bureau);
    assert_eq!(rows[0]["members"], 3);
    assert_eq!(rows[1]["members"], 2);
    assert_eq!(rows[1]["synced_members"], 1);
    assert_eq!(summary["content_version"], json!(app.pack.version));
}

/// The report's figures come from SQL aggregates; they must equal the fold's.
#[tokio::test]
async fn sql_aggregates_give_the_folds_figures() {
    use qinglian_core::progress::fold;
    use qinglian_core::sync::{Role, User};
    use qinglian_server::reports::member_report;
    use qinglian_server::store::UserRecord;
    let app = boot().await;
    let mut admin = app.admin().await;
    let unit = app.unit(&mut admin, "Unit", None).await;
    let mut learner = app.member(&mut admin, unit, "learner", "folded").await;
    let now = now_ms();
    let lessons: Vec<String> = app.pack.lessons.iter().map(|l| l.id.clone()).collect();
    let mut log = Vec::new();
    fn push(log: &mut Vec<Event>, kind: EventKind, at: i64) {
        let seq = log.len() as u64 + 1;
        log.push(event("folded-phone", seq, at, kind));
    }
    let hour = 3_600_000;
    for (i, lesson) in lessons.iter().enumerate() {
        push(
            &mut log,
            EventKind::LessonDone {
                lesson: lesson.clone(),
            },
            now - (i as i64 + 1) * hour,
        );
        // A worse attempt later, a mastering one earlier, another total last.
        push(
            &mut log,
            EventKind::QuizFinished {
                lesson: lesson.clone(),
                score: 4,
                total: 5,
            },
            now - 30 * hour,
        );
        push(
            &mut log,
            EventKind::QuizFinished {
                lesson: lesson.clone(),
                score: 1,
                total: 4,
            },
            now - 2 * hour,
        );
    }
    // More than 24 hours in one day, in 4-hour records, and a voided one.
    for i in 0..8 {
        push(
            &mut log,
            EventKind::StudyTime { seconds: 4 * 3600 },
            now - 1000 - i,
        );
    }
    push(
        &mut log,
        EventKind::StudyTime { seconds: 1800 },
        now - 5 * hour,
    );
    let voided = log.last().unwrap().id.clone();
    push(&mut log, EventKind::Void { target: voided }, now - 4 * hour);
    let first_done = log[0].id.clone();
    push(&mut log, EventKind::Void { target: first_done }, now - hour);
    push(
        &mut log,
        EventKind::PledgeAcknowledged {
            version: app.pack.pledge.version,
        },
        now,
    );
    push(
        &mut log,
        EventKind::RiskCheckCompleted {
            checklist: app.pack.risk_checklists[0].id.clone(),
        },
        now,
    );
    learner.push("folded-phone", &log).await.expect(200);

    let report = admin
        .get(&format!("/api/v1/reports/units/{unit}"))
        .await
        .expect(200)
        .json();
    let line = &report["members"][0];
    let record = UserRecord {
        user: User {
            id: line["user_id"].as_i64().unwrap(),
            login: "folded".into(),
            display_name: "FOLDED".into(),
            role: Role::Learner,
            unit_id: Some(unit),
            unit_name: Some("Unit".into()),
        },
        created_at: 0,
        last_sync: line["last_sync"].as_i64(),
        disabled_at: None,
        must_change_password: false,
    };
    let now = report["generated_at"].as_i64().unwrap();
    let expected = member_report(&record, &fold(&log, 0), Some(&app.pack), now);
    let expected = serde_json::to_value(&expected).unwrap();
    for field in [
        "lessons_done",
        "average_best_quiz_percent",
        "study_minutes_this_month",
        "credits_this_quarter",
        "pledge_acknowledged",
        "risk_check_done",
    ] {
        assert_eq!(line[field], expected[field], "{field}: {line}");
    }
    assert_eq!(line["pledge_acknowledged"], true);
}

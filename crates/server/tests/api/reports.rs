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
        let lines: Vec<&str> = reply.text.lines().collect();
        assert_eq!(
            lines.len(),
            4,
            "header, two members, totals: {}",
            reply.text
        );
        assert!(lines[0].starts_with("display_name,login,unit,role,last_sync,"));
        assert!(lines[0].contains("pledge_acknowledged"));
        let busy_line = lines.iter().find(|l| l.contains(",busy,")).unwrap();
        assert!(busy_line.contains("\"Office, East\""), "{busy_line}");
        assert!(busy_line.ends_with(",80,25,4,yes,yes"), "{busy_line}");
        assert!(
            lines.iter().any(|l| l.starts_with("'=SUM(A1)")),
            "formulas are defused"
        );
        assert!(lines[3].starts_with("TOTAL (2 members)"));
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

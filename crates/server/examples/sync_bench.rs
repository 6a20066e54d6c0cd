//! Sync throughput: boots the server on port 0 with a fresh data directory,
//! pushes 10,000 events in batches of 500 and pulls them back from another
//! device, and prints events per second for each. Run it optimised:
//!
//! ```text
//! cargo run --release -p qinglian-server --example sync_bench [-- EVENTS BATCH]
//! ```
//!
//! The last line is JSON, for `cargo xtask bench`.

use qinglian_core::events::{Event, EventKind};
use qinglian_server::Config;
use serde_json::{json, Value};
use std::time::Instant;

const PASSWORD: &str = "bench-password-1";

async fn send(cookie: &mut Option<String>, request: reqwest::RequestBuilder) -> (u16, Value) {
    let request = match cookie {
        Some(c) => request.header("cookie", c.as_str()),
        None => request,
    };
    let response = request.send().await.expect("the server answers");
    if let Some(set) = response.headers().get("set-cookie") {
        *cookie = set
            .to_str()
            .ok()
            .and_then(|s| s.split(';').next())
            .map(str::to_owned);
    }
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let total: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let batch: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);

    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    qinglian_server::admin::create_admin(
        &qinglian_server::admin::Database::Sqlite(data.path().to_owned()),
        "bench-admin",
        "Bench",
        PASSWORD,
    )
    .await
    .unwrap();
    let config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        data.path().to_owned(),
        dist.path().to_owned(),
    );
    let addr = qinglian_server::spawn(config).await.unwrap();
    let base = format!("http://{addr}/api/v1");
    let http = reqwest::Client::new();

    // An administrator makes a unit and an invite; a learner joins.
    let mut admin = None;
    let (status, _) = send(
        &mut admin,
        http.post(format!("{base}/auth/login"))
            .json(&json!({ "login": "bench-admin", "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, 200);
    let (_, unit) = send(
        &mut admin,
        http.post(format!("{base}/admin/units"))
            .json(&json!({ "name": "Bench" })),
    )
    .await;
    let (_, invite) = send(
        &mut admin,
        http.post(format!("{base}/admin/invites")).json(&json!({
            "unit_id": unit["unit"]["id"], "role": "learner", "max_uses": 1, "expires_in_days": 1
        })),
    )
    .await;
    let mut learner = None;
    let (status, _) = send(
        &mut learner,
        http.post(format!("{base}/auth/join")).json(&json!({
            "invite_code": invite["code"], "login": "bench", "display_name": "Bench", "password": PASSWORD
        })),
    )
    .await;
    assert_eq!(status, 201);

    let events: Vec<Event> = (1..=total)
        .map(|seq| Event {
            id: format!("00000000-0000-4000-8000-{seq:012}"),
            device: "bench-phone".into(),
            seq,
            at: 1_700_000_000_000 + seq as i64 * 1_000,
            kind: if seq % 3 == 0 {
                EventKind::QuizFinished {
                    lesson: "st-gifts".into(),
                    score: 4,
                    total: 5,
                }
            } else {
                EventKind::StudyTime { seconds: 60 }
            },
        })
        .collect();

    let start = Instant::now();
    let mut batches = 0;
    for chunk in events.chunks(batch as usize) {
        let (status, body) = send(
            &mut learner,
            http.post(format!("{base}/sync/push"))
                .json(&json!({ "device": "bench-phone", "events": chunk })),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        batches += 1;
    }
    let push_secs = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut cursor = 0;
    let mut pulled = 0;
    let mut pages = 0;
    loop {
        let (status, page) = send(
            &mut learner,
            http.get(format!(
                "{base}/sync/pull?device=bench-laptop&cursor={cursor}&limit=1000"
            )),
        )
        .await;
        assert_eq!(status, 200);
        pages += 1;
        pulled += page["events"].as_array().map_or(0, Vec::len) as u64;
        cursor = page["next_cursor"].as_i64().unwrap();
        if page["more"] != json!(true) {
            break;
        }
    }
    let pull_secs = start.elapsed().as_secs_f64();
    assert_eq!(pulled, total, "every event comes back");

    let push_rate = total as f64 / push_secs;
    let pull_rate = total as f64 / pull_secs;
    println!(
        "push: {total} events in {batches} batches of {batch}: {push_secs:.2} s, {push_rate:.0} events/s"
    );
    println!("pull: {total} events in {pages} pages of up to 1000: {pull_secs:.2} s, {pull_rate:.0} events/s");
    println!(
        "{}",
        json!({
            "events": total,
            "batch": batch,
            "push_events_per_s": push_rate.round(),
            "pull_events_per_s": pull_rate.round(),
        })
    );
}

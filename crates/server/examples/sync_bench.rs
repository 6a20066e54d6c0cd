//! Sync throughput and latency: boots the server on port 0 with a fresh
//! database and measures, through HTTP on loopback:
//!
//! - one device pushing 10,000 events in batches of 500, and another
//!   pulling them back (events per second each);
//! - 50 devices (50 accounts) each pushing a batch of 100 events at the same
//!   moment, 5 rounds: the p50 and p95 time of a push and the events per
//!   second of the whole;
//! - the unit report (JSON) of a unit of 500 members with 2,000 events each
//!   (written straight into the store), the median of 3 requests.
//!
//! On SQLite (one server), and, when `QINGLIAN_BENCH_POSTGRES` names a
//! PostgreSQL server whose user may create databases, on a fresh PostgreSQL
//! database with two servers sharing it (the devices alternate between them).
//! Run it optimised:
//!
//! ```text
//! cargo run --release -p qinglian-server --example sync_bench
//! ```
//!
//! The last line is JSON, for `cargo xtask bench`.

use qinglian_core::events::{Event, EventKind};
use qinglian_server::admin::Database;
use qinglian_server::Config;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench-password-1";
/// Events of the one-device push.
const TOTAL: u64 = 10_000;
const BATCH: u64 = 500;
/// Devices pushing at once, the events of each push, and the rounds.
const DEVICES: usize = 50;
const DEVICE_BATCH: u64 = 100;
const ROUNDS: u64 = 5;
/// The unit of the report: members, and events of each.
const REPORT_MEMBERS: usize = 500;
const REPORT_EVENTS: u64 = 2_000;

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

/// A device's events `from..=to`: study time, with a quiz every third.
fn events(device: &str, from: u64, to: u64) -> Vec<Event> {
    (from..=to)
        .map(|seq| Event {
            id: format!("{device}-{seq:012}"),
            device: device.into(),
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
        .collect()
}

/// A fresh database: SQLite in `data`, or a new one on `postgres`.
async fn fresh_database(data: &std::path::Path, postgres: Option<&str>) -> Database {
    use sqlx::Connection;
    let Some(admin_url) = postgres else {
        return Database::Sqlite(data.to_owned());
    };
    let name = format!("bench_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("QINGLIAN_BENCH_POSTGRES answers");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (server, _) = admin_url.rsplit_once('/').expect("a database URL");
    Database::Postgres(format!("{server}/{name}"))
}

/// A member's study over the months: each day some study time, five quiz
/// questions, the quiz, and now and then a lesson done or a reflection.
fn member_events(device: &str, count: u64) -> Vec<Event> {
    (1..=count)
        .map(|seq| {
            let day = seq / 10;
            let lesson = format!("lesson-{:02}", day % 40);
            let kind = match seq % 10 {
                0 => EventKind::StudyTime { seconds: 300 },
                1..=5 => EventKind::QuestionAnswered {
                    lesson: lesson.clone(),
                    question: format!("q{}", seq % 10),
                    chosen: vec![(seq % 3) as u32],
                    correct: seq % 7 != 0,
                },
                6 => EventKind::QuizFinished {
                    lesson,
                    score: 4,
                    total: 5,
                },
                7 => EventKind::LessonDone { lesson },
                8 => EventKind::ReflectionSaved {
                    lesson,
                    text: "对照检查，举一反三。".into(),
                },
                _ => EventKind::StudyTime { seconds: 120 },
            };
            Event {
                id: format!("{device}-{seq:06}"),
                device: device.into(),
                seq,
                at: 1_700_000_000_000 + day as i64 * 86_400_000 + (seq % 10) as i64 * 60_000,
                kind,
            }
        })
        .collect()
}

/// Fills a unit of [`REPORT_MEMBERS`] members with [`REPORT_EVENTS`] events
/// each, straight into the store, and times its report through `base`.
async fn report(label: &str, database: &Database, base: &str, admin: &mut Option<String>) -> f64 {
    use qinglian_server::store::{Actor, NewAccount, RosterAccount};
    let store = database
        .open(qinglian_server::store::sqlite_busy_timeout())
        .await
        .unwrap();
    let now = qinglian_server::now_ms();
    let unit = store
        .create_unit("Report unit", None, now, &Actor::cli())
        .await
        .unwrap();
    let hash = qinglian_server::auth::hash_password(PASSWORD).unwrap();
    let roster = (0..REPORT_MEMBERS)
        .map(|i| RosterAccount {
            account: NewAccount {
                login: format!("member{i}"),
                display_name: format!("Member {i}"),
                password_hash: hash.clone(),
            },
            role: qinglian_core::sync::Role::Learner,
            unit_id: unit.id,
            password_expires_at: now + 86_400_000,
        })
        .collect();
    let members = store
        .import_roster(roster, now, &Actor::cli())
        .await
        .unwrap();
    let start = Instant::now();
    for member in members {
        let member = member.unwrap();
        let device = format!("phone-{}", member.id);
        store
            .push(
                member.id,
                &device,
                &member_events(&device, REPORT_EVENTS),
                now,
                u64::MAX,
            )
            .await
            .unwrap();
    }
    println!(
        "{label}: report unit filled: {REPORT_MEMBERS} members × {REPORT_EVENTS} events in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let http = reqwest::Client::new();
    let mut times = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let (status, body) =
            send(admin, http.get(format!("{base}/reports/units/{}", unit.id))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["members"].as_array().map(Vec::len),
            Some(REPORT_MEMBERS)
        );
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[1].as_secs_f64() * 1000.0;
    println!(
        "{label}: unit report, {REPORT_MEMBERS} members × {REPORT_EVENTS} events: {median:.0} ms (median of 3)"
    );
    median
}

/// The value at `p` (0..1) of sorted durations, in ms.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

/// Measures one store with `servers` servers on it; returns its JSON.
async fn measure(label: &str, postgres: Option<&str>, servers: usize) -> Value {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    let database = fresh_database(data.path(), postgres).await;
    qinglian_server::admin::create_admin(&database, "bench-admin", "Bench", PASSWORD)
        .await
        .unwrap();
    let mut bases = Vec::new();
    for _ in 0..servers {
        let mut config = Config::new(
            "127.0.0.1:0".parse().unwrap(),
            data.path().to_owned(),
            dist.path().to_owned(),
        );
        if let Database::Postgres(url) = &database {
            config.database_url = Some(url.clone());
        }
        let addr = qinglian_server::spawn(config).await.unwrap();
        bases.push(format!("http://{addr}/api/v1"));
    }
    let base = bases[0].clone();
    let http = reqwest::Client::new();

    // An administrator makes a unit and an invite; the learners join.
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
            "unit_id": unit["unit"]["id"], "role": "learner", "max_uses": DEVICES, "expires_in_days": 1
        })),
    )
    .await;
    let mut learners = Vec::new();
    for i in 0..DEVICES {
        let mut cookie = None;
        let (status, body) = send(
            &mut cookie,
            http.post(format!("{}/auth/join", bases[i % servers]))
                .json(&json!({
                    "invite_code": invite["code"], "login": format!("bench{i}"),
                    "display_name": format!("Bench {i}"), "password": PASSWORD
                })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        learners.push(cookie);
    }

    // One device, many batches, then pulled back elsewhere.
    let one = events("bench-phone", 1, TOTAL);
    let mut learner = learners[0].clone();
    let start = Instant::now();
    let mut batches = 0;
    for chunk in one.chunks(BATCH as usize) {
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
                "{}/sync/pull?device=bench-laptop&cursor={cursor}&limit=1000",
                bases[servers - 1]
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
    assert_eq!(pulled, TOTAL, "every event comes back");
    let push_rate = TOTAL as f64 / push_secs;
    let pull_rate = TOTAL as f64 / pull_secs;
    println!(
        "{label}: push: {TOTAL} events in {batches} batches of {BATCH}: {push_secs:.2} s, {push_rate:.0} events/s"
    );
    println!(
        "{label}: pull: {TOTAL} events in {pages} pages of up to 1000: {pull_secs:.2} s, {pull_rate:.0} events/s"
    );

    // Many devices at once.
    let mut latencies = Vec::new();
    let start = Instant::now();
    for round in 0..ROUNDS {
        let mut tasks = Vec::new();
        for (i, cookie) in learners.iter().enumerate() {
            let mut cookie = cookie.clone();
            let http = http.clone();
            let url = format!("{}/sync/push", bases[i % servers]);
            let device = format!("device-{i}");
            let batch = events(
                &device,
                round * DEVICE_BATCH + 1,
                (round + 1) * DEVICE_BATCH,
            );
            tasks.push(tokio::spawn(async move {
                let sent = Instant::now();
                let (status, body) = send(
                    &mut cookie,
                    http.post(url)
                        .json(&json!({ "device": device, "events": batch })),
                )
                .await;
                assert_eq!(status, 200, "{body}");
                sent.elapsed()
            }));
        }
        for task in tasks {
            latencies.push(task.await.unwrap());
        }
    }
    let wall = start.elapsed().as_secs_f64();
    latencies.sort();
    let (p50, p95) = (percentile(&latencies, 0.50), percentile(&latencies, 0.95));
    let concurrent_rate = (DEVICES as u64 * DEVICE_BATCH * ROUNDS) as f64 / wall;
    println!(
        "{label}: {DEVICES} devices pushing {DEVICE_BATCH} events at once through {servers} server(s), {ROUNDS} rounds: p50 {p50:.0} ms, p95 {p95:.0} ms, {concurrent_rate:.0} events/s"
    );
    let report_ms = report(label, &database, &base, &mut admin).await;
    json!({
        "report_ms": report_ms.round(),
        "push_events_per_s": push_rate.round(),
        "pull_events_per_s": pull_rate.round(),
        "concurrent_push_p50_ms": p50.round(),
        "concurrent_push_p95_ms": p95.round(),
        "concurrent_events_per_s": concurrent_rate.round(),
        "servers": servers,
    })
}

#[tokio::main]
async fn main() {
    let mut result = json!({ "sqlite": measure("sqlite", None, 1).await });
    match std::env::var("QINGLIAN_BENCH_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => {
            result["postgres"] = measure("postgres", Some(url.trim()), 2).await;
        }
        _ => println!("postgres: not measured (QINGLIAN_BENCH_POSTGRES is not set)"),
    }
    println!("{result}");
}

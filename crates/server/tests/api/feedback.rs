//! Anonymous feedback rounds on a unit's leadership: who may open, answer
//! and read them, and tests that try to break the anonymity (too few
//! answers, reading before the close, the database read by a curious
//! administrator, the audit log).

use crate::common::{boot, count, Browser, TestApp};
use qinglian_server::now_ms;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// Bureau ⊃ Office ⊃ Section; Other beside Bureau. Office is rated.
struct World {
    app: TestApp,
    admin: Browser,
    bureau: i64,
    office: i64,
    section: i64,
    other: i64,
    /// Leads Bureau: opens rounds on Office.
    boss: Browser,
    /// Leads Office: rated.
    chief: Browser,
    /// Leads Section: a member of Office, answers.
    section_chief: Browser,
    /// Leads Other.
    stranger: Browser,
    /// A learner of Bureau (above Office: not a member) and of Other.
    upper: Browser,
    outsider: Browser,
}

async fn world() -> World {
    let app = boot().await;
    let mut admin = app.admin().await;
    let bureau = app.unit(&mut admin, "Bureau", None).await;
    let office = app.unit(&mut admin, "Office", Some(bureau)).await;
    let section = app.unit(&mut admin, "Section", Some(office)).await;
    let other = app.unit(&mut admin, "Other", None).await;
    let boss = app.member(&mut admin, bureau, "leader", "boss").await;
    let chief = app.member(&mut admin, office, "leader", "chief").await;
    let section_chief = app
        .member(&mut admin, section, "leader", "sectionchief")
        .await;
    let stranger = app.member(&mut admin, other, "leader", "stranger").await;
    let upper = app.member(&mut admin, bureau, "learner", "upper").await;
    let outsider = app.member(&mut admin, other, "learner", "outsider").await;
    World {
        app,
        admin,
        bureau,
        office,
        section,
        other,
        boss,
        chief,
        section_chief,
        stranger,
        upper,
        outsider,
    }
}

impl World {
    /// `n` learners of `unit`.
    async fn learners(&mut self, unit: i64, n: usize, prefix: &str) -> Vec<Browser> {
        let mut all = Vec::new();
        for i in 0..n {
            all.push(
                self.app
                    .member(&mut self.admin, unit, "learner", &format!("{prefix}{i}"))
                    .await,
            );
        }
        all
    }
}

fn statements(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({ "zh-Hans": format!("陈述{i}"), "en": format!("statement {i}") }))
            .collect(),
    )
}

/// Opens a round on `unit` closing in `ms`; its id and closing time.
async fn open(by: &mut Browser, unit: i64, ms: i64, client_id: &str) -> (i64, i64) {
    let closes_at = now_ms() + ms;
    let round = by
        .post(
            "/api/v1/feedback/rounds",
            json!({ "client_id": client_id, "unit_id": unit, "statements": statements(2), "closes_at": closes_at }),
        )
        .await
        .expect(201)
        .json();
    (round["id"].as_i64().unwrap(), closes_at)
}

fn answer(client_id: &str, ratings: [u8; 2], comment: Option<&str>) -> Value {
    json!({ "client_id": client_id, "ratings": ratings, "comment": comment })
}

async fn wait_until(at: i64) {
    let left = at - now_ms();
    if left >= 0 {
        tokio::time::sleep(Duration::from_millis(left as u64 + 50)).await;
    }
}

fn results_path(id: i64) -> String {
    format!("/api/v1/feedback/rounds/{id}/results")
}

fn answers_path(id: i64) -> String {
    format!("/api/v1/feedback/rounds/{id}/answers")
}

/// The round with this id in the caller's list, if listed.
async fn listed(browser: &mut Browser, id: i64) -> Option<Value> {
    let list = browser
        .get("/api/v1/feedback/rounds")
        .await
        .expect(200)
        .json();
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
}

/// The fields a listed round has: nothing that counts answers.
const ROUND_FIELDS: [&str; 9] = [
    "answered",
    "closes_at",
    "id",
    "may_answer",
    "may_see_results",
    "opened_at",
    "statements",
    "unit_id",
    "unit_name",
];

fn keys(round: &Value) -> Vec<String> {
    let mut keys: Vec<String> = round.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn round_keys() -> Vec<String> {
    let mut expected: Vec<String> = ROUND_FIELDS.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    expected
}

#[tokio::test]
async fn five_answers_are_tallied_after_the_close_and_not_before() {
    let mut w = world().await;
    let mut members = w.learners(w.office, 4, "member").await;
    let (id, closes_at) = open(&mut w.boss, w.office, 3_000, "r-1").await;
    let given = [
        ([5, 4], Some("clear rules")),
        ([4, 4], None),
        ([4, 3], Some("  ")),
        ([3, 2], Some("more examples")),
    ];
    for (member, (ratings, comment)) in members.iter_mut().zip(given) {
        member
            .post(&answers_path(id), answer("a-1", ratings, comment))
            .await
            .expect(201);
    }
    // A leader of Section is a member of Office: they answer too.
    w.section_chief
        .post(
            &answers_path(id),
            answer("a-1", [5, 2], Some("listen more")),
        )
        .await
        .expect(201);

    // Before the close: 403 for everyone, and no list shows a count.
    for reader in [&mut w.chief, &mut w.boss, &mut w.admin] {
        let reply = reader.get(&results_path(id)).await.expect(403);
        assert!(
            reply.error().contains("after the round closes"),
            "{}",
            reply.text
        );
        let round = listed(reader, id).await.expect("listed");
        assert_eq!(keys(&round), round_keys(), "{round}");
        assert_eq!(round["may_see_results"], false);
        assert_eq!(round["may_answer"], false);
    }
    let rated = listed(&mut w.chief, id).await.unwrap();
    assert_eq!(rated["answered"], false);
    let mine = listed(&mut members[0], id).await.unwrap();
    assert_eq!(mine["may_answer"], true);
    assert_eq!(mine["answered"], true);
    assert_eq!(keys(&mine), round_keys());

    wait_until(closes_at).await;
    let results = w.chief.get(&results_path(id)).await.expect(200).json();
    assert_eq!(results["status"], "shown");
    assert_eq!(results["answers"], 5);
    assert_eq!(results["statements"][0]["mean_hundredths"], 420);
    assert_eq!(
        results["statements"][0]["distribution"],
        json!([0, 0, 1, 2, 2])
    );
    assert_eq!(results["statements"][1]["mean_hundredths"], 300);
    let mut comments: Vec<String> = results["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    comments.sort();
    assert_eq!(comments, ["clear rules", "listen more", "more examples"]);
    for reader in [&mut w.boss, &mut w.admin] {
        assert_eq!(
            reader.get(&results_path(id)).await.expect(200).json()["answers"],
            5
        );
        assert_eq!(listed(reader, id).await.unwrap()["may_see_results"], true);
    }
    // Members, and anyone outside, do not read the results.
    for reader in [
        &mut members[0],
        &mut w.section_chief,
        &mut w.upper,
        &mut w.stranger,
        &mut w.outsider,
    ] {
        reader.get(&results_path(id)).await.expect(403);
    }
}

#[tokio::test]
async fn four_answers_show_too_few_and_nothing_else_to_anyone() {
    let mut w = world().await;
    let mut members = w.learners(w.office, 4, "member").await;
    let (id, closes_at) = open(&mut w.admin, w.office, 2_000, "r-1").await;
    for (i, member) in members.iter_mut().enumerate() {
        member
            .post(
                &answers_path(id),
                answer("a-1", [1, 5], Some(&format!("comment {i}"))),
            )
            .await
            .expect(201);
    }
    wait_until(closes_at).await;
    for reader in [&mut w.admin, &mut w.boss, &mut w.chief] {
        let reply = reader.get(&results_path(id)).await.expect(200);
        assert_eq!(reply.json(), json!({ "status": "too_few" }));
        assert!(!reply.text.contains('4') && !reply.text.contains("comment"));
    }
}

/// The database, read by a curious administrator with the file in hand.
async fn database(app: &TestApp) -> sqlx::SqliteConnection {
    use sqlx::Connection;
    sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        qinglian_server::admin::database_path(app.data.path()).display()
    ))
    .await
    .unwrap()
}

async fn columns(db: &mut sqlx::SqliteConnection, table: &str) -> Vec<String> {
    sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .fetch_all(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn sqlite_the_database_does_not_link_an_answer_to_a_member_or_a_moment() {
    let mut w = world().await;
    let mut members = w.learners(w.office, 20, "member").await;
    let (id, closes_at) = open(&mut w.boss, w.office, 4_000, "r-1").await;
    let given: Vec<String> = (0..20).map(|i| format!("comment number {i:02}")).collect();
    for (member, comment) in members.iter_mut().zip(&given) {
        member
            .post(&answers_path(id), answer("a-1", [3, 3], Some(comment)))
            .await
            .expect(201);
    }
    wait_until(closes_at).await;

    let mut db = database(&w.app).await;
    // The answers table holds the round, the ratings and the comment only.
    let answer_columns = columns(&mut db, "feedback_answers").await;
    assert_eq!(answer_columns, ["id", "round_id", "ratings", "comment"]);
    // Who answered: the round, the member and the request id, no time.
    let respondent_columns = columns(&mut db, "feedback_respondents").await;
    assert_eq!(respondent_columns, ["round_id", "user_id", "client_id"]);
    let says_when = |column: &str| {
        column == "at"
            || column.ends_with("_at")
            || ["time", "device", "seq", "order"]
                .iter()
                .any(|word| column.contains(word))
    };
    for column in answer_columns.iter().chain(&respondent_columns) {
        assert!(!says_when(column), "column {column}");
    }
    for column in &answer_columns {
        assert!(
            !column.contains("user") && !column.contains("client"),
            "column {column}"
        );
    }
    // Neither table has a rowid that would count the order of inserts.
    for table in ["feedback_answers", "feedback_respondents"] {
        assert!(
            sqlx::query(&format!("SELECT rowid FROM {table}"))
                .fetch_all(&mut db)
                .await
                .is_err(),
            "{table} has a rowid"
        );
    }
    // Keys are 16 random bytes.
    let keys: Vec<Vec<u8>> = sqlx::query_scalar("SELECT id FROM feedback_answers")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(keys.len(), 20);
    assert!(keys.iter().all(|k| k.len() == 16));
    // The stored order, by the table and by the round's index, is not the
    // order of answering (a random permutation of 20 is that order once in
    // 20! ≈ 2.4·10^18).
    for query in [
        "SELECT comment FROM feedback_answers",
        "SELECT comment FROM feedback_answers WHERE round_id = ?",
    ] {
        let stored: Vec<String> = sqlx::query_scalar(query)
            .bind(id)
            .fetch_all(&mut db)
            .await
            .unwrap();
        let mut sorted = stored.clone();
        sorted.sort();
        assert_eq!(sorted, given, "every comment is stored");
        assert_ne!(stored, given, "{query}: stored in the order of answering");
    }
    // The respondents are in member order, which says nothing either, and
    // nothing in the database names an answer beside a member.
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE sql LIKE '%feedback_answers%' AND type = 'table'",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(tables, ["feedback_answers"]);

    // The audit log holds nothing about the answers.
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT action || ' ' || COALESCE(target, '') || ' ' || details FROM audit_log",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    for line in &audit {
        assert!(
            !line.contains("feedback") && !line.contains("comment") && !line.contains("answer"),
            "{line}"
        );
    }

    // Results show the comments in a new random order on each read.
    let read = |results: Value| -> Vec<String> {
        results["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect()
    };
    let first = read(w.boss.get(&results_path(id)).await.expect(200).json());
    let second = read(w.boss.get(&results_path(id)).await.expect(200).json());
    assert_ne!(first, second, "shuffled on every read");
    let mut sorted = first.clone();
    sorted.sort();
    assert_eq!(sorted, given);
}

#[tokio::test]
async fn a_member_answers_once_and_only_while_the_round_is_open() {
    let mut w = world().await;
    let mut members = w.learners(w.office, 2, "member").await;
    let (id, closes_at) = open(&mut w.boss, w.office, 2_500, "r-1").await;
    let first = members[0]
        .post(&answers_path(id), answer("a-1", [5, 5], None))
        .await
        .expect(201)
        .json();
    assert_eq!(first["answered"], true);
    // The same request again (a lost answer): 200, still one answer.
    members[0]
        .post(&answers_path(id), answer("a-1", [1, 1], None))
        .await
        .expect(200);
    // Another answer by the same member: 409.
    let again = members[0]
        .post(&answers_path(id), answer("a-2", [1, 1], None))
        .await
        .expect(409);
    assert!(again.error().contains("already answered"), "{}", again.text);
    // A bad answer: 422 naming the field.
    let bad = members[1]
        .post(&answers_path(id), answer("a-1", [6, 1], None))
        .await
        .expect(422);
    assert!(bad.error().starts_with("ratings[0]:"), "{}", bad.text);
    let short = members[1]
        .post(
            &answers_path(id),
            json!({ "client_id": "a-1", "ratings": [3] }),
        )
        .await
        .expect(422);
    assert!(short.error().starts_with("ratings:"), "{}", short.text);

    wait_until(closes_at).await;
    let late = members[1]
        .post(&answers_path(id), answer("a-1", [3, 3], None))
        .await
        .expect(409);
    assert!(late.error().contains("closed"), "{}", late.text);
    // The retry of an answer given in time is still recognised.
    members[0]
        .post(&answers_path(id), answer("a-1", [5, 5], None))
        .await
        .expect(200);

    let stored = count(&w.app.database, "SELECT COUNT(*) FROM feedback_answers").await;
    let respondents = count(&w.app.database, "SELECT COUNT(*) FROM feedback_respondents").await;
    assert_eq!((stored, respondents), (1, 1));
}

#[tokio::test]
async fn who_may_open_a_round() {
    let mut w = world().await;
    let closes_at = now_ms() + 86_400_000;
    let body = |client: &str, unit: i64| json!({ "client_id": client, "unit_id": unit, "statements": statements(5), "closes_at": closes_at });
    // A leader may not open a round on their own unit.
    let own = w
        .chief
        .post("/api/v1/feedback/rounds", body("r-1", w.office))
        .await
        .expect(403);
    assert!(own.error().contains("own unit"), "{}", own.text);
    w.boss
        .post("/api/v1/feedback/rounds", body("r-1", w.bureau))
        .await
        .expect(403);
    // Nor on a unit outside theirs; learners never.
    w.stranger
        .post("/api/v1/feedback/rounds", body("r-1", w.office))
        .await
        .expect(403);
    w.section_chief
        .post("/api/v1/feedback/rounds", body("r-1", w.office))
        .await
        .expect(403);
    w.upper
        .post("/api/v1/feedback/rounds", body("r-1", w.section))
        .await
        .expect(403);
    // A leader above: yes (two levels down too); the same client_id again
    // is the same round.
    let first = w
        .boss
        .post("/api/v1/feedback/rounds", body("r-1", w.office))
        .await
        .expect(201)
        .json();
    assert_eq!(first["unit_name"], "Office");
    assert_eq!(first["statements"], statements(5));
    let again = w
        .boss
        .post("/api/v1/feedback/rounds", body("r-1", w.office))
        .await
        .expect(200)
        .json();
    assert_eq!(again["id"], first["id"]);
    w.boss
        .post("/api/v1/feedback/rounds", body("r-2", w.section))
        .await
        .expect(201);
    w.chief
        .post("/api/v1/feedback/rounds", body("r-2", w.section))
        .await
        .expect(201);
    // Administrators, on any unit.
    w.admin
        .post("/api/v1/feedback/rounds", body("r-1", w.other))
        .await
        .expect(201);

    // Bad bodies: 422 naming the field.
    let past = w
        .admin
        .post(
            "/api/v1/feedback/rounds",
            json!({ "client_id": "r-9", "unit_id": w.office, "statements": statements(2), "closes_at": now_ms() - 1 }),
        )
        .await
        .expect(422);
    assert!(past.error().starts_with("closes_at:"), "{}", past.text);
    let none = w
        .admin
        .post(
            "/api/v1/feedback/rounds",
            json!({ "client_id": "r-9", "unit_id": w.office, "statements": [], "closes_at": closes_at }),
        )
        .await
        .expect(422);
    assert!(none.error().starts_with("statements:"), "{}", none.text);
    let unknown = w
        .admin
        .post("/api/v1/feedback/rounds", body("r-9", 424242))
        .await
        .expect(422);
    assert!(unknown.error().starts_with("unit_id:"), "{}", unknown.text);
}

#[tokio::test]
async fn rounds_are_listed_to_those_concerned_only() {
    let mut w = world().await;
    let mut members = w.learners(w.section, 1, "member").await;
    let (id, _) = open(&mut w.boss, w.office, 86_400_000, "r-1").await;
    // Members of Office and below may answer; the rated leader knows of it.
    let below = listed(&mut members[0], id).await.unwrap();
    assert_eq!(below["may_answer"], true);
    assert_eq!(below["may_see_results"], false);
    assert_eq!(
        listed(&mut w.section_chief, id).await.unwrap()["may_answer"],
        true
    );
    let rated = listed(&mut w.chief, id).await.unwrap();
    assert_eq!(rated["may_answer"], false);
    assert!(listed(&mut w.boss, id).await.is_some());
    assert!(listed(&mut w.admin, id).await.is_some());
    // Not the units above (except their leaders) nor beside.
    for outsider in [&mut w.upper, &mut w.stranger, &mut w.outsider] {
        assert!(listed(outsider, id).await.is_none());
    }
}

#[tokio::test]
async fn every_feedback_endpoint_checks_the_caller() {
    let mut w = world().await;
    let (id, _) = open(&mut w.boss, w.office, 86_400_000, "r-1").await;
    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/v1/feedback/rounds".into(), None),
        (
            Method::POST,
            "/api/v1/feedback/rounds".into(),
            Some(
                json!({ "client_id": "r-2", "unit_id": w.office, "statements": statements(1), "closes_at": now_ms() + 86_400_000 }),
            ),
        ),
        (
            Method::POST,
            answers_path(id),
            Some(answer("a-1", [3, 3], None)),
        ),
        (Method::GET, results_path(id), None),
    ];
    let mut anonymous = w.app.browser();
    for (method, path, body) in &endpoints {
        let body = body.as_ref().map(|b| serde_json::to_vec(b).unwrap());
        let reply = anonymous.send(method.clone(), path, body).await;
        assert_eq!(reply.status.as_u16(), 401, "{method} {path}");
        assert!(!reply.error().is_empty());
    }

    // The rated leader, people of other units, the opener and admins do not answer.
    let rated = w
        .chief
        .post(&answers_path(id), answer("a-1", [1, 1], None))
        .await
        .expect(403);
    assert!(rated.error().contains("rates them"), "{}", rated.text);
    for other in [
        &mut w.stranger,
        &mut w.outsider,
        &mut w.upper,
        &mut w.boss,
        &mut w.admin,
    ] {
        other
            .post(&answers_path(id), answer("a-1", [1, 1], None))
            .await
            .expect(403);
    }
    // Another unit's round: the results are 403 for them.
    for other in [&mut w.stranger, &mut w.outsider] {
        other.get(&results_path(id)).await.expect(403);
    }
    // Unknown rounds: 404; a malformed id: 400.
    w.admin.get(&results_path(424242)).await.expect(404);
    w.section_chief
        .post(&answers_path(424242), answer("a-1", [1, 1], None))
        .await
        .expect(404);
    w.admin
        .get("/api/v1/feedback/rounds/x/results")
        .await
        .expect(400);
    // Nothing was recorded by the refusals.
    let stored = count(&w.app.database, "SELECT COUNT(*) FROM feedback_answers").await;
    assert_eq!(stored, 0);
}

/// The same promise on PostgreSQL, read by an administrator with `psql`:
/// the answers table names no member, device or moment, its key is random,
/// no column is filled in by the database (a sequence or a clock), and
/// neither the key, the place of a row nor the transaction that wrote it
/// gives the order of answering or the member. (What remains for someone
/// holding the database files: docs/SERVER.md.)
#[tokio::test]
#[ignore = "PostgreSQL only: run with QINGLIAN_TEST_POSTGRES (cargo xtask test does)"]
async fn postgres_the_database_does_not_link_an_answer_to_a_member_or_a_moment() {
    use sqlx::Connection;
    let mut w = world().await;
    let qinglian_server::admin::Database::Postgres(url) = &w.app.database else {
        panic!("set QINGLIAN_TEST_POSTGRES to a PostgreSQL server");
    };
    let mut db = sqlx::PgConnection::connect(url).await.unwrap();
    let mut members = w.learners(w.office, 20, "member").await;
    let (id, closes_at) = open(&mut w.boss, w.office, 4_000, "r-1").await;
    let given: Vec<String> = (0..20).map(|i| format!("comment number {i:02}")).collect();
    for (member, comment) in members.iter_mut().zip(&given) {
        member
            .post(&answers_path(id), answer("a-1", [3, 3], Some(comment)))
            .await
            .expect(201);
    }
    wait_until(closes_at).await;

    let columns = |table: &'static str| {
        sqlx::query_scalar::<_, String>(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
    };
    let answer_columns = columns("feedback_answers")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(answer_columns, ["id", "round_id", "ratings", "comment"]);
    let respondent_columns = columns("feedback_respondents")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(respondent_columns, ["round_id", "user_id", "client_id"]);
    let filled_in: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text || '.' || column_name::text FROM information_schema.columns
         WHERE table_name IN ('feedback_answers', 'feedback_respondents')
           AND (column_default IS NOT NULL OR is_identity = 'YES')",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert!(
        filled_in.is_empty(),
        "filled in by the database: {filled_in:?}"
    );
    let keys: Vec<Vec<u8>> = sqlx::query_scalar("SELECT id FROM feedback_answers")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(keys.len(), 20);
    assert!(keys.iter().all(|k| k.len() == 16));
    let by_key: Vec<String> =
        sqlx::query_scalar("SELECT comment FROM feedback_answers WHERE round_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&mut db)
            .await
            .unwrap();
    let mut sorted = by_key.clone();
    sorted.sort();
    assert_eq!(sorted, given, "every comment is stored");
    assert_ne!(by_key, given, "the key gives the order of answering");
    // Rows lie in key order, not in the order of answering.
    let by_place: Vec<String> = sqlx::query_scalar(
        "SELECT comment FROM feedback_answers WHERE round_id = $1 ORDER BY ctid",
    )
    .bind(id)
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(by_place, by_key, "the rows lie in key order");
    // The transaction that wrote a row (xmin) links no answer to its
    // member: all answers carry the last answering transaction's.
    let writers: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT xmin::text) FROM feedback_answers WHERE round_id = $1",
    )
    .bind(id)
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(writers, 1);
    let shared: Vec<i64> = sqlx::query_scalar(
        "SELECT COUNT(a.id) FROM feedback_respondents r
         LEFT JOIN feedback_answers a ON a.round_id = r.round_id AND a.xmin = r.xmin
         WHERE r.round_id = $1 GROUP BY r.user_id",
    )
    .bind(id)
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(shared.len(), 20);
    assert!(shared.iter().all(|n| *n == 0 || *n == 20), "{shared:?}");
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT action || ' ' || COALESCE(target, '') || ' ' || details FROM audit_log",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    for line in &audit {
        assert!(
            !line.contains("feedback") && !line.contains("comment") && !line.contains("answer"),
            "{line}"
        );
    }
}

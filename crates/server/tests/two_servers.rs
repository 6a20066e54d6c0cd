//! Two server processes on one PostgreSQL database act as one service:
//! what one hands out works on the other, sign-in failures count across
//! both, and the same batch pushed through both at once is stored once.
//! PostgreSQL only: `cargo xtask test` runs it on a throwaway cluster.

mod common;

use common::{Browser, ADMIN_LOGIN, ADMIN_PASSWORD, PASSWORD};
use qinglian_server::admin::Database;
use qinglian_server::auth::FREE_FAILURES;
use serde_json::json;

#[tokio::test]
#[ignore = "PostgreSQL only: run with QINGLIAN_TEST_POSTGRES (cargo xtask test does)"]
async fn postgres_two_servers_on_one_database_act_as_one() {
    assert!(
        common::on_postgres(),
        "set QINGLIAN_TEST_POSTGRES to a PostgreSQL server"
    );
    let editions = common::fixture_pack();
    let dist = common::static_dir(&editions);
    let data = tempfile::tempdir().unwrap();
    let database = common::fresh_database(data.path()).await;
    let Database::Postgres(url) = &database else {
        unreachable!("on PostgreSQL")
    };
    qinglian_server::admin::create_admin(&database, ADMIN_LOGIN, "Admin", ADMIN_PASSWORD)
        .await
        .unwrap();
    // Each process with its own (empty) data directory: nothing is shared
    // but the database.
    let (data_a, data_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = common::serve_binary(data_a.path(), dist.path(), &["--database-url", url], &[]);
    let b = common::serve_binary(
        data_b.path(),
        dist.path(),
        &[],
        &[("QINGLIAN_DATABASE_URL", url)],
    );

    // An invite made on A is taken on B.
    let mut admin = Browser::new(&a.base);
    admin
        .post(
            "/api/v1/auth/login",
            json!({ "login": ADMIN_LOGIN, "password": ADMIN_PASSWORD }),
        )
        .await
        .expect(200);
    let unit = admin
        .post("/api/v1/admin/units", json!({ "name": "Office" }))
        .await
        .expect(201)
        .json()["unit"]["id"]
        .as_i64()
        .unwrap();
    let code = admin
        .post(
            "/api/v1/admin/invites",
            json!({ "unit_id": unit, "role": "learner", "max_uses": 1, "expires_in_days": 7 }),
        )
        .await
        .expect(201)
        .json()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut on_b = Browser::new(&b.base);
    on_b.post(
        "/api/v1/auth/join",
        json!({ "invite_code": code, "login": "wang", "display_name": "Wang", "password": PASSWORD }),
    )
    .await
    .expect(201);
    // Its one use is spent for A too.
    let again = Browser::new(&a.base)
        .post(
            "/api/v1/auth/join",
            json!({ "invite_code": code, "login": "lili", "display_name": "Li Li", "password": PASSWORD }),
        )
        .await
        .expect(422);
    assert!(again.error().contains("used as often"), "{}", again.text);

    // A session opened on B is valid on A.
    let mut on_a = Browser::new(&a.base);
    on_a.cookie = on_b.cookie.clone();
    let me = on_a.get("/api/v1/auth/me").await.expect(200).json();
    assert_eq!(me["user"]["login"], "wang");

    // Failed sign-ins count across both: the free ones spent half on each,
    // the next try is held back on either.
    for i in 0..FREE_FAILURES {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        Browser::new(base)
            .post(
                "/api/v1/auth/login",
                json!({ "login": "wang", "password": "not the password" }),
            )
            .await
            .expect(401);
    }
    for base in [&a.base, &b.base] {
        let held = Browser::new(base)
            .post(
                "/api/v1/auth/login",
                json!({ "login": "wang", "password": PASSWORD }),
            )
            .await
            .expect(429);
        assert!(held.header("retry-after").parse::<u64>().unwrap() >= 1);
    }

    // 8 pushes of one batch at once, 4 through each server: stored once.
    let batch = common::events("phone", 1, 100);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let mut phone = if i % 2 == 0 {
            on_a.clone()
        } else {
            on_b.clone()
        };
        let batch = batch.clone();
        tasks.push(tokio::spawn(async move {
            phone.push("phone", &batch).await.expect(200).json()
        }));
    }
    let (mut stored, mut duplicates) = (0, 0);
    for task in tasks {
        let reply = task.await.unwrap();
        assert_eq!(reply["acknowledged_seq"], 100);
        stored += reply["stored"].as_u64().unwrap();
        duplicates += reply["duplicates"].as_u64().unwrap();
    }
    assert_eq!((stored, duplicates), (100, 7 * 100));
    let held = common::count(
        &database,
        "SELECT COUNT(*) FROM events WHERE device = 'phone'",
    )
    .await;
    assert_eq!(held, 100);
    // Both servers pull the same log.
    for phone in [&mut on_a, &mut on_b] {
        let pulled = phone
            .get("/api/v1/sync/pull?device=laptop&limit=1000")
            .await
            .expect(200)
            .json();
        assert_eq!(pulled["events"].as_array().unwrap().len(), 100);
    }
}

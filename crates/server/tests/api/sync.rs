//! Push and pull: idempotence, conflicts, gaps, device ownership, paging,
//! and 4xx JSON errors for everything malformed.

use crate::common::{boot, events, Browser, TestApp};
use qinglian_core::events::{Event, EventKind};
use serde_json::{json, Value};

async fn learner(app: &TestApp, login: &str) -> Browser {
    let mut admin = app.admin().await;
    let unit = app
        .unit(&mut admin, &format!("Unit of {login}"), None)
        .await;
    app.member(&mut admin, unit, "learner", login).await
}

/// Pulls every page for `device`; returns the events and the number of pages.
async fn pull_all(browser: &mut Browser, device: &str, limit: u32) -> (Vec<Event>, usize) {
    let mut cursor = 0;
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let page = browser
            .get(&format!(
                "/api/v1/sync/pull?device={device}&cursor={cursor}&limit={limit}"
            ))
            .await
            .expect(200)
            .json();
        pages += 1;
        let events: Vec<Event> = serde_json::from_value(page["events"].clone()).unwrap();
        assert!(events.len() <= limit as usize);
        all.extend(events);
        let next = page["next_cursor"].as_i64().unwrap();
        assert!(next >= cursor);
        cursor = next;
        if !page["more"].as_bool().unwrap() {
            return (all, pages);
        }
    }
}

#[tokio::test]
async fn the_same_batch_twice_is_stored_once() {
    let app = boot().await;
    let mut phone = learner(&app, "twice").await;
    let batch = events("phone", 1, 20);
    let first = phone.push("phone", &batch).await.expect(200).json();
    assert_eq!(
        first,
        json!({ "acknowledged_seq": 20, "stored": 20, "duplicates": 0 })
    );
    let second = phone.push("phone", &batch).await.expect(200).json();
    assert_eq!(
        second,
        json!({ "acknowledged_seq": 20, "stored": 0, "duplicates": 20 })
    );
    // Half old, half new.
    let third = phone
        .push("phone", &events("phone", 11, 30))
        .await
        .expect(200)
        .json();
    assert_eq!(
        third,
        json!({ "acknowledged_seq": 30, "stored": 10, "duplicates": 10 })
    );
    let (pulled, _) = pull_all(&mut phone, "laptop", 1000).await;
    assert_eq!(pulled, events("phone", 1, 30));
    // An empty push tells the client what the server holds.
    let empty = phone.push("phone", &[]).await.expect(200).json();
    assert_eq!(empty["acknowledged_seq"], 30);
}

#[tokio::test]
async fn concurrent_pushes_of_one_batch_store_it_once() {
    let app = boot().await;
    let phone = learner(&app, "racer").await;
    let batch = events("phone", 1, 50);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let mut browser = phone.clone();
        let batch = batch.clone();
        tasks.push(tokio::spawn(async move {
            browser.push("phone", &batch).await.expect(200).json()
        }));
    }
    let mut stored = 0;
    let mut duplicates = 0;
    for task in tasks {
        let reply = task.await.unwrap();
        assert_eq!(reply["acknowledged_seq"], 50);
        stored += reply["stored"].as_u64().unwrap();
        duplicates += reply["duplicates"].as_u64().unwrap();
    }
    assert_eq!(stored, 50);
    assert_eq!(duplicates, 7 * 50);
    let mut reader = phone.clone();
    let (pulled, _) = pull_all(&mut reader, "other", 1000).await;
    assert_eq!(pulled, batch);
}

#[tokio::test]
async fn a_reused_id_with_another_payload_is_a_conflict_and_the_rest_is_stored() {
    let app = boot().await;
    let mut phone = learner(&app, "conflicted").await;
    phone
        .push("phone", &events("phone", 1, 3))
        .await
        .expect(200);
    let mut batch = events("phone", 2, 5);
    // seq 2 again, same id, another payload.
    batch[0].kind = EventKind::StudyTime { seconds: 999 };
    let reply = phone.push("phone", &batch).await.expect(409);
    let body = reply.json();
    assert_eq!(body["conflicts"], json!(["phone-e2"]));
    assert_eq!(body["stored"], 2);
    assert_eq!(body["duplicates"], 1);
    assert_eq!(body["acknowledged_seq"], 5);
    assert!(body["error"].as_str().unwrap().contains("already used"));
    let (pulled, _) = pull_all(&mut phone, "laptop", 1000).await;
    assert_eq!(
        pulled,
        events("phone", 1, 5),
        "the stored e2 is the first one"
    );

    // A new id whose seq the device already used is refused the same way.
    let mut stray = events("phone", 3, 3);
    stray[0].id = "stray".into();
    let reply = phone.push("phone", &stray).await.expect(409);
    assert_eq!(reply.json()["conflicts"], json!(["stray"]));

    // An id of this user's other device, reused with another payload: its
    // seq is used up so the device goes on after it.
    phone
        .push("laptop", &events("laptop", 1, 1))
        .await
        .expect(200);
    let mut reuse = events("phone", 6, 7);
    reuse[0].id = "laptop-e1".into();
    let reply = phone.push("phone", &reuse).await.expect(409);
    let body = reply.json();
    assert_eq!(body["conflicts"], json!(["laptop-e1"]));
    assert_eq!(body["acknowledged_seq"], 7);
    assert_eq!(body["stored"], 1);
}

#[tokio::test]
async fn a_gap_refuses_the_whole_batch() {
    let app = boot().await;
    let mut phone = learner(&app, "gappy").await;
    phone
        .push("phone", &events("phone", 1, 3))
        .await
        .expect(200);
    let reply = phone
        .push("phone", &events("phone", 5, 8))
        .await
        .expect(422);
    let body = reply.json();
    assert_eq!(
        body["error"],
        "gap: the server holds seq 3 for this device, the request starts at 5"
    );
    assert_eq!(body["acknowledged_seq"], 3);
    // A hole inside the batch: nothing of it is stored either.
    let mut holey = events("phone", 4, 6);
    holey.extend(events("phone", 9, 9));
    let reply = phone.push("phone", &holey).await.expect(422);
    assert!(
        reply.error().contains("jumps from 6 to 9"),
        "{}",
        reply.text
    );
    let (pulled, _) = pull_all(&mut phone, "laptop", 1000).await;
    assert_eq!(pulled.len(), 3);
    // A first push must start at 1.
    let reply = phone
        .push("tablet", &events("tablet", 2, 3))
        .await
        .expect(422);
    assert_eq!(reply.json()["acknowledged_seq"], 0);
    // Events out of order in the body are sorted by seq.
    let mut shuffled = events("phone", 4, 6);
    shuffled.reverse();
    let reply = phone.push("phone", &shuffled).await.expect(200).json();
    assert_eq!(reply["acknowledged_seq"], 6);
}

#[tokio::test]
async fn a_device_belongs_to_its_first_user() {
    let app = boot().await;
    let mut alice = learner(&app, "alice").await;
    let mut bob = learner(&app, "bob").await;
    alice
        .push("shared-phone", &events("shared-phone", 1, 2))
        .await
        .expect(200);
    let reply = bob
        .push("shared-phone", &events("shared-phone", 3, 4))
        .await
        .expect(403);
    assert!(reply.error().contains("another account"));
    // Even a replay of alice's own events.
    bob.push("shared-phone", &events("shared-phone", 1, 2))
        .await
        .expect(403);
    let (pulled, _) = pull_all(&mut bob, "bob-phone", 1000).await;
    assert!(pulled.is_empty());
}

#[tokio::test]
async fn pull_pages_across_the_boundary_and_skips_the_own_device() {
    let app = boot().await;
    let mut user = learner(&app, "pager").await;
    user.push("phone", &events("phone", 1, 25))
        .await
        .expect(200);
    user.push("tablet", &events("tablet", 1, 5))
        .await
        .expect(200);

    let (pulled, pages) = pull_all(&mut user, "laptop", 10).await;
    assert_eq!(pages, 3);
    let mut expected = events("phone", 1, 25);
    expected.extend(events("tablet", 1, 5));
    assert_eq!(pulled, expected, "server order across the page boundary");

    // The phone only hears of the tablet.
    let (pulled, _) = pull_all(&mut user, "phone", 10).await;
    assert_eq!(pulled, events("tablet", 1, 5));

    // An exact page boundary: 30 events in pages of 15.
    let (pulled, pages) = pull_all(&mut user, "laptop", 15).await;
    assert_eq!(pulled.len(), 30);
    assert!(pages <= 3);

    // A cursor from the last page returns nothing more.
    let first = user
        .get("/api/v1/sync/pull?device=laptop&limit=1000")
        .await
        .expect(200)
        .json();
    let cursor = first["next_cursor"].as_i64().unwrap();
    assert_eq!(first["more"], false);
    assert_eq!(first["content_version"], app.pack.version);
    let after = user
        .get(&format!("/api/v1/sync/pull?device=laptop&cursor={cursor}"))
        .await
        .expect(200)
        .json();
    assert_eq!(after["events"], json!([]));
    assert_eq!(after["next_cursor"], cursor);
    // Limits above the maximum are capped, not refused.
    user.get("/api/v1/sync/pull?device=laptop&limit=50000")
        .await
        .expect(200);
}

#[tokio::test]
async fn malformed_requests_get_4xx_json_errors() {
    let app = boot().await;
    let mut user = learner(&app, "sloppy").await;
    let good = serde_json::to_value(&events("phone", 1, 1)[0]).unwrap();
    let with = |field: &str, value: Value| {
        let mut event = good.clone();
        event[field] = value;
        json!({ "device": "phone", "events": [event] })
    };

    let reply = user
        .post_raw("/api/v1/sync/push", b"{\"device\": \"phone\", ")
        .await
        .expect(400);
    assert!(reply.error().contains("malformed JSON"), "{}", reply.text);
    let reply = user
        .post_raw("/api/v1/sync/push", b"not json")
        .await
        .expect(400);
    assert!(reply.error().contains("malformed JSON"));

    let reply = user
        .post("/api/v1/sync/push", with("seq", json!("seven")))
        .await
        .expect(422);
    assert!(reply.error().contains("events[0]"), "{}", reply.text);
    let reply = user
        .post("/api/v1/sync/push", with("kind", json!("teleported")))
        .await
        .expect(422);
    assert!(
        reply.error().contains("unknown variant `teleported`"),
        "{}",
        reply.text
    );
    let reply = user
        .post("/api/v1/sync/push", with("seq", json!(-1)))
        .await
        .expect(422);
    assert!(reply.error().contains("events[0]"));
    let reply = user
        .post("/api/v1/sync/push", with("seq", json!(0)))
        .await
        .expect(422);
    assert!(reply.error().contains("seqs start at 1"));
    let reply = user
        .post("/api/v1/sync/push", with("device", json!("laptop")))
        .await
        .expect(422);
    assert!(reply.error().contains("the request is for device"));
    let reply = user
        .post("/api/v1/sync/push", with("id", json!("")))
        .await
        .expect(422);
    assert!(reply.error().contains("events[0].id"));
    let reply = user
        .post("/api/v1/sync/push", json!({ "events": [] }))
        .await
        .expect(422);
    assert!(
        reply.error().contains("missing field `device`"),
        "{}",
        reply.text
    );
    let reply = user
        .post("/api/v1/sync/push", json!([1, 2]))
        .await
        .expect(422);
    assert!(!reply.error().is_empty());
    let reply = user
        .post(
            "/api/v1/sync/push",
            with("seq", json!(18446744073709551615u64)),
        )
        .await
        .expect(422);
    assert!(reply.error().contains("seq"));

    // Not JSON at all.
    let mut request = user
        .http
        .post(format!("{}/api/v1/sync/push", app.base))
        .header("content-type", "text/plain")
        .body("device=phone");
    if let Some(cookie) = &user.cookie {
        request = request.header("cookie", cookie);
    }
    let reply = user.finish(request).await.expect(415);
    assert!(reply.error().contains("application/json"));

    // Over 2 MB.
    let big = json!({ "device": "phone", "events": [], "padding": "x".repeat(3 * 1024 * 1024) });
    let reply = user.post("/api/v1/sync/push", big).await.expect(413);
    assert!(reply.error().contains("too large"));
    // Small endpoints have a small limit.
    let big = json!({ "login": "x".repeat(100 * 1024), "password": "y" });
    user.post("/api/v1/auth/login", big).await.expect(413);

    // Query strings.
    let reply = user.get("/api/v1/sync/pull?cursor=abc").await.expect(400);
    assert!(reply.error().contains("cursor"), "{}", reply.text);
    user.get("/api/v1/sync/pull?limit=0").await.expect(422);
    user.get("/api/v1/sync/pull?cursor=-5").await.expect(422);

    // Wrong method, unknown path.
    let reply = user.get("/api/v1/sync/push").await.expect(405);
    assert!(reply.error().contains("GET"));
    user.get("/api/v1/nothing").await.expect(404);

    // After all that, a good push still works from seq 1.
    user.push("phone", &events("phone", 1, 1)).await.expect(200);
}

//! Content: the built-in editions served with an ETag, a refused upload with
//! its problems, an accepted one that becomes current and survives a restart.

use crate::common::{boot, start};
use serde_json::json;

#[tokio::test]
async fn the_built_in_pack_is_served_with_an_etag() {
    let app = boot().await;
    let mut anyone = app.browser();
    let reply = anyone.get("/api/v1/content").await.expect(200);
    let etag = reply.header("etag").to_owned();
    assert_eq!(etag, format!("\"{}\"", app.pack.version));
    assert_eq!(reply.header("cache-control"), "no-cache");
    let served: qinglian_core::content::Editions = serde_json::from_str(&reply.text).unwrap();
    assert_eq!(served, app.editions);
    let version = anyone
        .get("/api/v1/content/version")
        .await
        .expect(200)
        .json();
    assert_eq!(version, json!({ "version": app.pack.version }));

    let request = anyone
        .http
        .get(format!("{}/api/v1/content", app.base))
        .header("if-none-match", &etag);
    let reply = anyone.finish(request).await.expect(304);
    assert_eq!(reply.header("etag"), etag);
    assert!(reply.text.is_empty());
}

#[tokio::test]
async fn a_broken_pack_is_refused_with_its_problems() {
    let app = boot().await;
    let mut admin = app.admin().await;
    let mut broken = app.editions.clone();
    broken.packs[0].lessons[0].quiz.clear();
    broken.packs[0].pledge.version = 0;
    let reply = admin
        .put(
            "/api/v1/admin/content",
            serde_json::to_value(&broken).unwrap(),
        )
        .await
        .expect(422);
    let body = reply.json();
    let problems = body["problems"].as_array().unwrap();
    assert!(problems.len() >= 2, "{problems:?}");
    assert!(problems
        .iter()
        .any(|p| p.as_str().unwrap().contains("version must be 1")));
    // The editions no longer agree either.
    assert!(problems.iter().any(|p| p
        .as_str()
        .unwrap()
        .contains("differs from the zh-Hans edition")));
    // One edition alone is not enough.
    let mut one = app.editions.clone();
    one.packs.pop();
    let one = qinglian_core::content::Editions::seal(one.packs);
    let reply = admin
        .put("/api/v1/admin/content", serde_json::to_value(&one).unwrap())
        .await
        .expect(422);
    assert!(
        reply.text.contains("exactly one is required"),
        "{}",
        reply.text
    );
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("nothing was published"));
    // Not even a pack.
    let reply = admin
        .put("/api/v1/admin/content", json!({ "lessons": 3 }))
        .await
        .expect(422);
    assert!(reply.error().contains("invalid request"), "{}", reply.text);
    let reply = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/admin/content",
            Some(b"{oops".to_vec()),
        )
        .await
        .expect(400);
    assert!(reply.error().contains("malformed JSON"));
    // Nothing changed.
    let version = admin
        .get("/api/v1/content/version")
        .await
        .expect(200)
        .json();
    assert_eq!(version["version"], app.pack.version);
}

#[tokio::test]
async fn an_accepted_pack_becomes_current_and_survives_a_restart() {
    let app = boot().await;
    let mut admin = app.admin().await;
    let mut packs = app.editions.packs.clone();
    packs[1].lessons[0].title = "Gifts, the register, and you".into();
    let next = qinglian_core::content::Editions::seal(packs);
    assert!(next.validate().is_empty());
    assert_ne!(next.version, app.pack.version);

    let reply = admin
        .put(
            "/api/v1/admin/content",
            serde_json::to_value(&next).unwrap(),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(reply["version"], next.version);
    assert!(reply["summary"].as_str().unwrap().contains("lessons"));

    let mut app_client = app.browser();
    let old_etag = format!("\"{}\"", app.pack.version);
    let request = app_client
        .http
        .get(format!("{}/api/v1/content", app.base))
        .header("if-none-match", &old_etag);
    let reply = app_client.finish(request).await.expect(200);
    let new_etag = format!("\"{}\"", next.version);
    assert_eq!(reply.header("etag"), new_etag);
    let served: qinglian_core::content::Editions = serde_json::from_str(&reply.text).unwrap();
    assert_eq!(served, next);
    let request = app_client
        .http
        .get(format!("{}/api/v1/content", app.base))
        .header("if-none-match", format!("W/\"x\", {new_etag}"));
    app_client.finish(request).await.expect(304);
    let pull = admin.get("/api/v1/sync/pull").await.expect(200).json();
    assert_eq!(pull["content_version"], next.version);

    // A second server on the same data directory serves the published pack,
    // not the built-in one.
    let base = start(&app.database, app.data.path(), app.dist.path()).await;
    let mut restarted = crate::common::Browser::new(&base);
    let version = restarted
        .get("/api/v1/content/version")
        .await
        .expect(200)
        .json();
    assert_eq!(version["version"], next.version);
}

//! `GET /api/v1/units/led`: what a leader's forms offer, and to whom.

use crate::common::boot;

#[tokio::test]
async fn leaders_get_their_unit_and_those_below_with_their_members() {
    let app = boot().await;
    let mut admin = app.admin().await;
    let bureau = app.unit(&mut admin, "Bureau", None).await;
    let legal = app.unit(&mut admin, "Legal aid", Some(bureau)).await;
    let notary = app.unit(&mut admin, "Notary", Some(bureau)).await;
    let desk = app.unit(&mut admin, "Front desk", Some(legal)).await;
    let mut leader = app
        .member_named(&mut admin, legal, "leader", "lead1", "王科长")
        .await;
    let mut learner = app.member(&mut admin, desk, "learner", "desk1").await;
    app.member(&mut admin, notary, "learner", "notary1").await;

    let units = leader.get("/api/v1/units/led").await.expect(200).json();
    let names: Vec<&str> = units
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Legal aid", "Front desk"],
        "the leader's subtree, top down"
    );
    assert_eq!(units[0]["own"], true);
    assert_eq!(units[1]["own"], false);
    assert_eq!(units[0]["members"][0]["name"], "王科长");
    assert_eq!(units[1]["members"][0]["name"], "DESK1");
    assert_eq!(units[1]["members"][0]["role"], "learner");

    let all = admin.get("/api/v1/units/led").await.expect(200).json();
    let ids: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [bureau, legal, desk, notary]);

    learner.get("/api/v1/units/led").await.expect(403);
    app.browser().get("/api/v1/units/led").await.expect(401);
}

//! Ask a leader: questions from members, answers from the leaders of the
//! asker's unit (or above), published FAQ entries that never say who asked,
//! and the open questions in the unit report.

use crate::common::{boot, Browser, TestApp};
use qinglian_server::now_ms;
use reqwest::Method;
use serde_json::{json, Value};

/// Bureau ⊃ Office ⊃ Section; Other beside Bureau.
struct World {
    app: TestApp,
    admin: Browser,
    bureau: i64,
    office: i64,
    other: i64,
    /// Leads Bureau.
    boss: Browser,
    /// Leads Office.
    chief: Browser,
    /// Leads Section.
    section_chief: Browser,
    /// Leads Other.
    stranger: Browser,
    /// Learners of Office.
    asker: Browser,
    peer: Browser,
    /// A learner of Section, one of Bureau, one of Other.
    below: Browser,
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
    let asker = app.member(&mut admin, office, "learner", "asker").await;
    let peer = app.member(&mut admin, office, "learner", "peer").await;
    let below = app.member(&mut admin, section, "learner", "below").await;
    let upper = app.member(&mut admin, bureau, "learner", "upper").await;
    let outsider = app.member(&mut admin, other, "learner", "outsider").await;
    World {
        app,
        admin,
        bureau,
        office,
        other,
        boss,
        chief,
        section_chief,
        stranger,
        asker,
        peer,
        below,
        upper,
        outsider,
    }
}

async fn ask(browser: &mut Browser, client_id: &str, text: &str, show_name: bool) -> Value {
    browser
        .post(
            "/api/v1/questions",
            json!({ "client_id": client_id, "text": text, "show_name": show_name }),
        )
        .await
        .expect(201)
        .json()
}

async fn view(browser: &mut Browser) -> Value {
    browser.get("/api/v1/questions").await.expect(200).json()
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_question_goes_to_the_leaders_of_the_askers_unit_and_above() {
    let mut w = world().await;
    let asked = ask(
        &mut w.asker,
        "c-1",
        "  May I accept a mooncake box?  ",
        false,
    )
    .await;
    let id = asked["id"].as_i64().unwrap();
    assert_eq!(asked["text"], "May I accept a mooncake box?");
    assert_eq!(asked["mine"], true);
    assert_eq!(asked["asker_name"], "ASKER");
    assert_eq!(asked["unit_id"], w.office);
    assert_eq!(asked["unit_name"], "Office");
    assert!(asked["answer"].is_null() && asked["published_at"].is_null());

    // The same client_id again is the same request: 200, nothing new.
    let again = w
        .asker
        .post(
            "/api/v1/questions",
            json!({ "client_id": "c-1", "text": "something else", "show_name": true }),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(again, asked);
    let mine = view(&mut w.asker).await;
    assert_eq!(ids(&mine["mine"]), [id]);
    assert_eq!(mine["inbox"], json!([]));

    // Office's and Bureau's leaders (and admins) have it, without the name.
    for leader in [&mut w.chief, &mut w.boss, &mut w.admin] {
        let inbox = view(leader).await["inbox"].clone();
        assert_eq!(ids(&inbox), [id]);
        assert!(inbox[0]["asker_name"].is_null(), "{inbox}");
        assert_eq!(inbox[0]["mine"], false);
    }
    // Not the leader of a unit below, of another unit, nor a learner.
    for other in [
        &mut w.section_chief,
        &mut w.stranger,
        &mut w.peer,
        &mut w.outsider,
    ] {
        let seen = view(other).await;
        assert_eq!(seen["inbox"], json!([]));
        assert_eq!(seen["mine"], json!([]));
        assert_eq!(seen["faq"], json!([]));
    }
}

#[tokio::test]
async fn show_name_lets_the_leaders_see_who_asked() {
    let mut w = world().await;
    ask(&mut w.asker, "c-1", "Who signs the travel claims?", true).await;
    let inbox = view(&mut w.chief).await["inbox"].clone();
    assert_eq!(inbox[0]["asker_name"], "ASKER");
}

#[tokio::test]
async fn an_answer_published_as_faq_never_shows_who_asked() {
    let mut w = world().await;
    let q = ask(&mut w.asker, "c-1", "Is a gift card a gift?", true).await;
    let id = q["id"].as_i64().unwrap();
    let answered = w
        .chief
        .post(
            &format!("/api/v1/questions/{id}/answer"),
            json!({ "text": "Yes: refuse it, or hand it in.", "publish": true }),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(answered["answer"], "Yes: refuse it, or hand it in.");
    assert_eq!(answered["answered_by"], "CHIEF");
    assert!(answered["answered_at"].as_i64().is_some());
    assert!(answered["published_at"].as_i64().is_some());

    // The asker sees the answer under "mine" (with their name) and the FAQ
    // entry without it, not marked as theirs.
    let seen = view(&mut w.asker).await;
    assert_eq!(seen["mine"][0]["answer"], "Yes: refuse it, or hand it in.");
    assert_eq!(seen["mine"][0]["asker_name"], "ASKER");
    assert_eq!(ids(&seen["faq"]), [id]);
    assert!(seen["faq"][0]["asker_name"].is_null(), "{}", seen["faq"]);
    assert_eq!(seen["faq"][0]["mine"], false);
    assert_eq!(seen["faq"][0]["answered_by"], "CHIEF");

    // Members of Office and the units below read it; Bureau and Other do not.
    for reader in [&mut w.peer, &mut w.below, &mut w.chief, &mut w.admin] {
        let faq = view(reader).await["faq"].clone();
        assert_eq!(ids(&faq), [id]);
        assert!(faq[0]["asker_name"].is_null());
        assert_eq!(faq[0]["mine"], false);
    }
    for reader in [&mut w.upper, &mut w.boss, &mut w.outsider] {
        assert_eq!(view(reader).await["faq"], json!([]));
    }

    // Withdrawn, it leaves the FAQ; the answer stays.
    let withdrawn = w
        .boss
        .post(
            &format!("/api/v1/questions/{id}/publish"),
            json!({ "publish": false }),
        )
        .await
        .expect(200)
        .json();
    assert!(withdrawn["published_at"].is_null());
    assert_eq!(withdrawn["answer"], "Yes: refuse it, or hand it in.");
    assert_eq!(view(&mut w.peer).await["faq"], json!([]));
    // Published again by the publish endpoint.
    w.chief
        .post(
            &format!("/api/v1/questions/{id}/publish"),
            json!({ "publish": true }),
        )
        .await
        .expect(200);
    assert_eq!(ids(&view(&mut w.peer).await["faq"]), [id]);
}

#[tokio::test]
async fn the_inbox_lists_open_questions_first_oldest_first() {
    let mut w = world().await;
    let first = ask(&mut w.asker, "c-1", "first", false).await["id"]
        .as_i64()
        .unwrap();
    let second = ask(&mut w.peer, "c-1", "second", false).await["id"]
        .as_i64()
        .unwrap();
    let third = ask(&mut w.below, "c-1", "third", false).await["id"]
        .as_i64()
        .unwrap();
    w.chief
        .post(
            &format!("/api/v1/questions/{first}/answer"),
            json!({ "text": "answered", "publish": false }),
        )
        .await
        .expect(200);
    let inbox = view(&mut w.chief).await["inbox"].clone();
    assert_eq!(ids(&inbox), [second, third, first]);
    // The leader of Section sees only Section's question.
    assert_eq!(ids(&view(&mut w.section_chief).await["inbox"]), [third]);
    // An answer without publish is not in the FAQ.
    assert_eq!(view(&mut w.asker).await["faq"], json!([]));
}

#[tokio::test]
async fn only_an_answered_question_can_be_published_and_answers_can_be_replaced() {
    let mut w = world().await;
    let id = ask(&mut w.asker, "c-1", "open", false).await["id"]
        .as_i64()
        .unwrap();
    let reply = w
        .chief
        .post(
            &format!("/api/v1/questions/{id}/publish"),
            json!({ "publish": true }),
        )
        .await
        .expect(409);
    assert!(reply.error().contains("answered"), "{}", reply.text);
    w.chief
        .post(
            &format!("/api/v1/questions/{id}/answer"),
            json!({ "text": "first answer", "publish": false }),
        )
        .await
        .expect(200);
    let replaced = w
        .boss
        .post(
            &format!("/api/v1/questions/{id}/answer"),
            json!({ "text": "better answer", "publish": false }),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(replaced["answer"], "better answer");
    assert_eq!(replaced["answered_by"], "BOSS");
    assert!(replaced["published_at"].is_null());
}

#[tokio::test]
async fn every_question_endpoint_checks_the_caller() {
    let mut w = world().await;
    let id = ask(&mut w.asker, "c-1", "a question", false).await["id"]
        .as_i64()
        .unwrap();
    let answer = json!({ "text": "an answer", "publish": true });
    let publish = json!({ "publish": false });
    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/v1/questions".into(), None),
        (
            Method::POST,
            "/api/v1/questions".into(),
            Some(json!({ "client_id": "c-2", "text": "t", "show_name": false })),
        ),
        (
            Method::POST,
            format!("/api/v1/questions/{id}/answer"),
            Some(answer.clone()),
        ),
        (
            Method::POST,
            format!("/api/v1/questions/{id}/publish"),
            Some(publish.clone()),
        ),
    ];
    let mut anonymous = w.app.browser();
    for (method, path, body) in &endpoints {
        let body = body.as_ref().map(|b| serde_json::to_vec(b).unwrap());
        let reply = anonymous.send(method.clone(), path, body).await;
        assert_eq!(reply.status.as_u16(), 401, "{method} {path}");
        assert!(!reply.error().is_empty());
    }

    // Learners do not answer or publish, not even their own.
    for learner in [&mut w.asker, &mut w.peer] {
        learner
            .post(&format!("/api/v1/questions/{id}/answer"), answer.clone())
            .await
            .expect(403);
        learner
            .post(&format!("/api/v1/questions/{id}/publish"), publish.clone())
            .await
            .expect(403);
    }
    // Leaders of another unit, or of a unit below the asker's: 403.
    for leader in [&mut w.stranger, &mut w.section_chief] {
        let reply = leader
            .post(&format!("/api/v1/questions/{id}/answer"), answer.clone())
            .await
            .expect(403);
        assert!(reply.error().contains("leaders"), "{}", reply.text);
        leader
            .post(&format!("/api/v1/questions/{id}/publish"), publish.clone())
            .await
            .expect(403);
    }
    // Nothing was changed by the refusals.
    assert!(view(&mut w.asker).await["mine"][0]["answer"].is_null());

    // Unknown ids: 404; a malformed id: 400.
    w.chief
        .post("/api/v1/questions/424242/answer", answer.clone())
        .await
        .expect(404);
    w.admin
        .post("/api/v1/questions/424242/publish", publish.clone())
        .await
        .expect(404);
    w.chief
        .post("/api/v1/questions/abc/answer", answer.clone())
        .await
        .expect(400);

    // A leader's own question goes to the leaders above, not to themselves.
    let own = ask(&mut w.chief, "c-9", "a question to the bureau", false).await["id"]
        .as_i64()
        .unwrap();
    assert!(!ids(&view(&mut w.chief).await["inbox"]).contains(&own));
    assert!(ids(&view(&mut w.boss).await["inbox"]).contains(&own));
    w.chief
        .post(&format!("/api/v1/questions/{own}/answer"), answer.clone())
        .await
        .expect(403);
}

#[tokio::test]
async fn bad_questions_and_answers_are_422_naming_the_field() {
    let mut w = world().await;
    let empty = w
        .asker
        .post(
            "/api/v1/questions",
            json!({ "client_id": "c-1", "text": "   ", "show_name": false }),
        )
        .await
        .expect(422);
    assert!(empty.error().starts_with("text:"), "{}", empty.text);
    let long = w
        .asker
        .post(
            "/api/v1/questions",
            json!({ "client_id": "c-1", "text": "字".repeat(4001), "show_name": false }),
        )
        .await
        .expect(422);
    assert!(long.error().starts_with("text:"), "{}", long.text);
    let client = w
        .asker
        .post(
            "/api/v1/questions",
            json!({ "client_id": "not a uuid!", "text": "t", "show_name": false }),
        )
        .await
        .expect(422);
    assert!(client.error().starts_with("client_id:"), "{}", client.text);
    let shape = w
        .asker
        .post(
            "/api/v1/questions",
            json!({ "client_id": "c-1", "text": "t" }),
        )
        .await
        .expect(422);
    assert!(shape.error().contains("show_name"), "{}", shape.text);
    // An account without a unit has no leaders to ask.
    let admin = w
        .admin
        .post(
            "/api/v1/questions",
            json!({ "client_id": "c-1", "text": "t", "show_name": false }),
        )
        .await
        .expect(422);
    assert!(admin.error().contains("no unit"), "{}", admin.text);

    let id = ask(&mut w.asker, "c-1", "fine", false).await["id"]
        .as_i64()
        .unwrap();
    let reply = w
        .chief
        .post(
            &format!("/api/v1/questions/{id}/answer"),
            json!({ "text": "", "publish": true }),
        )
        .await
        .expect(422);
    assert!(reply.error().starts_with("text:"), "{}", reply.text);
    assert!(view(&mut w.asker).await["faq"] == json!([]));
}

/// Moves a question's time back, as if asked `days` ago (the test's way to
/// let a week pass).
async fn age(app: &TestApp, id: i64, days: i64) {
    let asked_at = now_ms() - days * 86_400_000 - 60_000;
    crate::common::execute(
        &app.database,
        &format!("UPDATE questions SET asked_at = {asked_at} WHERE id = {id}"),
    )
    .await;
}

#[tokio::test]
async fn the_unit_report_lists_questions_open_for_more_than_a_week() {
    let mut w = world().await;
    let hidden = ask(&mut w.asker, "c-1", "=anonymous and old", false).await["id"]
        .as_i64()
        .unwrap();
    let named = ask(&mut w.below, "c-1", "named and old", true).await["id"]
        .as_i64()
        .unwrap();
    let answered = ask(&mut w.peer, "c-1", "old but answered", true).await["id"]
        .as_i64()
        .unwrap();
    let recent = ask(&mut w.peer, "c-2", "recent", true).await["id"]
        .as_i64()
        .unwrap();
    let elsewhere = ask(&mut w.outsider, "c-1", "old elsewhere", true).await["id"]
        .as_i64()
        .unwrap();
    w.chief
        .post(
            &format!("/api/v1/questions/{answered}/answer"),
            json!({ "text": "done", "publish": false }),
        )
        .await
        .expect(200);
    age(&w.app, hidden, 10).await;
    age(&w.app, named, 8).await;
    age(&w.app, answered, 30).await;
    age(&w.app, recent, 6).await;
    age(&w.app, elsewhere, 30).await;

    let report = w
        .boss
        .get(&format!("/api/v1/reports/units/{}", w.bureau))
        .await
        .expect(200)
        .json();
    let open = &report["open_questions"];
    assert_eq!(open["count"], 2, "{open}");
    let list = open["questions"].as_array().unwrap();
    assert_eq!(list[0]["id"], hidden);
    assert_eq!(list[0]["text"], "=anonymous and old");
    assert_eq!(list[0]["days_open"], 10);
    assert!(list[0]["asker_name"].is_null());
    assert!(!open.to_string().contains("ASKER"));
    assert_eq!(list[1]["id"], named);
    assert_eq!(list[1]["asker_name"], "BELOW");
    assert_eq!(list[1]["unit_name"], "Section");

    // The report of Office alone has the same two; of Other, its own.
    let office = w
        .chief
        .get(&format!("/api/v1/reports/units/{}", w.office))
        .await
        .expect(200)
        .json();
    assert_eq!(office["open_questions"]["count"], 2);
    let other = w
        .stranger
        .get(&format!("/api/v1/reports/units/{}", w.other))
        .await
        .expect(200)
        .json();
    assert_eq!(other["open_questions"]["questions"][0]["id"], elsewhere);

    let csv = w
        .boss
        .get(&format!("/api/v1/reports/units/{}.csv", w.bureau))
        .await
        .expect(200)
        .text;
    assert!(
        csv.contains("\"open_questions (unanswered for more than 7 days)\",\"2\""),
        "{csv}"
    );
    // The asker of the first chose not to show their name: the field is empty.
    assert!(csv.contains("\"10\",\"\",\"'=anonymous and old\""), "{csv}");
    assert!(csv.contains("\"8\",\"BELOW\",\"named and old\""), "{csv}");
    assert!(!csv.contains("recent") && !csv.contains("old but answered"));
}

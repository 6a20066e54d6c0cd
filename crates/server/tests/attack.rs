//! Attacks on the server, each answered: floods of sign-ins, lock-out of the
//! rightful user, slow clients, cross-site requests, oversized or senseless
//! sync data, spreadsheet and log injection. Loopback only, bounded request
//! counts; the real app on port 0 (or the real binary) with fresh data.

mod common;

use common::{boot, boot_with, Browser, ADMIN_LOGIN, ADMIN_PASSWORD};
use qinglian_server::auth::FREE_FAILURES;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeMap;

async fn sign_in(
    browser: &mut Browser,
    login: &str,
    password: &str,
    from: Option<&str>,
) -> common::Reply {
    let mut request = browser
        .http
        .post(format!("{}/api/v1/auth/login", browser.base))
        .json(&json!({ "login": login, "password": password }));
    if let Some(addr) = from {
        request = request.header("x-forwarded-for", addr);
    }
    browser.finish(request).await
}

/// Sends `n` wrong sign-ins at once; counts the answers by status.
async fn parallel_wrong_sign_ins(
    base: &str,
    n: usize,
    from: impl Fn(usize) -> Option<String>,
) -> BTreeMap<u16, usize> {
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..n {
        let mut request = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "login": ADMIN_LOGIN, "password": format!("wrong-password-{i}") }));
        if let Some(addr) = from(i) {
            request = request.header("x-forwarded-for", addr);
        }
        tasks.push(tokio::spawn(async move {
            let response = request.send().await.expect("an answer");
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
            {
                assert!(response.headers().contains_key("retry-after"));
            }
            status.as_u16()
        }));
    }
    let mut counts = BTreeMap::new();
    for task in tasks {
        *counts.entry(task.await.unwrap()).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn parallel_wrong_passwords_are_counted_before_the_check() {
    let app = boot().await;
    let counts = parallel_wrong_sign_ins(&app.base, 100, |_| None).await;
    let judged = counts.get(&401).copied().unwrap_or(0);
    let refused = counts.get(&429).copied().unwrap_or(0);
    println!("100 parallel wrong passwords, one account: {counts:?}");
    assert!(judged <= FREE_FAILURES as usize, "{counts:?}");
    assert_eq!(judged + refused, 100, "{counts:?}");
}

#[tokio::test]
async fn guesses_from_elsewhere_do_not_lock_out_the_rightful_user() {
    let app =
        boot_with(|config| config.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]).await;
    let mut attacker = app.browser();
    for _ in 0..FREE_FAILURES {
        sign_in(
            &mut attacker,
            ADMIN_LOGIN,
            "guess-guess-guess",
            Some("203.0.113.7"),
        )
        .await
        .expect(401);
    }
    let reply = sign_in(
        &mut attacker,
        ADMIN_LOGIN,
        "guess-guess-guess",
        Some("203.0.113.7"),
    )
    .await
    .expect(429);
    assert_eq!(reply.header("retry-after"), "1");
    // The rightful user, from the office, signs in at once.
    let mut user = app.browser();
    sign_in(&mut user, ADMIN_LOGIN, ADMIN_PASSWORD, Some("198.51.100.2"))
        .await
        .expect(200);

    // The attacker's waits double: 1 s, then 2 s.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    sign_in(
        &mut attacker,
        ADMIN_LOGIN,
        "guess-guess-guess",
        Some("203.0.113.7"),
    )
    .await
    .expect(401);
    let reply = sign_in(
        &mut attacker,
        ADMIN_LOGIN,
        ADMIN_PASSWORD,
        Some("203.0.113.7"),
    )
    .await
    .expect(429);
    assert_eq!(reply.header("retry-after"), "2");
}

#[tokio::test]
async fn forwarded_for_is_ignored_unless_the_proxy_is_trusted() {
    let app = boot().await;
    let mut attacker = app.browser();
    for _ in 0..FREE_FAILURES {
        sign_in(
            &mut attacker,
            ADMIN_LOGIN,
            "guess-guess-guess",
            Some("203.0.113.7"),
        )
        .await
        .expect(401);
    }
    // Another X-Forwarded-For from the same peer changes nothing.
    sign_in(
        &mut attacker,
        ADMIN_LOGIN,
        ADMIN_PASSWORD,
        Some("198.51.100.2"),
    )
    .await
    .expect(429);
}

#[test]
fn a_flood_of_sign_ins_stays_within_memory() {
    let data = tempfile::tempdir().unwrap();
    let dist = common::static_dir(&common::fixture_pack());
    common::create_admin_binary(data.path(), ADMIN_LOGIN, ADMIN_PASSWORD);
    let server = common::serve_binary(
        data.path(),
        dist.path(),
        &["--trusted-proxy", "127.0.0.1/32"],
        &[],
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let started = std::time::Instant::now();
    // Every request from another address: no per-address limit helps, only
    // the bounded hashing does.
    let counts = runtime.block_on(parallel_wrong_sign_ins(&server.base, 300, |i| {
        Some(format!(
            "10.{}.{}.{}",
            i / 65536,
            i / 256 % 256,
            i % 256 + 1
        ))
    }));
    let peak_kb = server.peak_kb();
    println!(
        "300 parallel wrong sign-ins: peak memory {peak_kb} kB, answers {counts:?}, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(peak_kb < 400 * 1024, "peak {peak_kb} kB");
    assert_eq!(counts.values().sum::<usize>(), 300);
    for status in counts.keys() {
        assert!([401, 429, 503].contains(status), "{counts:?}");
    }
    assert!(counts.get(&503).copied().unwrap_or(0) > 0, "{counts:?}");
}

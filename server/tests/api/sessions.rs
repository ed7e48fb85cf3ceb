//! Sessions and sign-in throttling (issue 6 item 12): logout ends the token on
//! the server; lock-out is per account *and* address, so an attacker cannot
//! lock the super admin out; the address-less case is slowed, never locked; the
//! client address comes from trusted proxies only, read from the right.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use server::entity::audit_logs;
use shared::error::ErrorCode;

use crate::helpers::{ADMIN, ADMIN_PASSWORD, TestApp};

/// Signs in from `forwarded_for` (as our proxy would report it): the status and
/// the session cookie and CSRF token on success.
async fn sign_in(
    app: &TestApp,
    forwarded_for: &str,
    password: &str,
) -> (StatusCode, serde_json::Value, Option<String>) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("x-forwarded-for", forwarded_for)
        .json(&serde_json::json!({ "username": ADMIN, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let session = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("camp_session="))
        .map(|c| c.split(';').next().unwrap().to_owned());
    (status, response.json().await.unwrap(), session)
}

async fn behind_our_proxy() -> TestApp {
    TestApp::spawn_with(|config| {
        config.server.trusted_proxies = "127.0.0.1".parse().unwrap();
    })
    .await
}

#[tokio::test]
async fn logout_ends_the_session_token_on_the_server() {
    let app = TestApp::spawn().await;
    let (status, me, session) = sign_in(&app, "203.0.113.1", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let session = session.unwrap();
    let http = reqwest::Client::new();
    let me_status = |cookie: String| {
        let request = http
            .get(format!("{}/api/v1/auth/me", app.base))
            .header("cookie", cookie);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(me_status(session.clone()).await, StatusCode::OK);
    let logout = http
        .post(format!("{}/api/v1/auth/logout", app.base))
        .header("cookie", session.clone())
        .header("x-csrf-token", me["csrf_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::OK);
    assert_eq!(
        me_status(session).await,
        StatusCode::UNAUTHORIZED,
        "a copy of the old cookie no longer works"
    );
}

#[tokio::test]
async fn an_attacker_locks_out_only_their_own_address() {
    let app = behind_our_proxy().await;
    let max = app.config.auth.max_failed_logins;
    for _ in 0..max {
        sign_in(&app, "198.51.100.66", "wrong-password").await;
    }
    let (_, body, _) = sign_in(&app, "198.51.100.66", ADMIN_PASSWORD).await;
    assert_eq!(
        body["code"],
        serde_json::to_value(ErrorCode::AccountLocked).unwrap(),
        "the attacker's address is locked: {body}"
    );
    let (status, body, _) = sign_in(&app, "203.0.113.7", ADMIN_PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the admin elsewhere still signs in: {body}"
    );
}

#[tokio::test]
async fn without_an_address_sign_ins_are_slowed_not_locked() {
    let app = TestApp::spawn().await;
    let config = &app.config.auth;
    let code = |err: server::error::AppError| match err {
        server::error::AppError::Api(api) => api.code,
        other => panic!("{other:?}"),
    };
    for _ in 0..config.max_failed_logins {
        let started = Instant::now();
        let err = server::auth::service::sign_in(&app.db, config, ADMIN, "wrong", "")
            .await
            .unwrap_err();
        assert_eq!(code(err), ErrorCode::InvalidCredentials);
        assert!(
            started.elapsed() < Duration::from_millis(900),
            "no delay yet"
        );
    }
    let started = Instant::now();
    let err = server::auth::service::sign_in(&app.db, config, ADMIN, "wrong", "")
        .await
        .unwrap_err();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "slowed down"
    );
    assert_eq!(code(err), ErrorCode::InvalidCredentials, "never locked");
    assert!(
        server::auth::service::sign_in(&app.db, config, ADMIN, ADMIN_PASSWORD, "")
            .await
            .is_ok()
    );
}

async fn last_login_address(app: &TestApp) -> String {
    audit_logs::Entity::find()
        .filter(audit_logs::Column::Action.eq("login"))
        .order_by_desc(audit_logs::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .ip
}

#[tokio::test]
async fn the_client_address_is_the_right_most_hop_not_a_trusted_proxy() {
    let app = TestApp::spawn_with(|config| {
        config.server.trusted_proxies = "127.0.0.1, 10.0.0.0/8".parse().unwrap();
    })
    .await;
    // The client forged 1.2.3.4; our two proxies appended what they saw.
    sign_in(&app, "1.2.3.4, 203.0.113.5, 10.1.2.3", ADMIN_PASSWORD).await;
    assert_eq!(last_login_address(&app).await, "203.0.113.5");

    let untrusting = TestApp::spawn().await;
    sign_in(&untrusting, "1.2.3.4", ADMIN_PASSWORD).await;
    assert_eq!(
        last_login_address(&untrusting).await,
        "127.0.0.1",
        "no trusted proxies: the header counts for nothing"
    );
}

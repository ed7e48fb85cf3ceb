use reqwest::{Method, StatusCode};
use shared::api::{
    AuditLogDto, LoginRequest, Me, Page, ResetPasswordResponse, UpdateUserRequest, UserDto,
};
use shared::error::ErrorCode;
use shared::roles::Role;

use crate::helpers::*;

#[tokio::test]
async fn signs_in_and_out_with_a_session_cookie() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let me: Me = admin.get("/api/v1/auth/me").await.unwrap();
    assert_eq!(me.username, ADMIN);
    assert_eq!(me.role, Role::SuperAdmin);

    let _: () = admin.post("/api/v1/auth/logout").await.unwrap();
    let err = admin.get::<Me>("/api/v1/auth/me").await.unwrap_err();
    assert_eq!(err.status, StatusCode::UNAUTHORIZED);
    assert_eq!(err.error.code, ErrorCode::Unauthenticated);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let app = TestApp::spawn().await;
    let body = serde_json::to_vec(&LoginRequest {
        username: ADMIN.into(),
        password: ADMIN_PASSWORD.into(),
    })
    .unwrap();
    let response = app
        .anonymous()
        .raw(
            Method::POST,
            "/api/v1/auth/login",
            Some((body, "application/json")),
        )
        .await;
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("camp_session="))
        .expect("session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("camp_csrf="))
        .expect("csrf cookie");
    assert!(
        !csrf.contains("HttpOnly"),
        "the page must be able to read the CSRF cookie"
    );
}

#[tokio::test]
async fn wrong_passwords_lock_the_account() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let attempt = async |password: &str| {
        client
            .post_json::<Me>(
                "/api/v1/auth/login",
                &LoginRequest {
                    username: ADMIN.into(),
                    password: password.into(),
                },
            )
            .await
    };
    for _ in 0..4 {
        let err = attempt("wrong-password").await.unwrap_err();
        assert_eq!(err.error.code, ErrorCode::InvalidCredentials);
    }
    let err = attempt("wrong-password").await.unwrap_err();
    assert_eq!(err.error.code, ErrorCode::AccountLocked);
    // Locked: even the right password is refused for now.
    let err = attempt(ADMIN_PASSWORD).await.unwrap_err();
    assert_eq!(err.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(err.error.code, ErrorCode::AccountLocked);

    let unknown = client
        .post_json::<Me>(
            "/api/v1/auth/login",
            &LoginRequest {
                username: "nobody".into(),
                password: "whatever-1".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        unknown.error.code,
        ErrorCode::InvalidCredentials,
        "unknown names look like wrong passwords"
    );
}

#[tokio::test]
async fn state_changing_requests_need_the_csrf_token() {
    let app = TestApp::spawn().await;
    let mut admin = app.admin().await;
    let token = admin.csrf.take();
    let err = admin.post::<()>("/api/v1/auth/logout").await.unwrap_err();
    assert_eq!(err.status, StatusCode::FORBIDDEN);
    assert_eq!(err.error.code, ErrorCode::CsrfFailed);
    admin.csrf = Some("forged".into());
    assert_eq!(
        admin
            .post::<()>("/api/v1/auth/logout")
            .await
            .unwrap_err()
            .error
            .code,
        ErrorCode::CsrfFailed
    );
    admin.csrf = token;
    let _: () = admin.post("/api/v1/auth/logout").await.unwrap();
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (coach, coach_client) = app.staff(&admin, "coach_wang", Role::Coach).await;
    let _: Me = coach_client.get("/api/v1/auth/me").await.unwrap();

    let _: UserDto = admin
        .put_json(
            &format!("/api/v1/users/{}", coach.id),
            &UpdateUserRequest {
                username: coach.username.clone(),
                role: Role::Coach,
                enabled: false,
            },
        )
        .await
        .unwrap();
    let err = coach_client.get::<Me>("/api/v1/auth/me").await.unwrap_err();
    assert!(
        matches!(
            err.error.code,
            ErrorCode::Unauthenticated | ErrorCode::AccountDisabled
        ),
        "{err:?}"
    );
    let err = app
        .anonymous()
        .post_json::<Me>(
            "/api/v1/auth/login",
            &LoginRequest {
                username: coach.username,
                password: STAFF_PASSWORD.into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.error.code, ErrorCode::AccountDisabled);
}

#[tokio::test]
async fn a_password_reset_gives_a_new_password_and_ends_old_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (coach, coach_client) = app.staff(&admin, "coach_li", Role::Coach).await;
    let reset: ResetPasswordResponse = admin
        .post(&format!("/api/v1/users/{}/reset-password", coach.id))
        .await
        .unwrap();
    assert!(reset.password.len() >= 12);
    assert!(coach_client.get::<Me>("/api/v1/auth/me").await.is_err());
    let login = async |password: String| {
        app.anonymous()
            .post_json::<Me>(
                "/api/v1/auth/login",
                &LoginRequest {
                    username: coach.username.clone(),
                    password,
                },
            )
            .await
    };
    assert!(login(STAFF_PASSWORD.into()).await.is_err());
    assert!(login(reset.password.clone()).await.is_ok());
}

/// A reset is how an admin helps someone locked out: it clears the lock-out of
/// every address for that account (issue 6 item 12 follow-up).
#[tokio::test]
async fn a_password_reset_lifts_the_accounts_lock_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (coach, _) = app.staff(&admin, "coach_li", Role::Coach).await;
    let login = async |password: &str| {
        app.anonymous()
            .post_json::<Me>(
                "/api/v1/auth/login",
                &LoginRequest {
                    username: coach.username.clone(),
                    password: password.into(),
                },
            )
            .await
    };
    for _ in 0..app.config.auth.max_failed_logins {
        assert!(login("wrong-password-1").await.is_err());
    }
    let locked = login(STAFF_PASSWORD).await.unwrap_err();
    assert_eq!(locked.error.code, ErrorCode::AccountLocked, "{locked:?}");

    let reset: ResetPasswordResponse = admin
        .post(&format!("/api/v1/users/{}/reset-password", coach.id))
        .await
        .unwrap();
    assert!(
        login(&reset.password).await.is_ok(),
        "the new password works at once, from the address that was locked out"
    );
}

#[tokio::test]
async fn sign_ins_are_in_the_operation_log() {
    let app = TestApp::spawn().await;
    let _ = app
        .anonymous()
        .post_json::<Me>(
            "/api/v1/auth/login",
            &LoginRequest {
                username: ADMIN.into(),
                password: "nope-nope".into(),
            },
        )
        .await;
    let admin = app.admin().await;
    let log: Page<AuditLogDto> = admin.get("/api/v1/audit-logs?action=login").await.unwrap();
    assert_eq!(log.total, 1);
    assert_eq!(log.items[0].actor_name, ADMIN);
    assert_eq!(log.items[0].action_label, "登录");
    assert_eq!(log.items[0].ip, "127.0.0.1");
    let failed: Page<AuditLogDto> = admin
        .get("/api/v1/audit-logs?action=login_failed")
        .await
        .unwrap();
    assert_eq!(failed.total, 1);
    assert!(failed.items[0].details.contains("密码错误"));
}

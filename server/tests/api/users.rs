use reqwest::StatusCode;
use shared::api::{AuditLogDto, CreateUserRequest, Page, StaffOption, UpdateUserRequest, UserDto};
use shared::error::ErrorCode;
use shared::roles::Role;

use crate::helpers::*;

fn new_user(username: &str, password: &str, role: Role) -> CreateUserRequest {
    CreateUserRequest {
        username: username.into(),
        password: password.into(),
        role,
        enabled: true,
    }
}

#[tokio::test]
async fn super_admin_manages_users() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created: UserDto = admin
        .post_json(
            "/api/v1/users",
            &new_user("ops_zhang", STAFF_PASSWORD, Role::Admin),
        )
        .await
        .unwrap();
    assert_eq!(created.role, Role::Admin);
    assert!(created.enabled);
    assert!(created.last_login_at.is_none());

    let _ = app.login("ops_zhang", STAFF_PASSWORD).await;
    let users: Vec<UserDto> = admin.get("/api/v1/users").await.unwrap();
    let listed = users.iter().find(|u| u.username == "ops_zhang").unwrap();
    assert!(listed.last_login_at.is_some(), "last login time is kept");

    let edited: UserDto = admin
        .put_json(
            &format!("/api/v1/users/{}", created.id),
            &UpdateUserRequest {
                username: "ops_zhao".into(),
                role: Role::Coach,
                enabled: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (edited.username.as_str(), edited.role),
        ("ops_zhao", Role::Coach)
    );
    let options: Vec<StaffOption> = admin.get("/api/v1/admin/staff-options").await.unwrap();
    assert!(
        options
            .iter()
            .any(|o| o.id == created.id && o.role == Role::Coach)
    );

    admin
        .delete(&format!("/api/v1/users/{}", created.id))
        .await
        .unwrap();
    let users: Vec<UserDto> = admin.get("/api/v1/users").await.unwrap();
    assert!(users.iter().all(|u| u.id != created.id));

    let log: Page<AuditLogDto> = admin.get("/api/v1/audit-logs").await.unwrap();
    let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
    for action in ["create_user", "update_user", "delete_user"] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
}

#[tokio::test]
async fn bad_user_input_names_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let cases = [
        (new_user("ab", STAFF_PASSWORD, Role::Coach), "username"),
        (new_user("李教练", STAFF_PASSWORD, Role::Coach), "username"),
        (new_user("coach_a", "short", Role::Coach), "password"),
        (new_user("coach_a", "12345678", Role::Coach), "password"),
        (new_user(ADMIN, STAFF_PASSWORD, Role::Coach), "username"),
    ];
    for (request, field) in cases {
        let err = admin
            .post_json::<UserDto>("/api/v1/users", &request)
            .await
            .unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY, "{request:?}");
        assert!(
            err.error.field_message(field).is_some(),
            "{field} not named for {request:?}: {err:?}"
        );
    }
    let users: Vec<UserDto> = admin.get("/api/v1/users").await.unwrap();
    assert_eq!(users.len(), 1, "nothing was written");

    let unknown_role = serde_json::json!({"username": "x_user", "password": STAFF_PASSWORD, "role": "owner", "enabled": true});
    let err = admin
        .post_json::<UserDto>("/api/v1/users", &unknown_role)
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::BAD_REQUEST);
    assert_eq!(err.error.code, shared::error::ErrorCode::BadRequest);
    assert!(err.error.field_message("role").is_some(), "{err:?}");
}

#[tokio::test]
async fn the_last_super_admin_stays() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let users: Vec<UserDto> = admin.get("/api/v1/users").await.unwrap();
    let me = &users[0];
    let err = admin
        .delete(&format!("/api/v1/users/{}", me.id))
        .await
        .unwrap_err();
    assert_eq!(err.error.code, ErrorCode::CannotDeleteSelf);
    let err = admin
        .put_json::<UserDto>(
            &format!("/api/v1/users/{}", me.id),
            &UpdateUserRequest {
                username: ADMIN.into(),
                role: Role::Admin,
                enabled: true,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.error.code, ErrorCode::Conflict);

    // A second super admin cannot remove the first if that leaves none enabled either.
    let second: UserDto = admin
        .post_json(
            "/api/v1/users",
            &new_user("owner_two", STAFF_PASSWORD, Role::SuperAdmin),
        )
        .await
        .unwrap();
    let other = app.login("owner_two", STAFF_PASSWORD).await;
    other
        .delete(&format!("/api/v1/users/{}", me.id))
        .await
        .unwrap();
    let err = other
        .delete(&format!("/api/v1/users/{}", second.id))
        .await
        .unwrap_err();
    assert_eq!(err.error.code, ErrorCode::CannotDeleteSelf);
}

#[tokio::test]
async fn a_camps_only_coach_cannot_be_removed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (coach, _) = app.staff(&admin, "coach_chen", Role::Coach).await;
    let request = app.camp_request(&admin, coach.id).await;
    let _: shared::api::CampDto = admin
        .post_json("/api/v1/admin/camps", &request)
        .await
        .unwrap();
    let err = admin
        .delete(&format!("/api/v1/users/{}", coach.id))
        .await
        .unwrap_err();
    assert_eq!(err.error.code, ErrorCode::SoleCoach);
}

/// Concurrent writes on SQLite meet its single write lock. A transaction that
/// read first and then wrote used to get SQLITE_BUSY at once (first a 500, then
/// "busy" 503s — both found by the API fuzzer, the second on PUT /users/{id});
/// every write transaction now begins IMMEDIATE and waits its turn, so
/// concurrent creates, updates and deletes all get their real answer.
#[tokio::test]
async fn concurrent_creates_updates_and_deletes_all_get_their_real_answer() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for round in 0..8 {
                let created = admin
                    .post_json::<UserDto>(
                        "/api/v1/users",
                        &new_user(&format!("w{worker}r{round}"), STAFF_PASSWORD, Role::Coach),
                    )
                    .await;
                statuses.push(created.err().map(|f| f.status));
                let updated = admin
                    .put_json::<UserDto>(
                        &format!("/api/v1/users/{}", 2 + (worker * 8 + round + 3) % 40),
                        &UpdateUserRequest {
                            username: format!("u{worker}r{round}"),
                            role: Role::Volunteer,
                            enabled: true,
                        },
                    )
                    .await;
                statuses.push(updated.err().map(|f| f.status));
                let deleted = admin
                    .delete(&format!("/api/v1/users/{}", 2 + (worker * 8 + round) % 40))
                    .await;
                statuses.push(deleted.err().map(|f| f.status));
            }
            statuses
        }));
    }
    for task in tasks {
        for status in task.await.unwrap().into_iter().flatten() {
            assert!(
                !status.is_server_error(),
                "a concurrent write answered {status}"
            );
        }
    }
}

//! The PRD's permission matrix (§2.2), walked endpoint by endpoint for every role.

use reqwest::{Method, StatusCode};
use shared::api::{CampDto, CreateUserRequest, Page};
use shared::roles::Role;

use crate::helpers::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    SuperAdmin,
    Admin,
    Coach,
    Volunteer,
    Anonymous,
}

type Body = Option<(Vec<u8>, &'static str)>;
/// An endpoint, the body each caller sends, and who may call it.
type Row = (Method, String, Box<dyn Fn(Who) -> Body>, &'static [Who]);

const EVERYONE: [Who; 5] = [
    Who::SuperAdmin,
    Who::Admin,
    Who::Coach,
    Who::Volunteer,
    Who::Anonymous,
];

#[tokio::test]
async fn every_endpoint_follows_the_permission_matrix() {
    let app = TestApp::spawn().await;
    let super_admin = app.admin().await;
    let (_, admin) = app.staff(&super_admin, "ops_admin", Role::Admin).await;
    let (coach_user, coach) = app.staff(&super_admin, "coach_a", Role::Coach).await;
    let (volunteer_user, volunteer) = app.staff(&super_admin, "vol_a", Role::Volunteer).await;
    let (reset_target, _) = app.staff(&super_admin, "vol_reset", Role::Volunteer).await;
    let mut request = app.camp_request(&super_admin, coach_user.id).await;
    request.volunteer_ids = vec![volunteer_user.id];
    let camp: CampDto = super_admin
        .post_json("/api/v1/admin/camps", &request)
        .await
        .unwrap();
    let anonymous = app.anonymous();
    let client = |who: Who| match who {
        Who::SuperAdmin => &super_admin,
        Who::Admin => &admin,
        Who::Coach => &coach,
        Who::Volunteer => &volunteer,
        Who::Anonymous => &anonymous,
    };

    let camp_body = serde_json::to_vec(&request).unwrap();
    let png = png_bytes();
    let rows: Vec<Row> = vec![
        (
            Method::GET,
            "/api/v1/users".into(),
            Box::new(|_| None),
            &[Who::SuperAdmin],
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Box::new(|who| {
                let user = CreateUserRequest {
                    username: format!("new_{}", format!("{who:?}").to_lowercase()),
                    password: STAFF_PASSWORD.into(),
                    role: Role::Volunteer,
                    enabled: true,
                };
                Some((serde_json::to_vec(&user).unwrap(), "application/json"))
            }),
            &[Who::SuperAdmin],
        ),
        (
            Method::POST,
            format!("/api/v1/users/{}/reset-password", reset_target.id),
            Box::new(|_| None),
            &[Who::SuperAdmin],
        ),
        (
            Method::GET,
            "/api/v1/audit-logs".into(),
            Box::new(|_| None),
            &[Who::SuperAdmin],
        ),
        (
            Method::GET,
            "/api/v1/system/backups".into(),
            Box::new(|_| None),
            &[Who::SuperAdmin],
        ),
        (
            Method::POST,
            "/api/v1/system/backups".into(),
            Box::new(|_| None),
            &[Who::SuperAdmin],
        ),
        (
            Method::GET,
            "/api/v1/admin/staff-options".into(),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin],
        ),
        (
            Method::POST,
            "/api/v1/admin/camps".into(),
            Box::new(move |_| Some((camp_body.clone(), "application/json"))),
            &[Who::SuperAdmin, Who::Admin],
        ),
        (
            Method::PUT,
            format!("/api/v1/admin/camps/{}", camp.id),
            Box::new({
                let body = serde_json::to_vec(&request).unwrap();
                move |_| Some((body.clone(), "application/json"))
            }),
            &[Who::SuperAdmin, Who::Admin],
        ),
        (
            Method::GET,
            format!("/api/v1/admin/camps/{}/qrcode.png", camp.id),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin],
        ),
        (
            Method::POST,
            "/api/v1/uploads?kind=poster".into(),
            Box::new(move |_| Some((png.clone(), "image/png"))),
            &[Who::SuperAdmin, Who::Admin],
        ),
        (
            Method::GET,
            "/api/v1/admin/camps".into(),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin, Who::Coach, Who::Volunteer],
        ),
        (
            Method::GET,
            format!("/api/v1/admin/camps/{}", camp.id),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin, Who::Coach, Who::Volunteer],
        ),
        (
            Method::GET,
            format!("/api/v1/uploads/{}", camp.group_qr_upload_id),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin, Who::Coach, Who::Volunteer],
        ),
        (
            Method::GET,
            "/api/v1/auth/me".into(),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin, Who::Coach, Who::Volunteer],
        ),
        (
            Method::GET,
            "/api/v1/admin/settings/zsxq".into(),
            Box::new(|_| None),
            &[Who::SuperAdmin],
        ),
        (
            Method::PUT,
            "/api/v1/admin/settings/zsxq".into(),
            Box::new(|_| {
                // A blank cookie keeps the stored (sandbox) one.
                let body = serde_json::json!({ "group_id": "88885181412452", "spacing_ms": 0 });
                Some((serde_json::to_vec(&body).unwrap(), "application/json"))
            }),
            &[Who::SuperAdmin],
        ),
        (
            Method::POST,
            "/api/v1/admin/settings/zsxq/test".into(),
            Box::new(|_| None),
            &[Who::SuperAdmin],
        ),
        (
            Method::GET,
            "/api/v1/admin/sync-runs".into(),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin, Who::Coach, Who::Volunteer],
        ),
        (
            Method::GET,
            "/api/v1/admin/checkins".into(),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin, Who::Coach, Who::Volunteer],
        ),
        (
            Method::GET,
            "/api/v1/admin/checkins/export.xlsx".into(),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin, Who::Coach, Who::Volunteer],
        ),
        (
            Method::GET,
            format!("/api/v1/admin/camps/{}/checkin-stats", camp.id),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin, Who::Coach, Who::Volunteer],
        ),
        (
            Method::GET,
            format!("/api/v1/admin/camps/{}/checkin-stats/export.xlsx", camp.id),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin, Who::Coach, Who::Volunteer],
        ),
        (
            Method::GET,
            format!("/api/v1/admin/camps/{}/planet-accounts", camp.id),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin, Who::Coach, Who::Volunteer],
        ),
        (
            Method::GET,
            format!("/api/v1/admin/camps/{}/checkins/import-template", camp.id),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin, Who::Coach, Who::Volunteer],
        ),
        (
            Method::POST,
            format!("/api/v1/admin/camps/{}/sync", camp.id),
            Box::new(|_| None),
            &[Who::SuperAdmin, Who::Admin, Who::Coach, Who::Volunteer],
        ),
        (
            Method::POST,
            "/api/v1/admin/sandbox/zsxq/checkins".into(),
            Box::new(|_| {
                let body = serde_json::json!({
                    "checkin_id": "8424481182", "user_id": "15555411851482",
                    "name": "会员", "dates": ["2026-01-01"],
                });
                Some((serde_json::to_vec(&body).unwrap(), "application/json"))
            }),
            &[Who::SuperAdmin, Who::Admin],
        ),
        (
            Method::POST,
            format!("/api/v1/admin/camps/{}/checkins/import", camp.id),
            Box::new(|_| {
                let csv = "星球ID,星球昵称,打卡时间\n346884121553,小王,2026-01-01 08:30\n";
                let body = format!(
                    "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n{csv}\r\n--B--\r\n"
                );
                Some((body.into_bytes(), "multipart/form-data; boundary=B"))
            }),
            &[Who::SuperAdmin, Who::Admin],
        ),
        (
            Method::GET,
            "/api/v1/camps".into(),
            Box::new(|_| None),
            &EVERYONE,
        ),
        (
            Method::GET,
            format!("/api/v1/camps/{}", camp.id),
            Box::new(|_| None),
            &EVERYONE,
        ),
        (
            Method::GET,
            "/api/v1/system/info".into(),
            Box::new(|_| None),
            &EVERYONE,
        ),
    ];

    let mut failures = Vec::new();
    for (method, path, body, allowed) in &rows {
        for who in EVERYONE {
            let status = client(who)
                .raw(method.clone(), path, body(who))
                .await
                .status();
            let expected_ok = allowed.contains(&who);
            let denied = [
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::NOT_FOUND,
            ]
            .contains(&status);
            if expected_ok != status.is_success() || (!expected_ok && !denied) {
                failures.push(format!(
                    "{who:?} {method} {path} → {status} (allowed: {expected_ok})"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "matrix violations:\n{}",
        failures.join("\n")
    );

    // Staff-only endpoints tell a visitor to sign in, and a signed-in person that they may not.
    assert_eq!(
        anonymous
            .raw(Method::GET, "/api/v1/users", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        coach.raw(Method::GET, "/api/v1/users", None).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn coaches_and_volunteers_see_only_their_own_camps() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (coach_a, coach_a_client) = app.staff(&admin, "coach_a", Role::Coach).await;
    let (coach_b, coach_b_client) = app.staff(&admin, "coach_b", Role::Coach).await;
    let (volunteer, volunteer_client) = app.staff(&admin, "vol_b", Role::Volunteer).await;
    let camp_a: CampDto = admin
        .post_json(
            "/api/v1/admin/camps",
            &app.camp_request(&admin, coach_a.id).await,
        )
        .await
        .unwrap();
    let mut request_b = app.camp_request(&admin, coach_b.id).await;
    request_b.name = "B营".into();
    request_b.volunteer_ids = vec![volunteer.id];
    let camp_b: CampDto = admin
        .post_json("/api/v1/admin/camps", &request_b)
        .await
        .unwrap();

    let listed = |page: Page<CampDto>| page.items.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        listed(coach_a_client.get("/api/v1/admin/camps").await.unwrap()),
        vec![camp_a.id]
    );
    assert_eq!(
        listed(coach_b_client.get("/api/v1/admin/camps").await.unwrap()),
        vec![camp_b.id]
    );
    assert_eq!(
        listed(volunteer_client.get("/api/v1/admin/camps").await.unwrap()),
        vec![camp_b.id]
    );
    let all: Page<CampDto> = admin.get("/api/v1/admin/camps").await.unwrap();
    assert_eq!(all.total, 2);

    let err = coach_a_client
        .get::<CampDto>(&format!("/api/v1/admin/camps/{}", camp_b.id))
        .await
        .unwrap_err();
    assert_eq!(
        err.status,
        StatusCode::NOT_FOUND,
        "another camp's data is out of reach"
    );
    let err = volunteer_client
        .get::<CampDto>(&format!("/api/v1/admin/camps/{}", camp_a.id))
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::NOT_FOUND);
    let err = coach_a_client
        .put_json::<CampDto>(&format!("/api/v1/admin/camps/{}", camp_a.id), &request_b)
        .await
        .unwrap_err();
    assert_eq!(
        err.status,
        StatusCode::FORBIDDEN,
        "coaches do not manage camps, not even their own"
    );
}

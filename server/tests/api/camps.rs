use chrono::{Days, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait, Set};
use server::entity::camps;
use shared::api::{CampDto, CampRequest, CampStatus, Page, PublicCamp, UploadDto, UploadKind};
use shared::error::ErrorCode;
use shared::roles::Role;

use crate::helpers::*;

/// Breaks one rule of a valid request.
type Breaker = Box<dyn Fn(&mut CampRequest)>;

async fn setup() -> (TestApp, Client, i64) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (coach, _) = app.staff(&admin, "coach_wang", Role::Coach).await;
    (app, admin, coach.id)
}

#[tokio::test]
async fn a_created_camp_is_listed_for_members() {
    let (app, admin, coach_id) = setup().await;
    let request = app.camp_request(&admin, coach_id).await;
    let camp: CampDto = admin
        .post_json("/api/v1/admin/camps", &request)
        .await
        .unwrap();
    assert_eq!(camp.status, CampStatus::NotStarted);
    assert_eq!(camp.deposit_fen, 9900);
    assert_eq!(camp.coaches.len(), 1);
    assert_eq!(
        camp.h5_url,
        format!("{}/h5/camps/{}", app.base, camp.id),
        "links use the address the server listens on when no public URL is configured"
    );

    let list: Vec<PublicCamp> = app.anonymous().get("/api/v1/camps").await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "21天早起训练营");
    assert_eq!(list[0].enrolled_count, 0);
    assert_eq!(list[0].status, CampStatus::NotStarted);
    let one: PublicCamp = app
        .anonymous()
        .get(&format!("/api/v1/camps/{}", camp.id))
        .await
        .unwrap();
    assert_eq!(one.intro_html, "<p>每天<b>早起</b>打卡</p>");

    let poster = app
        .anonymous()
        .raw(Method::GET, &list[0].poster_url, None)
        .await;
    assert_eq!(poster.status(), StatusCode::OK);
    assert_eq!(poster.headers()["content-type"], "image/png");
}

/// Issue 6 item 9: a group QR code is served by an unguessable id, and only to
/// staff who may see a camp using it (paid members get theirs through their
/// enrollment: `payments::a_member_signs_up_pays_and_sees_the_group_qr`).
#[tokio::test]
async fn a_group_qr_is_served_only_to_staff_of_its_camp_by_an_unguessable_id() {
    let (app, admin, coach_id) = setup().await;
    let coach = app.login("coach_wang", STAFF_PASSWORD).await;
    let (volunteer, volunteer_client) = app.staff(&admin, "vol_wang", Role::Volunteer).await;
    let (other_coach, other_coach_client) = app.staff(&admin, "coach_li", Role::Coach).await;
    let (other_volunteer, other_volunteer_client) =
        app.staff(&admin, "vol_li", Role::Volunteer).await;
    let (_, ops) = app.staff(&admin, "ops", Role::Admin).await;
    let status = |client: &Client, url: &str| {
        let client = client.clone();
        let url = url.to_owned();
        async move { client.raw(Method::GET, &url, None).await.status() }
    };

    let qr = app.upload(&admin, UploadKind::GroupQr).await;
    assert!(
        qr.id.len() == 32 && qr.id.chars().all(|c| c.is_ascii_hexdigit()),
        "{}",
        qr.id
    );
    assert_eq!(qr.url, format!("/api/v1/uploads/{}", qr.id));
    let second = app.upload(&admin, UploadKind::GroupQr).await;
    assert_ne!(qr.id, second.id);
    // Not yet on a camp: the admins who upload it see it, nobody else.
    assert_eq!(status(&admin, &qr.url).await, StatusCode::OK);
    assert_eq!(status(&ops, &qr.url).await, StatusCode::OK);
    assert_eq!(status(&coach, &qr.url).await, StatusCode::NOT_FOUND);
    assert_eq!(
        status(&app.anonymous(), &qr.url).await,
        StatusCode::NOT_FOUND
    );

    let mut request = app.camp_request(&admin, coach_id).await;
    request.group_qr_upload_id = Some(qr.id.clone());
    request.volunteer_ids = vec![volunteer.id];
    let camp: CampDto = admin
        .post_json("/api/v1/admin/camps", &request)
        .await
        .unwrap();
    assert_eq!(camp.group_qr_upload_id, qr.id);
    assert_eq!(camp.group_qr_url, qr.url);
    let mut other = app.camp_request(&admin, other_coach.id).await;
    other.volunteer_ids = vec![other_volunteer.id];
    let _: CampDto = admin
        .post_json("/api/v1/admin/camps", &other)
        .await
        .unwrap();

    for (who, client, expected) in [
        ("super admin", &admin, StatusCode::OK),
        ("admin", &ops, StatusCode::OK),
        ("the camp's coach", &coach, StatusCode::OK),
        ("the camp's volunteer", &volunteer_client, StatusCode::OK),
        (
            "another camp's coach",
            &other_coach_client,
            StatusCode::NOT_FOUND,
        ),
        (
            "another camp's volunteer",
            &other_volunteer_client,
            StatusCode::NOT_FOUND,
        ),
    ] {
        assert_eq!(status(client, &qr.url).await, expected, "{who}");
    }
    let image = admin.raw(Method::GET, &qr.url, None).await;
    assert_eq!(image.headers()["cache-control"], "private, no-store");
    assert_eq!(image.bytes().await.unwrap(), png_bytes());

    // The database's sequential ids lead nowhere, not even for the super admin.
    for id in 1..=6 {
        assert_eq!(
            status(&admin, &format!("/api/v1/uploads/{id}")).await,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn the_camp_link_qr_code_is_a_png() {
    let (app, admin, coach_id) = setup().await;
    let request = app.camp_request(&admin, coach_id).await;
    let camp: CampDto = admin
        .post_json("/api/v1/admin/camps", &request)
        .await
        .unwrap();
    let response = admin
        .raw(
            Method::GET,
            &format!("/api/v1/admin/camps/{}/qrcode.png", camp.id),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}

#[tokio::test]
async fn uploads_are_checked_by_content() {
    let (_app, admin, _) = setup().await;
    let renamed_text = b"just some text, saved as poster.png".to_vec();
    let err = admin
        .upload(UploadKind::Poster, renamed_text, "image/png")
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err.error.field_message("file"),
        Some("仅支持JPG或PNG格式的图片")
    );

    let mut too_big = png_bytes();
    too_big.resize(2 * 1024 * 1024 + 1, 0);
    let err = admin
        .upload(UploadKind::Poster, too_big, "image/png")
        .await
        .unwrap_err();
    assert_eq!(err.error.field_message("file"), Some("图片不能超过2MB"));

    let huge = vec![0u8; 5 * 1024 * 1024];
    let err = admin
        .upload(UploadKind::Poster, huge, "image/png")
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(err.error.code, ErrorCode::PayloadTooLarge);

    let ok: UploadDto = admin
        .upload(UploadKind::Poster, png_bytes(), "application/octet-stream")
        .await
        .unwrap();
    assert_eq!(
        ok.content_type, "image/png",
        "the type comes from the bytes, not the header"
    );
}

#[tokio::test]
async fn every_camp_rule_is_enforced_without_partial_writes() {
    let (app, admin, coach_id) = setup().await;
    let valid = app.camp_request(&admin, coach_id).await;
    let today = shared::dates::business_date(Utc::now());
    let (volunteer, _) = app.staff(&admin, "vol_li", Role::Volunteer).await;
    let poster_as_qr = valid.poster_upload_id.clone();
    let cases: Vec<(Breaker, &str)> = vec![
        (Box::new(|r| r.name = "".into()), "name"),
        (Box::new(|r| r.name = "营".repeat(51)), "name"),
        (Box::new(|r| r.poster_upload_id = None), "poster_upload_id"),
        (
            Box::new(|r| r.poster_upload_id = Some("0".repeat(32))),
            "poster_upload_id",
        ),
        (
            Box::new(move |r| r.group_qr_upload_id = poster_as_qr.clone()),
            "group_qr_upload_id",
        ),
        (Box::new(|r| r.deposit_fen = 0), "deposit_fen"),
        (
            Box::new(move |r| r.start_date = today.pred_opt()),
            "start_date",
        ),
        (Box::new(|r| r.end_date = r.start_date), "end_date"),
        (Box::new(|r| r.required_days = 11), "required_days"),
        (Box::new(|r| r.total_days = 30), "total_days"),
        (
            Box::new(|r| r.intro_html = format!("<p>{}</p>", "字".repeat(501))),
            "intro_html",
        ),
        (Box::new(|r| r.coach_ids = vec![]), "coach_ids"),
        (
            Box::new(move |r| r.coach_ids = vec![volunteer.id]),
            "coach_ids",
        ),
        (
            Box::new(|r| r.planet_project_id = "星球 1".into()),
            "planet_project_id",
        ),
        (
            Box::new(|r| r.wecom_payee_id = "收款码".into()),
            "wecom_payee_id",
        ),
    ];
    for (break_it, field) in cases {
        let mut request = valid.clone();
        break_it(&mut request);
        let err = admin
            .post_json::<CampDto>("/api/v1/admin/camps", &request)
            .await
            .unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(
            err.error.field_message(field).is_some(),
            "{field} not named: {err:?}"
        );
    }
    assert_eq!(
        camps::Entity::find().count(&app.db).await.unwrap(),
        0,
        "no camp was written"
    );

    let err = admin
        .raw(
            Method::POST,
            "/api/v1/admin/camps",
            Some((b"{not json".to_vec(), "application/json")),
        )
        .await;
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn intro_html_is_sanitized() {
    let (app, admin, coach_id) = setup().await;
    let mut request = app.camp_request(&admin, coach_id).await;
    request.intro_html = r#"<p onclick="x()">好<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">链接</a></p>"#.into();
    let camp: CampDto = admin
        .post_json("/api/v1/admin/camps", &request)
        .await
        .unwrap();
    assert!(!camp.intro_html.contains("script"), "{}", camp.intro_html);
    assert!(!camp.intro_html.contains("onclick"), "{}", camp.intro_html);
    assert!(!camp.intro_html.contains("onerror"), "{}", camp.intro_html);
    assert!(
        !camp.intro_html.contains("javascript:"),
        "{}",
        camp.intro_html
    );
    assert!(camp.intro_html.contains("好"));
}

/// Moves a camp into the past, as if it had started days ago.
async fn start_camp(app: &TestApp, id: i64) {
    let today = shared::dates::business_date(Utc::now());
    let mut row = camps::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    row.start_date = Set(today.checked_sub_days(Days::new(2)).unwrap());
    row.end_date = Set(today.checked_add_days(Days::new(7)).unwrap());
    row.update(&app.db).await.unwrap();
}

#[tokio::test]
async fn started_camps_keep_their_core_fields_and_cannot_be_deleted() {
    let (app, admin, coach_id) = setup().await;
    let request = app.camp_request(&admin, coach_id).await;
    let camp: CampDto = admin
        .post_json("/api/v1/admin/camps", &request)
        .await
        .unwrap();

    let mut renamed = request.clone();
    renamed.name = "21天早起训练营（第二期）".into();
    let edited: CampDto = admin
        .put_json(&format!("/api/v1/admin/camps/{}", camp.id), &renamed)
        .await
        .unwrap();
    assert_eq!(edited.name, renamed.name);

    start_camp(&app, camp.id).await;
    let current: CampDto = admin
        .get(&format!("/api/v1/admin/camps/{}", camp.id))
        .await
        .unwrap();
    assert_eq!(current.status, CampStatus::Ongoing);

    let mut same_core = renamed.clone();
    same_core.start_date = Some(current.start_date);
    same_core.end_date = Some(current.end_date);
    same_core.intro_html = "<p>新的介绍</p>".into();
    let _: CampDto = admin
        .put_json(&format!("/api/v1/admin/camps/{}", camp.id), &same_core)
        .await
        .unwrap();

    let mut moved = same_core.clone();
    moved.required_days = 5;
    let err = admin
        .put_json::<CampDto>(&format!("/api/v1/admin/camps/{}", camp.id), &moved)
        .await
        .unwrap_err();
    assert_eq!(
        err.error.field_message("start_date"),
        Some("训练营已开始，不能修改日期、打卡要求和押金")
    );
    let mut repriced = same_core.clone();
    repriced.deposit_fen = 1;
    assert!(
        admin
            .put_json::<CampDto>(&format!("/api/v1/admin/camps/{}", camp.id), &repriced)
            .await
            .is_err()
    );

    let err = admin
        .delete(&format!("/api/v1/admin/camps/{}", camp.id))
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::CONFLICT);
    assert_eq!(err.error.code, ErrorCode::CampStarted);

    let fresh: CampDto = admin
        .post_json(
            "/api/v1/admin/camps",
            &app.camp_request(&admin, coach_id).await,
        )
        .await
        .unwrap();
    admin
        .delete(&format!("/api/v1/admin/camps/{}", fresh.id))
        .await
        .unwrap();
    assert!(
        admin
            .get::<CampDto>(&format!("/api/v1/admin/camps/{}", fresh.id))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_admin_list_filters_by_status_time_and_name() {
    let (app, admin, coach_id) = setup().await;
    let upcoming: CampDto = admin
        .post_json(
            "/api/v1/admin/camps",
            &app.camp_request(&admin, coach_id).await,
        )
        .await
        .unwrap();
    let mut other = app.camp_request(&admin, coach_id).await;
    other.name = "读书打卡营".into();
    let running: CampDto = admin
        .post_json("/api/v1/admin/camps", &other)
        .await
        .unwrap();
    start_camp(&app, running.id).await;

    let names = |page: Page<CampDto>| page.items.into_iter().map(|c| c.name).collect::<Vec<_>>();
    let all: Page<CampDto> = admin.get("/api/v1/admin/camps").await.unwrap();
    assert_eq!(all.total, 2);
    assert_eq!(
        names(
            admin
                .get("/api/v1/admin/camps?status=ongoing")
                .await
                .unwrap()
        ),
        vec!["读书打卡营"]
    );
    assert_eq!(
        names(
            admin
                .get("/api/v1/admin/camps?status=not_started")
                .await
                .unwrap()
        ),
        vec![upcoming.name.clone()]
    );
    assert!(names(admin.get("/api/v1/admin/camps?status=ended").await.unwrap()).is_empty());
    assert_eq!(
        names(
            admin
                .get(&format!("/api/v1/admin/camps?q={}", "读书"))
                .await
                .unwrap()
        ),
        vec!["读书打卡营"]
    );
    let far = Utc::now().date_naive() + Days::new(400);
    let later: Page<CampDto> = admin
        .get(&format!("/api/v1/admin/camps?from={far}"))
        .await
        .unwrap();
    assert_eq!(later.total, 0);
    let err = admin
        .get::<Page<CampDto>>("/api/v1/admin/camps?status=someday")
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::BAD_REQUEST);
    assert_eq!(err.error.code, ErrorCode::BadRequest);
}

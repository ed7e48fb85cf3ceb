//! Staff side of enrollment: the member list, detail, "标记进群", the Excel
//! export, and the WeChat Pay settings.

use calamine::{Reader, Xlsx};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::entity::{audit_logs, settings};
use shared::api::{
    CampDto, ConnectionTest, EnrollmentDetail, EnrollmentRow, OrderStatus, Page,
    WechatPaySettingsUpdate, WechatPaySettingsView,
};
use shared::roles::Role;

use crate::helpers::*;
use crate::payments::{form, order_status_in_db, pay_in_cashier, pending};

/// A camp with one paid member; returns the camp, the admin and the enrollment id.
async fn paid_member(app: &TestApp) -> (CampDto, Client, i64, i64) {
    let admin = app.admin().await;
    let (coach, _) = app.staff(&admin, "coach_m", Role::Coach).await;
    let camp: CampDto = admin
        .post_json(
            "/api/v1/admin/camps",
            &app.camp_request(&admin, coach.id).await,
        )
        .await
        .unwrap();
    let (enrollment_id, out_trade_no) =
        pending(&app.anonymous(), camp.id, &form("15555411851482")).await;
    pay_in_cashier(app, &out_trade_no).await;
    app.eventually("payment", || async {
        order_status_in_db(app, &out_trade_no).await == "paid"
    })
    .await;
    // A sign-up that never paid stays out of the default list.
    let _ = pending(&app.anonymous(), camp.id, &form("17777411851482")).await;
    (camp, admin, enrollment_id, coach.id)
}

#[tokio::test]
async fn staff_list_filter_and_mark_members_joined() {
    let app = TestApp::spawn().await;
    let (camp, admin, id, _) = paid_member(&app).await;
    let page: Page<EnrollmentRow> = admin
        .get(&format!("/api/v1/admin/enrollments?camp_id={}", camp.id))
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    let row = &page.items[0];
    assert_eq!(
        (
            row.planet_id.as_str(),
            row.amount_fen,
            row.paid,
            row.joined_group
        ),
        ("15555411851482", 9900, true, false)
    );
    assert_eq!(row.camp_name, camp.name);
    // No check-ins yet: no planet account fits.
    assert_eq!(row.match_status, "未匹配");
    assert_eq!(row.match_state, shared::matching::MatchStatus::Failed);
    let with_unpaid: Page<EnrollmentRow> = admin
        .get("/api/v1/admin/enrollments?include_unpaid=true")
        .await
        .unwrap();
    assert_eq!(with_unpaid.total, 2);
    let found: Page<EnrollmentRow> = admin
        .get(&format!("/api/v1/admin/enrollments?q={}", "小王"))
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    let none: Page<EnrollmentRow> = admin
        .get("/api/v1/admin/enrollments?q=nobody")
        .await
        .unwrap();
    assert_eq!(none.total, 0);

    let detail: EnrollmentDetail = admin
        .get(&format!("/api/v1/admin/enrollments/{id}"))
        .await
        .unwrap();
    assert_eq!(detail.payments.len(), 1);
    assert_eq!(detail.payments[0].status, OrderStatus::Paid);
    assert!(detail.payments[0].transaction_id.is_some());

    let marked: EnrollmentDetail = admin
        .post_json(
            &format!("/api/v1/admin/enrollments/{id}/joined"),
            &serde_json::json!({ "joined": true }),
        )
        .await
        .unwrap();
    assert!(marked.enrollment.joined_group);
    assert!(marked.joined_group_at.is_some());
    let joined: Page<EnrollmentRow> = admin
        .get("/api/v1/admin/enrollments?joined=joined")
        .await
        .unwrap();
    assert_eq!(joined.total, 1);
    let not_joined: Page<EnrollmentRow> = admin
        .get("/api/v1/admin/enrollments?joined=not_joined")
        .await
        .unwrap();
    assert_eq!(not_joined.total, 0);
    let logged = audit_logs::Entity::find()
        .filter(audit_logs::Column::Action.eq("mark_joined_group"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(logged, 1);
}

#[tokio::test]
async fn coaches_see_their_own_members_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (camp, admin, id, _) = paid_member(&app).await;
    let camp_id = camp.id;
    let coach = app.login("coach_m", STAFF_PASSWORD).await;
    let page: Page<EnrollmentRow> = coach.get("/api/v1/admin/enrollments").await.unwrap();
    assert_eq!(page.total, 1, "their camp's member");
    let err = coach
        .post_json::<EnrollmentDetail>(
            &format!("/api/v1/admin/enrollments/{id}/joined"),
            &serde_json::json!({ "joined": true }),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::FORBIDDEN);

    let (_, other_coach) = app.staff(&admin, "coach_other", Role::Coach).await;
    let page: Page<EnrollmentRow> = other_coach.get("/api/v1/admin/enrollments").await.unwrap();
    assert_eq!(page.total, 0);
    assert_eq!(
        other_coach
            .get::<EnrollmentDetail>(&format!("/api/v1/admin/enrollments/{id}"))
            .await
            .unwrap_err()
            .status,
        StatusCode::NOT_FOUND
    );
    let export = other_coach
        .raw(Method::GET, "/api/v1/admin/enrollments/export.xlsx", None)
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(
        exported_rows(export).await,
        vec![EXPORT_HEADER.map(String::from).to_vec()],
        "the header and nothing they may not see"
    );
    // Asking for the other camp by id changes nothing.
    let export = other_coach
        .raw(
            Method::GET,
            &format!("/api/v1/admin/enrollments/export.xlsx?camp_id={camp_id}&include_unpaid=true"),
            None,
        )
        .await;
    assert_eq!(exported_rows(export).await.len(), 1, "the header only");
}

pub const EXPORT_HEADER: [&str; 10] = [
    "星球昵称",
    "星球ID",
    "微信昵称",
    "训练营名称",
    "支付金额(元)",
    "支付时间",
    "匹配状态",
    "匹配置信度",
    "进群状态",
    "重复支付",
];

/// The cells of the exported workbook's one sheet, as text.
pub async fn exported_rows(response: reqwest::Response) -> Vec<Vec<String>> {
    let bytes = response.bytes().await.unwrap();
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = workbook.worksheet_range("会员列表").unwrap();
    sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn the_member_list_exports_to_excel() {
    let app = TestApp::spawn().await;
    let (camp, admin, _, _) = paid_member(&app).await;
    let response = admin
        .raw(
            Method::GET,
            &format!("/api/v1/admin/enrollments/export.xlsx?camp_id={}", camp.id),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    let rows = exported_rows(response).await;
    assert_eq!(rows.len(), 2, "header + the paid member");
    assert_eq!(rows[0], EXPORT_HEADER.map(String::from).to_vec());
    assert_eq!(rows[1][1], "15555411851482", "the ID stays exact text");
    assert_eq!(rows[1][3], camp.name);
    assert_eq!(rows[1][4], "99");
    assert_eq!(rows[1][8], "未进群");
}

fn update_from(view: &WechatPaySettingsView) -> WechatPaySettingsUpdate {
    WechatPaySettingsUpdate {
        mch_id: view.mch_id.clone(),
        app_id: view.app_id.clone(),
        merchant_serial: view.merchant_serial.clone(),
        platform_public_key_id: view.platform_public_key_id.clone(),
        platform_public_key_pem: view.platform_public_key_pem.clone(),
        base_url: view.base_url.clone(),
        jsapi_enabled: view.jsapi_enabled,
        h5_enabled: view.h5_enabled,
        api_v3_key: String::new(),
        merchant_private_key_pem: String::new(),
        app_secret: String::new(),
    }
}

#[tokio::test]
async fn super_admin_manages_wechat_pay_settings_with_secrets_sealed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let view: WechatPaySettingsView = admin
        .get("/api/v1/admin/settings/wechat-pay")
        .await
        .unwrap();
    assert!(view.sandbox_keys);
    assert!(view.api_v3_key_set && view.merchant_private_key_set && view.app_secret_set);
    assert!(
        view.notify_url
            .ends_with("/webhooks/wechatpay/transactions"),
        "{}",
        view.notify_url
    );
    let (_, ops) = app.staff(&admin, "ops_admin", Role::Admin).await;
    assert_eq!(
        ops.get::<WechatPaySettingsView>("/api/v1/admin/settings/wechat-pay")
            .await
            .unwrap_err()
            .status,
        StatusCode::FORBIDDEN
    );

    let test: ConnectionTest = admin
        .post("/api/v1/admin/settings/wechat-pay/test")
        .await
        .unwrap();
    assert!(test.ok, "{}", test.message);

    let mut broken = update_from(&view);
    broken.mch_id = " ".into();
    broken.api_v3_key = "too-short".into();
    broken.merchant_private_key_pem =
        "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----".into();
    broken.platform_public_key_id = "SERIAL".into();
    let err = admin
        .send_json::<WechatPaySettingsView>(
            Method::PUT,
            "/api/v1/admin/settings/wechat-pay",
            &broken,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in [
        "mch_id",
        "api_v3_key",
        "merchant_private_key_pem",
        "platform_public_key_pem",
    ] {
        assert!(err.error.field_message(field).is_some(), "{field}: {err:?}");
    }

    // Saving with blank secrets keeps them; the settings become the owner's.
    let saved: WechatPaySettingsView = admin
        .send_json(
            Method::PUT,
            "/api/v1/admin/settings/wechat-pay",
            &update_from(&view),
        )
        .await
        .unwrap();
    assert!(!saved.sandbox_keys);
    assert!(saved.api_v3_key_set && saved.merchant_private_key_set);
    let test: ConnectionTest = admin
        .post("/api/v1/admin/settings/wechat-pay/test")
        .await
        .unwrap();
    assert!(test.ok, "still works after saving: {}", test.message);

    let mut wrong_key = update_from(&view);
    wrong_key.platform_public_key_pem = server::integrations::wechat_pay::generate_key_pair()
        .unwrap()
        .public_pem;
    let _: WechatPaySettingsView = admin
        .send_json(Method::PUT, "/api/v1/admin/settings/wechat-pay", &wrong_key)
        .await
        .unwrap();
    let test: ConnectionTest = admin
        .post("/api/v1/admin/settings/wechat-pay/test")
        .await
        .unwrap();
    assert!(
        !test.ok,
        "a wrong WeChat Pay public key fails verification: {}",
        test.message
    );
    assert!(test.message.contains("验签"), "{}", test.message);

    // A database dump holds no plaintext secret.
    for row in settings::Entity::find().all(&app.db).await.unwrap() {
        assert!(
            !row.value.contains("PRIVATE KEY"),
            "{} holds a plaintext private key",
            row.key
        );
    }
    let changes = audit_logs::Entity::find()
        .filter(audit_logs::Column::Action.eq("update_pay_settings"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(changes, 2);
}

#[tokio::test]
async fn production_refuses_to_start_with_sandbox_keys() {
    let app = TestApp::spawn().await;
    let mut production = app.config.clone();
    production.sandbox = false;
    production.server.bind = "127.0.0.1:0".into();
    let err = server::Application::build(production)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("沙箱"), "{err}");
}

//! Enrollment and payment against the built-in WeChat Pay simulator: the real
//! client, the real webhook, signed and encrypted notifications.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;
use server::entity::{
    audit_logs, enrollments, payment_notifications, payment_orders, sandbox_wechat_orders,
};
use server::integrations::wechat_pay::{
    encrypt_resource, generate_key_pair, keys::private_key_from_pem, nonce, sign_response,
};
use server::settings::wechat_pay::{SANDBOX_KEY, StoredSandbox};
use shared::api::{
    MyEnrollment, OrderStatus, OrderView, PayAction, PayMethod, PersonalLink, PublicCamp,
    SignUpRequest, SignUpResponse,
};

use crate::helpers::*;

pub fn form(planet_id: &str) -> SignUpRequest {
    SignUpRequest {
        planet_nickname: "早起的小王".into(),
        planet_id: planet_id.into(),
        wechat_nickname: "wang".into(),
        pay_method: PayMethod::Native,
    }
}

async fn sign_up(
    client: &Client,
    camp_id: i64,
    request: &SignUpRequest,
) -> Result<SignUpResponse, Failure> {
    client
        .post_json(&format!("/api/v1/camps/{camp_id}/enrollments"), request)
        .await
}

/// Signs up and returns (enrollment id, out_trade_no).
pub async fn pending(client: &Client, camp_id: i64, request: &SignUpRequest) -> (i64, String) {
    match sign_up(client, camp_id, request).await.unwrap() {
        SignUpResponse::Pending {
            enrollment_id,
            out_trade_no,
            pay,
        } => {
            assert!(
                matches!(pay, PayAction::Native { ref code_url } if code_url.contains("/sandbox/wechatpay/cashier/")),
                "{pay:?}"
            );
            (enrollment_id, out_trade_no)
        }
        other => panic!("expected a pending order, got {other:?}"),
    }
}

/// The member taps "确认支付" in the sandbox cashier.
pub async fn pay_in_cashier(app: &TestApp, out_trade_no: &str) {
    let response = app
        .anonymous()
        .raw(
            Method::POST,
            &format!("/sandbox/wechatpay/cashier/{out_trade_no}/pay"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("/h5/orders/{out_trade_no}")
    );
}

async fn set_notify(app: &TestApp, mode: &str) {
    let body = serde_json::to_vec(&json!({ "notify": mode, "delay_ms": 1500 })).unwrap();
    let response = app
        .anonymous()
        .raw(
            Method::POST,
            "/sandbox/wechatpay/control",
            Some((body, "application/json")),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn order_row(app: &TestApp, out_trade_no: &str) -> payment_orders::Model {
    payment_orders::Entity::find()
        .filter(payment_orders::Column::OutTradeNo.eq(out_trade_no))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

pub async fn order_status_in_db(app: &TestApp, out_trade_no: &str) -> String {
    order_row(app, out_trade_no).await.status
}

async fn outcomes(app: &TestApp, out_trade_no: &str) -> Vec<String> {
    payment_notifications::Entity::find()
        .filter(payment_notifications::Column::OutTradeNo.eq(out_trade_no))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.outcome)
        .collect()
}

#[tokio::test]
async fn a_member_signs_up_pays_and_sees_the_group_qr() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let member = app.anonymous();
    let (enrollment_id, out_trade_no) = pending(&member, camp.id, &form("15555411851482")).await;
    assert!((6..=32).contains(&out_trade_no.len()));

    let order: OrderView = member
        .get(&format!("/api/v1/orders/{out_trade_no}"))
        .await
        .unwrap();
    assert_eq!(order.status, OrderStatus::Created);
    assert_eq!(order.amount_fen, 9900);
    let qr = member
        .raw(
            Method::GET,
            &format!("/api/v1/orders/{out_trade_no}/qrcode.png"),
            None,
        )
        .await;
    assert_eq!(qr.headers()["content-type"], "image/png");
    // Not paid yet: no group QR for anyone.
    assert_eq!(
        member
            .raw(
                Method::GET,
                &format!("/api/v1/enrollments/{enrollment_id}/group-qr"),
                None
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    pay_in_cashier(&app, &out_trade_no).await;
    app.eventually("the notification to mark the order paid", || async {
        order_status_in_db(&app, &out_trade_no).await == "paid"
    })
    .await;

    let order: OrderView = member
        .get(&format!("/api/v1/orders/{out_trade_no}"))
        .await
        .unwrap();
    assert_eq!(order.status, OrderStatus::Paid);
    assert!(order.pay.is_none());
    let mine: MyEnrollment = member
        .get(&format!("/api/v1/enrollments/{enrollment_id}"))
        .await
        .unwrap();
    assert!(mine.paid);
    assert_eq!(mine.amount_fen, 9900);
    let qr_url = mine.group_qr_url.unwrap();
    let image = member.raw(Method::GET, &qr_url, None).await;
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()["content-type"], "image/png");
    assert_eq!(outcomes(&app, &out_trade_no).await, vec!["paid"]);

    let list: Vec<PublicCamp> = app.anonymous().get("/api/v1/camps").await.unwrap();
    assert_eq!(list[0].enrolled_count, 1);

    // A stranger with the link learns nothing.
    let stranger = app.anonymous();
    assert_eq!(
        stranger.raw(Method::GET, &qr_url, None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(
        stranger
            .get::<MyEnrollment>(&format!("/api/v1/enrollments/{enrollment_id}"))
            .await
            .is_err()
    );
    assert!(
        stranger
            .get::<OrderView>(&format!("/api/v1/orders/{out_trade_no}"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn an_enrolled_id_shows_the_qr_only_to_its_owner() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let member = app.anonymous();
    let (enrollment_id, out_trade_no) = pending(&member, camp.id, &form("15555411851482")).await;
    pay_in_cashier(&app, &out_trade_no).await;
    app.eventually("payment", || async {
        order_status_in_db(&app, &out_trade_no).await == "paid"
    })
    .await;

    // The browser that paid: "您已报名".
    let again = sign_up(&member, camp.id, &form("15555411851482"))
        .await
        .unwrap();
    assert_eq!(again, SignUpResponse::AlreadyEnrolled { enrollment_id });

    // Someone typing the same ID with other names gets no QR code.
    let stranger = app.anonymous();
    let mut guess = form("15555411851482");
    guess.planet_nickname = "别人".into();
    let err = sign_up(&stranger, camp.id, &guess).await.unwrap_err();
    assert_eq!(err.status, StatusCode::CONFLICT);
    assert_eq!(err.error.code, shared::error::ErrorCode::AlreadyEnrolled);
    assert!(
        stranger
            .get::<MyEnrollment>(&format!("/api/v1/enrollments/{enrollment_id}"))
            .await
            .is_err()
    );

    // The member on a new phone re-typing both nicknames proves nothing: names are public.
    let new_phone = app.anonymous();
    let err = sign_up(&new_phone, camp.id, &form("15555411851482"))
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::CONFLICT);
    assert!(
        new_phone
            .get::<MyEnrollment>(&format!("/api/v1/enrollments/{enrollment_id}"))
            .await
            .is_err()
    );

    // The personal link, asked for explicitly by the paying browser, opens it there after a confirmation.
    let link: PersonalLink = member
        .post(&format!(
            "/api/v1/enrollments/{enrollment_id}/personal-link"
        ))
        .await
        .unwrap();
    // The link is absolute on the public URL (by default the address the server listens on).
    let path = reqwest::Url::parse(&link.url).unwrap().path().to_owned();
    assert!(path.starts_with("/h5/m/"), "{}", link.url);
    assert!(
        stranger
            .post::<PersonalLink>(&format!(
                "/api/v1/enrollments/{enrollment_id}/personal-link"
            ))
            .await
            .is_err(),
        "only a browser that may see it gets the link"
    );
    let page = new_phone.raw(Method::GET, &path, None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers().get("set-cookie").is_none(),
        "a GET sets nothing"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("1482") && html.contains("<form method=\"post\">"),
        "{html}"
    );
    assert!(
        new_phone
            .get::<MyEnrollment>(&format!("/api/v1/enrollments/{enrollment_id}"))
            .await
            .is_err(),
        "not before the confirmation"
    );
    let confirmed = new_phone.raw(Method::POST, &path, None).await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    let cookie = confirmed.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let link_token = path.trim_start_matches("/h5/m/");
    assert!(
        !cookie.contains(link_token),
        "the link's token is not planted in this browser"
    );
    let mine: MyEnrollment = new_phone
        .get(&format!("/api/v1/enrollments/{enrollment_id}"))
        .await
        .unwrap();
    assert!(mine.paid);
    // The member's page, rendered on the server, does not carry the token.
    let rendered = member
        .raw(
            Method::GET,
            &format!("/h5/enrollments/{enrollment_id}"),
            None,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        rendered.contains("群二维码") || rendered.contains("支付成功"),
        "{rendered}"
    );
    assert!(
        !rendered.contains(link_token),
        "no raw member token in server-rendered HTML"
    );
    assert_eq!(enrollments::Entity::find().count(&app.db).await.unwrap(), 1);
}

#[tokio::test]
async fn names_typed_before_payment_grant_nothing_and_the_paid_order_keeps_its_names() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let (member, stranger) = (app.anonymous(), app.anonymous());
    // Someone types the real member's 星球ID with other names first, and does not pay.
    let mut guess = form("15555411851482");
    guess.planet_nickname = "冒名者".into();
    guess.wechat_nickname = "fake".into();
    let (enrollment_id, strangers_order) = pending(&stranger, camp.id, &guess).await;
    let (same_enrollment, out_trade_no) = pending(&member, camp.id, &form("15555411851482")).await;
    assert_eq!(enrollment_id, same_enrollment);
    assert!(
        stranger
            .get::<OrderView>(&format!("/api/v1/orders/{out_trade_no}"))
            .await
            .is_err(),
        "an order is its browser's own"
    );
    pay_in_cashier(&app, &out_trade_no).await;
    app.eventually("payment", || async {
        order_status_in_db(&app, &out_trade_no).await == "paid"
    })
    .await;

    let enrollment = enrollments::Entity::find_by_id(enrollment_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            enrollment.planet_nickname.as_str(),
            enrollment.wechat_nickname.as_str()
        ),
        ("早起的小王", "wang"),
        "the names of the order that was paid"
    );
    for path in [
        format!("/api/v1/enrollments/{enrollment_id}"),
        format!("/api/v1/enrollments/{enrollment_id}/group-qr"),
    ] {
        assert_eq!(
            stranger.raw(Method::GET, &path, None).await.status(),
            StatusCode::NOT_FOUND,
            "{path}: the browser that only typed the ID gets nothing"
        );
    }
    let mine: MyEnrollment = member
        .get(&format!("/api/v1/enrollments/{enrollment_id}"))
        .await
        .unwrap();
    assert!(mine.paid);
    // The stranger's open order is still its own, and trying again gets "已报名".
    assert_eq!(order_status_in_db(&app, &strangers_order).await, "created");
    assert_eq!(
        sign_up(&stranger, camp.id, &guess)
            .await
            .unwrap_err()
            .status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn a_personal_link_cannot_be_planted_by_another_site() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let member = app.anonymous();
    let (enrollment_id, out_trade_no) = pending(&member, camp.id, &form("15555411851482")).await;
    pay_in_cashier(&app, &out_trade_no).await;
    app.eventually("payment", || async {
        order_status_in_db(&app, &out_trade_no).await == "paid"
    })
    .await;
    let link: PersonalLink = member
        .post(&format!(
            "/api/v1/enrollments/{enrollment_id}/personal-link"
        ))
        .await
        .unwrap();
    // The link is absolute on the public URL (by default the address the server listens on).
    let path = reqwest::Url::parse(&link.url).unwrap().path().to_owned();
    let victim = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cross_site = victim
        .post(format!("{}{path}", app.base))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert!(cross_site.headers().get("set-cookie").is_none());
    // A browser that has its own token keeps it; it only gains this enrollment.
    let other = app.anonymous();
    let (_, _) = pending(&other, camp.id, &form("16666411851482")).await;
    let confirmed = other.raw(Method::POST, &path, None).await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert!(
        confirmed.headers().get("set-cookie").is_none(),
        "its own token stays"
    );
    let _: MyEnrollment = other
        .get(&format!("/api/v1/enrollments/{enrollment_id}"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_open_order_per_enrollment_and_browser_superseded_ones_closed_at_wechat() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let member = app.anonymous();
    let (enrollment_id, first) = pending(&member, camp.id, &form("15555411851482")).await;
    // After a deposit change the old order is not payable: the next sign-up replaces it.
    set_deposit(&app, camp.id, 12900).await;
    // Eight sign-ups from the same browser at the same moment.
    let request = form("15555411851482");
    let path = format!("/api/v1/camps/{}/enrollments", camp.id);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (member, path, request) = (member.clone(), path.clone(), request.clone());
        tasks.spawn(async move { member.post_json::<SignUpResponse>(&path, &request).await });
    }
    let results = tasks.join_all().await;
    let mut numbers = HashSet::new();
    for result in results {
        match result {
            Ok(SignUpResponse::Pending { out_trade_no, .. }) => {
                numbers.insert(out_trade_no);
            }
            Ok(other) => panic!("{other:?}"),
            Err(e) => assert_eq!(e.status, StatusCode::CONFLICT, "{e:?}"),
        }
    }
    assert_eq!(
        numbers.len(),
        1,
        "every answer is the one open order: {numbers:?}"
    );
    let orders = payment_orders::Entity::find()
        .filter(payment_orders::Column::EnrollmentId.eq(enrollment_id))
        .all(&app.db)
        .await
        .unwrap();
    let open: Vec<_> = orders.iter().filter(|o| o.status == "created").collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].amount_fen, 12900);
    assert!(numbers.contains(&open[0].out_trade_no));
    assert_eq!(order_status_in_db(&app, &first).await, "closed");
    for order in orders
        .iter()
        .filter(|o| o.status == "closed" && o.pay_data.is_some())
    {
        let at_wechat = sandbox_wechat_orders::Entity::find_by_id(order.out_trade_no.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            at_wechat.trade_state, "CLOSED",
            "{} closed at WeChat too",
            order.out_trade_no
        );
    }
    // The database itself refuses a second open order for this browser.
    let mut twin = open[0].clone().into_active_model();
    twin.id = sea_orm::ActiveValue::NotSet;
    twin.out_trade_no = Set("CPTWIN0000000000000000000001".into());
    assert!(twin.insert(&app.db).await.is_err());
}

#[tokio::test]
async fn returning_to_the_page_resumes_the_same_order() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let member = app.anonymous();
    let (first_enrollment, first) = pending(&member, camp.id, &form("15555411851482")).await;
    let (second_enrollment, second) = pending(&member, camp.id, &form("15555411851482")).await;
    assert_eq!((first_enrollment, first), (second_enrollment, second));
    assert_eq!(
        payment_orders::Entity::find().count(&app.db).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn sign_up_input_is_checked() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let member = app.anonymous();
    let err = sign_up(
        &member,
        camp.id,
        &SignUpRequest {
            planet_nickname: " ".into(),
            planet_id: "12ab".into(),
            wechat_nickname: "".into(),
            pay_method: PayMethod::Native,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["planet_nickname", "planet_id", "wechat_nickname"] {
        assert!(err.error.field_message(field).is_some(), "{field}: {err:?}");
    }
    let err = sign_up(&member, 999_999, &form("15555411851482"))
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::NOT_FOUND);
    // JSAPI needs the openid from WeChat's OAuth step first.
    let mut jsapi = form("15555411851482");
    jsapi.pay_method = PayMethod::Jsapi;
    assert_eq!(
        sign_up(&member, camp.id, &jsapi).await.unwrap_err().status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        enrollments::Entity::find().count(&app.db).await.unwrap(),
        0,
        "nothing written"
    );

    // An ended camp takes no more sign-ups.
    let mut row = server::entity::camps::Entity::find_by_id(camp.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    let today = shared::dates::business_date(Utc::now());
    row.start_date = Set(today - chrono::Days::new(12));
    row.end_date = Set(today - chrono::Days::new(2));
    row.update(&app.db).await.unwrap();
    let err = sign_up(&member, camp.id, &form("15555411851482"))
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::CONFLICT);
    assert_eq!(err.error.code, shared::error::ErrorCode::CampEnded);
}

#[tokio::test]
async fn jsapi_payment_goes_through_wechat_oauth() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let member = app.anonymous();
    // /h5/wechat-auth → (sandbox) authorize → our callback → back to the page, with the openid sealed in a cookie.
    let mut location = format!("/h5/wechat-auth?return=/h5/camps/{}", camp.id);
    for _ in 0..3 {
        let response = member.raw(Method::GET, &location, None).await;
        assert!(
            response.status().is_redirection(),
            "{location} → {}",
            response.status()
        );
        location = response.headers()["location"]
            .to_str()
            .unwrap()
            .trim_start_matches(&app.base)
            .split('#')
            .next()
            .unwrap()
            .to_owned();
    }
    assert_eq!(location, format!("/h5/camps/{}", camp.id));
    let mut request = form("15555411851482");
    request.pay_method = PayMethod::Jsapi;
    let SignUpResponse::Pending {
        pay: PayAction::Jsapi { params },
        ..
    } = sign_up(&member, camp.id, &request).await.unwrap()
    else {
        panic!("expected JSAPI parameters");
    };
    assert!(params.package.starts_with("prepay_id=wx"));
    assert_eq!(params.sign_type, "RSA");
    let sandbox_order = sandbox_wechat_orders::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        sandbox_order.openid.unwrap().starts_with('o'),
        "the openid reached WeChat Pay"
    );
}

/// A notification signed by the sandbox's own key, with a chosen timestamp and transaction.
async fn craft_notification(
    app: &TestApp,
    transaction: serde_json::Value,
    timestamp: i64,
    sign_with: Option<String>,
) -> (String, Vec<(String, String)>) {
    craft_envelope(
        app,
        transaction,
        timestamp,
        sign_with,
        "TRANSACTION.SUCCESS",
    )
    .await
}

/// [`craft_notification`] with a chosen `event_type`.
pub async fn craft_envelope(
    app: &TestApp,
    transaction: serde_json::Value,
    timestamp: i64,
    sign_with: Option<String>,
    event_type: &str,
) -> (String, Vec<(String, String)>) {
    let (sandbox, _) = server::settings::load::<StoredSandbox>(&app.db, SANDBOX_KEY)
        .await
        .unwrap()
        .unwrap();
    let secrets = &app.state.keys.secrets;
    let api_v3_key: [u8; 32] = server::secrets::open(secrets, &sandbox.api_v3_key_sealed)
        .unwrap()
        .try_into()
        .unwrap();
    let private_pem = sign_with.unwrap_or_else(|| {
        server::secrets::open_string(secrets, &sandbox.platform_private_key_sealed).unwrap()
    });
    let resource = encrypt_resource(
        &api_v3_key,
        transaction.to_string().as_bytes(),
        "abcdefghijkl",
        "transaction",
        "transaction",
    )
    .unwrap();
    let body = json!({
        "id": uuid::Uuid::new_v4().to_string(), "create_time": "2026-11-26T10:00:00+08:00", "resource_type": "encrypt-resource",
        "event_type": event_type, "summary": "支付成功", "resource": resource,
    })
    .to_string();
    let nonce = nonce();
    let signature = sign_response(
        &private_key_from_pem(&private_pem).unwrap(),
        timestamp,
        &nonce,
        &body,
    )
    .unwrap();
    let headers = vec![
        ("wechatpay-timestamp".to_owned(), timestamp.to_string()),
        ("wechatpay-nonce".to_owned(), nonce),
        ("wechatpay-signature".to_owned(), signature),
        (
            "wechatpay-serial".to_owned(),
            sandbox.platform_public_key_id.clone(),
        ),
    ];
    (body, headers)
}

pub async fn post_notification(
    app: &TestApp,
    body: &str,
    headers: &[(String, String)],
) -> StatusCode {
    let mut request = reqwest::Client::new()
        .post(format!("{}/webhooks/wechatpay/transactions", app.base))
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.send().await.unwrap().status()
}

/// A SUCCESS transaction; its transaction_id is derived from the out_trade_no (one per payment).
pub fn transaction(
    app_id: &str,
    mch_id: &str,
    out_trade_no: &str,
    amount: i64,
) -> serde_json::Value {
    let transaction_id: String = format!("4200{out_trade_no}").chars().take(32).collect();
    json!({
        "appid": app_id, "mchid": mch_id, "out_trade_no": out_trade_no, "transaction_id": transaction_id,
        "trade_type": "NATIVE", "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
        "success_time": "2026-11-26T10:00:00+08:00", "payer": { "openid": "o-test" },
        "amount": { "total": amount, "payer_total": amount, "currency": "CNY", "payer_currency": "CNY" },
    })
}

pub async fn sandbox_settings(app: &TestApp) -> StoredSandbox {
    server::settings::load::<StoredSandbox>(&app.db, SANDBOX_KEY)
        .await
        .unwrap()
        .unwrap()
        .0
}

async fn audit_count(app: &TestApp, action: &str) -> u64 {
    audit_logs::Entity::find()
        .filter(audit_logs::Column::Action.eq(action))
        .count(&app.db)
        .await
        .unwrap()
}

async fn paid_enrollments(app: &TestApp) -> u64 {
    enrollments::Entity::find()
        .filter(enrollments::Column::Status.eq("paid"))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn unverified_notifications_change_nothing_and_leave_only_a_digest() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let (_, out_trade_no) = pending(&app.anonymous(), camp.id, &form("15555411851482")).await;
    let sandbox = sandbox_settings(&app).await;
    let good = transaction(&sandbox.app_id, &sandbox.mch_id, &out_trade_no, 9900);
    let now = Utc::now().timestamp();

    let other_key = generate_key_pair().unwrap().private_pem;
    let (body, headers) = craft_notification(&app, good.clone(), now, Some(other_key)).await;
    assert_eq!(
        post_notification(&app, &body, &headers).await,
        StatusCode::UNAUTHORIZED,
        "forged signature"
    );
    let (body, headers) = craft_notification(&app, good.clone(), now, None).await;
    let tampered = body.replacen("支付成功", "支付成功!", 1);
    assert_eq!(
        post_notification(&app, &tampered, &headers).await,
        StatusCode::UNAUTHORIZED,
        "tampered body"
    );
    assert_eq!(
        post_notification(&app, &body, &headers[1..]).await,
        StatusCode::UNAUTHORIZED,
        "missing timestamp"
    );
    let (old_body, old_headers) = craft_notification(&app, good.clone(), now - 6 * 60, None).await;
    assert_eq!(
        post_notification(&app, &old_body, &old_headers).await,
        StatusCode::UNAUTHORIZED,
        "replayed after 6 minutes"
    );

    assert_eq!(order_status_in_db(&app, &out_trade_no).await, "created");
    assert_eq!(paid_enrollments(&app).await, 0);
    let rejected = payment_notifications::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rejected.len(), 4, "each rejection leaves one line");
    for line in &rejected {
        assert_eq!(line.outcome, "rejected_signature");
        assert_eq!(line.body_sealed, "", "no copy of an unverified body");
        assert_eq!(line.body_sha256.as_deref().map(str::len), Some(64));
        assert!(line.body_size.unwrap() > 100);
        assert_eq!(line.source_address.as_deref(), Some("127.0.0.1"));
        assert_eq!(
            line.out_trade_no, None,
            "nothing read from an unverified body"
        );
    }
    assert_eq!(
        audit_logs::Entity::find()
            .filter(audit_logs::Column::Action.starts_with("payment"))
            .count(&app.db)
            .await
            .unwrap(),
        0,
        "no audit row per forged request"
    );

    // The genuine one still works, once; a replay within the window changes nothing more.
    let (body, headers) = craft_notification(&app, good, now, None).await;
    assert_eq!(
        post_notification(&app, &body, &headers).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        post_notification(&app, &body, &headers).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(order_status_in_db(&app, &out_trade_no).await, "paid");
    assert_eq!(
        outcomes(&app, &out_trade_no).await,
        vec!["paid", "already_paid"]
    );
    assert_eq!(audit_count(&app, "payment_received").await, 1);
}

#[tokio::test]
async fn forged_floods_do_not_grow_the_database_and_wechat_still_gets_through() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let (_, out_trade_no) = pending(&app.anonymous(), camp.id, &form("15555411851482")).await;
    let sandbox = sandbox_settings(&app).await;
    let now = Utc::now().timestamp();
    let forged_headers = vec![
        ("wechatpay-timestamp".to_owned(), now.to_string()),
        ("wechatpay-nonce".to_owned(), "x".repeat(32)),
        ("wechatpay-signature".to_owned(), "AAAA".to_owned()),
        (
            "wechatpay-serial".to_owned(),
            sandbox.platform_public_key_id.clone(),
        ),
    ];

    // 1.5 MB bodies are refused before they are read.
    let large = "x".repeat(1_500_000);
    for _ in 0..5 {
        assert_eq!(
            post_notification(&app, &large, &forged_headers).await,
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }
    assert_eq!(
        payment_notifications::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0,
        "an oversized body leaves nothing"
    );

    // Within the limit, one address leaves at most ten small traces a minute.
    let body = "y".repeat(60 * 1024);
    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(post_notification(&app, &body, &forged_headers).await);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        15
    );
    let lines = payment_notifications::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(lines.len(), 10);
    let stored: usize = lines
        .iter()
        .map(|l| l.body_sealed.len() + l.detail.len())
        .sum();
    assert!(stored < 10 * 300, "only digests were kept ({stored} bytes)");

    // WeChat Pay's own notification from the throttled address is never throttled.
    let (body, headers) = craft_notification(
        &app,
        transaction(&sandbox.app_id, &sandbox.mch_id, &out_trade_no, 9900),
        now,
        None,
    )
    .await;
    assert_eq!(
        post_notification(&app, &body, &headers).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(order_status_in_db(&app, &out_trade_no).await, "paid");
}

#[tokio::test]
async fn verified_notifications_that_cannot_count_are_accepted_and_flagged_for_review() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let sandbox = sandbox_settings(&app).await;
    let now = Utc::now().timestamp();
    let admin = app.admin().await;

    // Each case: (星球ID, what WeChat says, the reason an admin sees).
    let (wrong_amount_enrollment, wrong_amount) =
        pending(&app.anonymous(), camp.id, &form("10000000001")).await;
    let (_, other_merchant) = pending(&app.anonymous(), camp.id, &form("10000000002")).await;
    let (_, refunded) = pending(&app.anonymous(), camp.id, &form("10000000003")).await;
    let mut refunded_tx = transaction(&sandbox.app_id, &sandbox.mch_id, &refunded, 9900);
    refunded_tx["trade_state"] = json!("REFUND");
    let cases = [
        (
            wrong_amount.clone(),
            transaction(&sandbox.app_id, &sandbox.mch_id, &wrong_amount, 9899),
            "金额不符",
        ),
        (
            other_merchant.clone(),
            transaction(&sandbox.app_id, "1111111111", &other_merchant, 9900),
            "商户号或应用ID与订单不符",
        ),
        (refunded.clone(), refunded_tx, "交易状态为 REFUND"),
    ];
    for (out_trade_no, tx, reason) in cases {
        let (body, headers) = craft_notification(&app, tx, now, None).await;
        assert_eq!(
            post_notification(&app, &body, &headers).await,
            StatusCode::NO_CONTENT,
            "{reason}: never bounced"
        );
        let order = order_row(&app, &out_trade_no).await;
        assert_eq!(order.status, "paid", "{reason}");
        assert!(
            order
                .review_reason
                .as_deref()
                .unwrap_or_default()
                .contains(reason),
            "{reason}: {:?}",
            order.review_reason
        );
        assert_eq!(outcomes(&app, &out_trade_no).await, vec!["needs_review"]);
    }
    assert_eq!(paid_enrollments(&app).await, 0, "none of them counts");
    assert_eq!(audit_count(&app, "payment_needs_review").await, 3);

    // Admins see it with its reason on the member's detail.
    let detail: serde_json::Value = admin
        .get(&format!(
            "/api/v1/admin/enrollments/{wrong_amount_enrollment}"
        ))
        .await
        .unwrap();
    assert_eq!(detail["payments"][0]["status"], "needs_review");
    assert!(
        detail["payments"][0]["review_reason"]
            .as_str()
            .unwrap()
            .contains("金额不符"),
        "{detail}"
    );

    // A notification for an order we never made is recorded, not bounced.
    let (body, headers) = craft_notification(
        &app,
        transaction(
            &sandbox.app_id,
            &sandbox.mch_id,
            "CP000000000000UNKNOWN",
            9900,
        ),
        now,
        None,
    )
    .await;
    assert_eq!(
        post_notification(&app, &body, &headers).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        outcomes(&app, "CP000000000000UNKNOWN").await,
        vec!["needs_review"]
    );
    assert_eq!(audit_count(&app, "payment_needs_review").await, 4);
    // Each becomes an admin alert (a refund decision) through the outbox,
    // written in the transaction that recorded the payment.
    assert_eq!(
        server::entity::outbox::Entity::find()
            .filter(server::entity::outbox::Column::Job.eq("alert_payment_needs_review"))
            .count(&app.db)
            .await
            .unwrap(),
        4
    );

    // A state in which no money moved changes nothing and is answered too.
    let (_, unpaid) = pending(&app.anonymous(), camp.id, &form("10000000004")).await;
    let mut notpay = transaction(&sandbox.app_id, &sandbox.mch_id, &unpaid, 9900);
    notpay["trade_state"] = json!("NOTPAY");
    let (body, headers) = craft_notification(&app, notpay, now, None).await;
    assert_eq!(
        post_notification(&app, &body, &headers).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(order_status_in_db(&app, &unpaid).await, "created");

    // Another event type at the payment endpoint: kept for review, never applied.
    let (body, headers) = craft_envelope(
        &app,
        transaction(&sandbox.app_id, &sandbox.mch_id, &unpaid, 9900),
        now,
        None,
        "REFUND.SUCCESS",
    )
    .await;
    assert_eq!(
        post_notification(&app, &body, &headers).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(order_status_in_db(&app, &unpaid).await, "created");
    assert_eq!(audit_count(&app, "payment_needs_review").await, 5);
}

#[tokio::test]
async fn an_order_is_settled_under_its_own_merchant_not_the_current_settings() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let (enrollment_id, out_trade_no) =
        pending(&app.anonymous(), camp.id, &form("15555411851482")).await;
    let sandbox = sandbox_settings(&app).await;
    // The order was made under a merchant and AppID that an admin has since replaced.
    let mut row = order_row(&app, &out_trade_no).await.into_active_model();
    row.mch_id = Set(Some("1900000001".into()));
    row.app_id = Set(Some("wx00000000000old1".into()));
    row.update(&app.db).await.unwrap();
    let (body, headers) = craft_notification(
        &app,
        transaction("wx00000000000old1", "1900000001", &out_trade_no, 9900),
        Utc::now().timestamp(),
        None,
    )
    .await;
    assert_eq!(
        post_notification(&app, &body, &headers).await,
        StatusCode::NO_CONTENT
    );
    let order = order_row(&app, &out_trade_no).await;
    assert_eq!((order.status.as_str(), order.review_reason), ("paid", None));
    let enrollment = enrollments::Entity::find_by_id(enrollment_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(enrollment.status, "paid");
    assert_ne!(sandbox.mch_id, "1900000001", "the current settings differ");
}

#[tokio::test]
async fn a_payment_at_the_old_price_after_a_deposit_change_is_flagged() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let member = app.anonymous();
    let (enrollment_id, out_trade_no) = pending(&member, camp.id, &form("15555411851482")).await;
    set_deposit(&app, camp.id, 19900).await;
    let sandbox = sandbox_settings(&app).await;
    let (body, headers) = craft_notification(
        &app,
        transaction(&sandbox.app_id, &sandbox.mch_id, &out_trade_no, 9900),
        Utc::now().timestamp(),
        None,
    )
    .await;
    assert_eq!(
        post_notification(&app, &body, &headers).await,
        StatusCode::NO_CONTENT
    );
    let order = order_row(&app, &out_trade_no).await;
    assert!(
        order
            .review_reason
            .as_deref()
            .unwrap_or_default()
            .contains("旧押金"),
        "{:?}",
        order.review_reason
    );
    let view: OrderView = member
        .get(&format!("/api/v1/orders/{out_trade_no}"))
        .await
        .unwrap();
    assert_eq!(view.status, OrderStatus::NeedsReview);
    let enrollment = enrollments::Entity::find_by_id(enrollment_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(enrollment.status, "awaiting_payment", "not counted");
}

#[tokio::test]
async fn duplicate_and_late_notifications_pay_once() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    set_notify(&app, "duplicate").await;
    let (enrollment_id, out_trade_no) =
        pending(&app.anonymous(), camp.id, &form("15555411851482")).await;
    pay_in_cashier(&app, &out_trade_no).await;
    app.eventually("both deliveries", || async {
        outcomes(&app, &out_trade_no).await.len() == 2
    })
    .await;
    let mut log = outcomes(&app, &out_trade_no).await;
    log.sort();
    assert_eq!(log, vec!["already_paid", "paid"]);

    // A notification resent a day later (out of order with everything else) is a no-op too.
    let resend = app
        .anonymous()
        .raw(
            Method::POST,
            &format!("/sandbox/wechatpay/control/resend/{out_trade_no}"),
            None,
        )
        .await;
    assert_eq!(resend.status(), StatusCode::OK);
    let answer: serde_json::Value = resend.json().await.unwrap();
    assert_eq!(answer["merchant_status"], 204, "answered as received");
    let mut log = outcomes(&app, &out_trade_no).await;
    log.sort();
    assert_eq!(log, vec!["already_paid", "already_paid", "paid"]);
    assert_eq!(audit_count(&app, "payment_received").await, 1);
    assert_eq!(audit_count(&app, "duplicate_payment").await, 0);
    let enrollment = enrollments::Entity::find_by_id(enrollment_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (enrollment.status.as_str(), enrollment.amount_fen),
        ("paid", 9900)
    );
    assert!(!order_row(&app, &out_trade_no).await.duplicate);
}

#[tokio::test]
async fn the_page_queries_the_order_when_the_notification_is_late() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    set_notify(&app, "delay").await;
    let member = app.anonymous();
    let (_, out_trade_no) = pending(&member, camp.id, &form("15555411851482")).await;
    pay_in_cashier(&app, &out_trade_no).await;
    let order: OrderView = member
        .get(&format!("/api/v1/orders/{out_trade_no}"))
        .await
        .unwrap();
    assert_eq!(
        order.status,
        OrderStatus::Paid,
        "the query found the payment before the notification"
    );
    app.eventually("the late notification", || async {
        !outcomes(&app, &out_trade_no).await.is_empty()
    })
    .await;
    assert_eq!(outcomes(&app, &out_trade_no).await, vec!["already_paid"]);
}

async fn age(app: &TestApp, out_trade_no: &str, expire: bool) {
    let mut row = order_row(app, out_trade_no).await.into_active_model();
    row.created_at = Set(Utc::now() - Duration::minutes(5));
    if expire {
        row.expires_at = Set(Utc::now() - Duration::minutes(1));
    }
    row.update(&app.db).await.unwrap();
}

#[tokio::test]
async fn polling_recovers_lost_notifications_and_closes_expired_orders() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    set_notify(&app, "drop").await;
    let (_, lost) = pending(&app.anonymous(), camp.id, &form("15555411851482")).await;
    pay_in_cashier(&app, &lost).await;
    let (_, abandoned) = pending(&app.anonymous(), camp.id, &form("16666411851482")).await;
    age(&app, &lost, false).await;
    age(&app, &abandoned, true).await;

    let admin = app.admin().await;
    let report: serde_json::Value = admin.post("/api/v1/admin/payments/poll").await.unwrap();
    assert_eq!(report["checked"], 2);
    assert_eq!(report["paid"], 1);
    assert_eq!(report["closed"], 1);
    assert_eq!(order_status_in_db(&app, &lost).await, "paid");
    assert_eq!(order_status_in_db(&app, &abandoned).await, "closed");
    let sandbox_side = sandbox_wechat_orders::Entity::find_by_id(abandoned.clone())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        sandbox_side.trade_state, "CLOSED",
        "closed at WeChat Pay too"
    );
    // Running it again finds nothing to do.
    let report: serde_json::Value = admin.post("/api/v1/admin/payments/poll").await.unwrap();
    assert_eq!(report["checked"], 0);
    let (_, coach) = app
        .staff(&admin, "coach_poll", shared::roles::Role::Coach)
        .await;
    assert_eq!(
        coach
            .post::<serde_json::Value>("/api/v1/admin/payments/poll")
            .await
            .unwrap_err()
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn two_phones_paying_for_one_id_are_flagged_not_counted_twice() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let (phone_a, phone_b) = (app.anonymous(), app.anonymous());
    let request = form("15555411851482");
    let (a, b) = tokio::join!(
        pending(&phone_a, camp.id, &request),
        pending(&phone_b, camp.id, &request)
    );
    assert_eq!(a.0, b.0, "one enrollment");
    assert_ne!(a.1, b.1, "each phone has its own order");
    pay_in_cashier(&app, &a.1).await;
    pay_in_cashier(&app, &b.1).await;
    app.eventually("both payments", || async {
        order_status_in_db(&app, &a.1).await == "paid"
            && order_status_in_db(&app, &b.1).await == "paid"
    })
    .await;
    let orders = payment_orders::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(
        orders.iter().filter(|o| o.duplicate).count(),
        1,
        "the second payment is flagged"
    );
    let enrollment = enrollments::Entity::find_by_id(a.0)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(enrollment.amount_fen, 9900, "counted once");
    let flagged = audit_logs::Entity::find()
        .filter(audit_logs::Column::Action.eq("duplicate_payment"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(flagged.len(), 1);
    assert!(
        flagged[0].details.contains("请决定是否退款"),
        "{}",
        flagged[0].details
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_sign_ups_make_no_duplicate_enrollment() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let base = app.base.clone();
    // 500 members, each signing up from two phones at the same moment, with 50
    // members (100 requests) in flight at a time. Both phones of a member always
    // race, which is what could duplicate an enrollment; firing all 1000 at once
    // only overflowed the listen backlog and the 8-connection SQLite pool of a
    // loaded 2-core CI machine (TCP connect timeouts, pool acquire timeouts),
    // which measures the machine, not the sign-up. An exhausted pool answers
    // `busy` (503) and has a test of its own in `server::error`.
    let in_flight = Arc::new(tokio::sync::Semaphore::new(50));
    let members: Vec<_> = (0..500)
        .map(|member| {
            let base = base.clone();
            let in_flight = in_flight.clone();
            tokio::spawn(async move {
                let _permit = in_flight.acquire_owned().await.unwrap();
                let request = SignUpRequest {
                    planet_nickname: format!("会员{member}"),
                    planet_id: format!("{}", 10_000_000 + member),
                    wechat_nickname: format!("wx{member}"),
                    pay_method: PayMethod::Native,
                };
                let phone = || async {
                    let client = reqwest::Client::builder()
                        .cookie_store(true)
                        .build()
                        .unwrap();
                    let response = client
                        .post(format!("{base}/api/v1/camps/{}/enrollments", camp.id))
                        .json(&request)
                        .send()
                        .await
                        .unwrap();
                    (response.status(), response.text().await.unwrap())
                };
                let (first, second) = tokio::join!(phone(), phone());
                [first, second]
            })
        })
        .collect();
    let mut failures = Vec::new();
    let mut enrollment_ids = HashSet::new();
    for member in members {
        for (status, body) in member.await.unwrap() {
            if status != StatusCode::OK {
                failures.push(format!("{status} {body}"));
                continue;
            }
            if let Ok(SignUpResponse::Pending { enrollment_id, .. }) = serde_json::from_str(&body) {
                enrollment_ids.insert(enrollment_id);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed, e.g. {:?}",
        failures.len(),
        failures.first()
    );
    assert_eq!(enrollment_ids.len(), 500);
    assert_eq!(
        enrollments::Entity::find().count(&app.db).await.unwrap(),
        500
    );
    assert_eq!(
        payment_orders::Entity::find().count(&app.db).await.unwrap(),
        1000
    );
}

/// Pays an order at the sandbox without its notification; returns WeChat's transaction_id.
async fn paid_at_wechat(app: &TestApp, out_trade_no: &str) -> String {
    pay_in_cashier(app, out_trade_no).await;
    sandbox_wechat_orders::Entity::find_by_id(out_trade_no.to_owned())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .transaction_id
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn notification_and_poll_racing_for_one_order_pay_it_once() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    set_notify(&app, "drop").await;
    let sandbox = sandbox_settings(&app).await;
    for round in 0..20 {
        let member = app.anonymous();
        let planet_id = format!("{}", 20_000_000 + round);
        let (enrollment_id, out_trade_no) = pending(&member, camp.id, &form(&planet_id)).await;
        let transaction_id = paid_at_wechat(&app, &out_trade_no).await;
        let mut tx = transaction(&sandbox.app_id, &sandbox.mch_id, &out_trade_no, 9900);
        tx["transaction_id"] = json!(transaction_id);
        let now = Utc::now().timestamp();
        let (first, first_headers) = craft_notification(&app, tx.clone(), now, None).await;
        let (second, second_headers) = craft_notification(&app, tx, now, None).await;
        age(&app, &out_trade_no, false).await;
        let admin_poll = app.admin().await;
        // Two notifications, the member's page and the lost-notification poll, at once.
        let order_path = format!("/api/v1/orders/{out_trade_no}");
        let (a, b, view, poll) = tokio::join!(
            post_notification(&app, &first, &first_headers),
            post_notification(&app, &second, &second_headers),
            member.get::<OrderView>(&order_path),
            admin_poll.post::<serde_json::Value>("/api/v1/admin/payments/poll"),
        );
        assert_eq!(
            (a, b),
            (StatusCode::NO_CONTENT, StatusCode::NO_CONTENT),
            "round {round}"
        );
        assert!(view.is_ok(), "round {round}: {view:?}");
        assert!(poll.is_ok(), "round {round}: {poll:?}");

        let order = order_row(&app, &out_trade_no).await;
        assert_eq!(order.status, "paid", "round {round}");
        assert!(!order.duplicate, "round {round}");
        assert_eq!(
            order.transaction_id.as_deref(),
            Some(transaction_id.as_str())
        );
        let enrollment = enrollments::Entity::find_by_id(enrollment_id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                enrollment.status.as_str(),
                enrollment.amount_fen,
                enrollment.paid_order_id
            ),
            ("paid", 9900, Some(order.id)),
            "round {round}"
        );
        let received = audit_logs::Entity::find()
            .filter(audit_logs::Column::Action.eq("payment_received"))
            .filter(audit_logs::Column::TargetId.eq(enrollment_id))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(received, 1, "round {round}: one audit entry");
        let mut log = outcomes(&app, &out_trade_no).await;
        log.retain(|o| o == "paid");
        assert!(log.len() <= 1, "round {round}: {log:?}");
    }
    assert_eq!(audit_count(&app, "payment_received").await, 20);
    assert_eq!(audit_count(&app, "duplicate_payment").await, 0);
    assert_eq!(paid_enrollments(&app).await, 20);
}

#[tokio::test]
async fn the_members_page_queries_wechat_at_most_every_few_seconds_per_order() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    set_notify(&app, "drop").await;
    let member = app.anonymous();
    let (_, out_trade_no) = pending(&member, camp.id, &form("15555411851482")).await;
    let path = format!("/api/v1/orders/{out_trade_no}");
    let first: OrderView = member.get(&path).await.unwrap();
    assert_eq!(first.status, OrderStatus::Created, "queried: not paid yet");
    pay_in_cashier(&app, &out_trade_no).await;
    let soon: OrderView = member.get(&path).await.unwrap();
    assert_eq!(
        soon.status,
        OrderStatus::Created,
        "a poll right after the last query does not ask WeChat Pay again"
    );
    let mut row = order_row(&app, &out_trade_no).await.into_active_model();
    row.queried_at = Set(Some(Utc::now() - Duration::seconds(6)));
    row.update(&app.db).await.unwrap();
    let later: OrderView = member.get(&path).await.unwrap();
    assert_eq!(
        later.status,
        OrderStatus::Paid,
        "the next interval queries again"
    );
}

#[tokio::test]
async fn the_h5_cashier_link_returns_the_payer_to_the_order_page() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let mut request = form("15555411851482");
    request.pay_method = PayMethod::H5;
    let SignUpResponse::Pending {
        out_trade_no,
        pay: PayAction::H5 { h5_url },
        ..
    } = sign_up(&app.anonymous(), camp.id, &request).await.unwrap()
    else {
        panic!("expected an H5 payment");
    };
    let url = reqwest::Url::parse(&h5_url).unwrap();
    let redirect = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_url")
        .map(|(_, v)| v.into_owned());
    assert_eq!(
        redirect,
        Some(format!("{}/h5/orders/{out_trade_no}", app.base)),
        "{h5_url}"
    );
    assert!(
        h5_url.contains("redirect_url=http%3A%2F%2F"),
        "urlencoded: {h5_url}"
    );
}

/// An admin changes a camp's deposit (fen) while orders at the old price are open.
async fn set_deposit(app: &TestApp, camp_id: i64, deposit_fen: i64) {
    let mut row = server::entity::camps::Entity::find_by_id(camp_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    row.deposit_fen = Set(deposit_fen);
    row.update(&app.db).await.unwrap();
}

//! Refund foundations (issue 10) over real HTTP against the built-in WeChat
//! Pay simulator: the real client, the real refund webhook, signed and
//! encrypted notifications, every injectable fault; and the database's own
//! guard that the refunds of an order never exceed what it paid, under
//! concurrent writers (SQLite here, PostgreSQL when CI sets it up).

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set, TransactionTrait,
};
use serde_json::{Value, json};
use server::entity::{payment_orders, refunds, sandbox_wechat_orders, sandbox_wechat_refunds};
use server::integrations::wechat_pay::{RefundCallError, RefundRequest, WechatPayClient};
use server::refunds::execute;
use server::refunds::service::{self, NewRefund, RefundError, Said};
use shared::refunds::{RefundEvent, RefundStatus};

use crate::helpers::*;
use crate::payments::{form, order_status_in_db, pay_in_cashier, pending};

/// A camp and one paid order (9900 fen) for a fresh 星球ID.
async fn paid_order(app: &TestApp, planet_id: &str) -> payment_orders::Model {
    let camp = app.open_camp().await;
    let (_, out_trade_no) = pending(&app.anonymous(), camp.id, &form(planet_id)).await;
    pay_in_cashier(app, &out_trade_no).await;
    app.eventually("the payment notification", || async {
        order_status_in_db(app, &out_trade_no).await == "paid"
    })
    .await;
    payment_orders::Entity::find()
        .filter(payment_orders::Column::OutTradeNo.eq(out_trade_no.as_str()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// The configured client (the simulator's address in sandbox mode) and the
/// refund notify URL sent with every refund.
async fn client(app: &TestApp) -> (WechatPayClient, String) {
    let gateway = server::payments::gateway::current(&app.state)
        .await
        .unwrap();
    (gateway.client.clone(), gateway.refund_notify_url.clone())
}

async fn set_refund_faults(app: &TestApp, faults: Value) {
    let body = serde_json::to_vec(&faults).unwrap();
    let response = app
        .anonymous()
        .raw(
            Method::POST,
            "/sandbox/wechatpay/control/refunds",
            Some((body, "application/json")),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn new_refund(app: &TestApp, order: &payment_orders::Model) -> refunds::Model {
    service::create_for_order(
        &app.db,
        NewRefund {
            payment_order_id: order.id,
            amount_fen: order.amount_fen,
            reason: Some("训练营押金退还".into()),
            created_by: None,
        },
    )
    .await
    .unwrap()
}

async fn row(app: &TestApp, out_refund_no: &str) -> refunds::Model {
    refunds::Entity::find()
        .filter(refunds::Column::OutRefundNo.eq(out_refund_no))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn status(app: &TestApp, out_refund_no: &str) -> String {
    row(app, out_refund_no).await.status
}

async fn wait_for(app: &TestApp, out_refund_no: &str, wanted: RefundStatus) {
    app.eventually(&format!("refund {out_refund_no} {wanted:?}"), || async {
        status(app, out_refund_no).await == wanted.as_str()
    })
    .await;
}

/// The simulator's refunds of an order.
async fn sandbox_refunds(app: &TestApp, out_trade_no: &str) -> Vec<sandbox_wechat_refunds::Model> {
    sandbox_wechat_refunds::Entity::find()
        .filter(sandbox_wechat_refunds::Column::OutTradeNo.eq(out_trade_no))
        .all(&app.db)
        .await
        .unwrap()
}

fn request(order: &payment_orders::Model, out_refund_no: &str, refund_fen: i64) -> RefundRequest {
    RefundRequest {
        out_trade_no: order.out_trade_no.clone(),
        out_refund_no: out_refund_no.into(),
        reason: Some("训练营押金退还".into()),
        notify_url: "https://camp.example.com/webhooks/wechatpay/refunds".into(),
        refund_fen,
        total_fen: order.amount_fen,
    }
}

#[tokio::test]
async fn a_refund_is_accepted_then_settled_by_its_notification() {
    let app = TestApp::spawn().await;
    let order = paid_order(&app, "20000000001").await;
    let (client, notify_url) = client(&app).await;
    assert!(
        notify_url.ends_with("/webhooks/wechatpay/refunds"),
        "{notify_url}"
    );
    set_refund_faults(&app, json!({ "settle_ms": 800 })).await;

    let refund = new_refund(&app, &order).await;
    assert_eq!(refund.status, "pending");
    assert_eq!((refund.amount_fen, refund.total_fen), (9900, 9900));
    assert_eq!(refund.attempts, 0);

    let sent = execute::send(&app.db, &client, &notify_url, &refund.out_refund_no)
        .await
        .unwrap();
    assert_eq!(sent.status, "processing");
    assert_eq!(sent.attempts, 1);
    assert!(
        sent.refund_id
            .as_deref()
            .is_some_and(|id| id.starts_with("50"))
    );

    // The signed, encrypted REFUND.SUCCESS notification reaches the webhook.
    wait_for(&app, &refund.out_refund_no, RefundStatus::Succeeded).await;
    let done = row(&app, &refund.out_refund_no).await;
    assert_eq!(done.user_received_account.as_deref(), Some("支付用户零钱"));
    assert!(done.succeeded_at.is_some());
    assert_eq!(done.refund_id, sent.refund_id);

    // The query agrees, and WeChat Pay's order now says REFUND.
    let queried = client
        .query_refund(&refund.out_refund_no)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(queried.status, "SUCCESS");
    assert_eq!((queried.amount.refund, queried.amount.total), (9900, 9900));
    assert!(queried.success_time.is_some());
    let sandbox_order = sandbox_wechat_orders::Entity::find_by_id(order.out_trade_no.clone())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sandbox_order.trade_state, "REFUND");

    // Nothing may send a succeeded number again.
    let again = execute::send(&app.db, &client, &notify_url, &refund.out_refund_no).await;
    assert!(matches!(again, Err(RefundError::Forbidden(_))), "{again:?}");
    assert_eq!(sandbox_refunds(&app, &order.out_trade_no).await.len(), 1);
}

#[tokio::test]
async fn the_same_number_is_the_same_refund_and_the_simulator_keeps_wechat_rules() {
    let app = TestApp::spawn().await;
    let order = paid_order(&app, "20000000002").await;
    let (client, _) = client(&app).await;

    let first = client
        .create_refund(&request(&order, "RFSAME0001", 9900))
        .await
        .unwrap();
    assert_eq!(first.status, "PROCESSING");
    let again = client
        .create_refund(&request(&order, "RFSAME0001", 9900))
        .await
        .unwrap();
    assert_eq!(
        again.refund_id, first.refund_id,
        "a retry is the same refund"
    );
    assert_eq!(sandbox_refunds(&app, &order.out_trade_no).await.len(), 1);

    let final_code = |result: Result<_, RefundCallError>| match result {
        Err(RefundCallError::Final { code, .. }) => code,
        other => panic!("expected a final error, got {other:?}"),
    };
    // The same number with another amount: refused, as WeChat Pay does.
    assert_eq!(
        final_code(
            client
                .create_refund(&request(&order, "RFSAME0001", 100))
                .await
        ),
        "INVALID_REQUEST"
    );
    // A second number for an order already fully refunded.
    assert_eq!(
        final_code(
            client
                .create_refund(&request(&order, "RFSAME0002", 1))
                .await
        ),
        "INVALID_REQUEST"
    );
    // `amount.total` must be what the order paid.
    let mut wrong_total = request(&order, "RFSAME0003", 100);
    wrong_total.total_fen = 10_000;
    assert_eq!(
        final_code(client.create_refund(&wrong_total).await),
        "INVALID_REQUEST"
    );
    // More than the total, and an order WeChat Pay never saw.
    assert_eq!(
        final_code(
            client
                .create_refund(&request(&order, "RFSAME0004", 9901))
                .await
        ),
        "PARAM_ERROR"
    );
    let mut unknown = request(&order, "RFSAME0005", 100);
    unknown.out_trade_no = "CP0000000000NOSUCHORDER".into();
    assert_eq!(
        final_code(client.create_refund(&unknown).await),
        "RESOURCE_NOT_EXISTS"
    );
    // An http notify URL is refused field by field.
    let mut plain_http = request(&order, "RFSAME0006", 100);
    plain_http.notify_url = "http://camp.example.com/webhooks/wechatpay/refunds".into();
    assert_eq!(
        final_code(client.create_refund(&plain_http).await),
        "PARAM_ERROR"
    );
    // A number nobody used: a signed "not found", the one answer that allows a resend.
    assert_eq!(client.query_refund("RFNEVERUSED").await.unwrap(), None);
    assert_eq!(sandbox_refunds(&app, &order.out_trade_no).await.len(), 1);

    // A partial refund, then a second one within the minute: FREQUENCY_LIMITED.
    let other = paid_order(&app, "20000000003").await;
    client
        .create_refund(&request(&other, "RFPART0001", 4000))
        .await
        .unwrap();
    let too_soon = client
        .create_refund(&request(&other, "RFPART0002", 4000))
        .await;
    assert!(
        matches!(&too_soon, Err(RefundCallError::Retryable { code, .. }) if code == "FREQUENCY_LIMITED"),
        "{too_soon:?}"
    );
}

#[tokio::test]
async fn retryable_errors_are_retried_once_with_the_same_number_then_need_a_person() {
    let app = TestApp::spawn().await;
    let (client, notify_url) = client(&app).await;
    set_refund_faults(&app, json!({ "next": ["system_error"] })).await;

    // SYSTEM_ERROR, then the automatic retry under the same number succeeds.
    let order = paid_order(&app, "20000000004").await;
    let refund = new_refund(&app, &order).await;
    let no = refund.out_refund_no.clone();
    let failed = execute::send(&app.db, &client, &notify_url, &no)
        .await
        .unwrap();
    assert_eq!(
        (
            failed.status.as_str(),
            failed.failure_code.as_deref(),
            failed.attempts
        ),
        ("retrying", Some("SYSTEM_ERROR"), 1)
    );
    let retried = execute::send(&app.db, &client, &notify_url, &no)
        .await
        .unwrap();
    assert_eq!(
        (retried.status.as_str(), retried.attempts),
        ("processing", 2)
    );
    assert_eq!(retried.failure_code, None);
    wait_for(&app, &no, RefundStatus::Succeeded).await;

    // FREQUENCY_LIMITED, then NOT_ENOUGH on the retry: 需人工处理.
    set_refund_faults(&app, json!({ "next": ["frequency_limited", "not_enough"] })).await;
    let order = paid_order(&app, "20000000005").await;
    let refund = new_refund(&app, &order).await;
    let no = refund.out_refund_no.clone();
    let first = execute::send(&app.db, &client, &notify_url, &no)
        .await
        .unwrap();
    assert_eq!(
        (first.status.as_str(), first.failure_code.as_deref()),
        ("retrying", Some("FREQUENCY_LIMITED"))
    );
    let second = execute::send(&app.db, &client, &notify_url, &no)
        .await
        .unwrap();
    assert_eq!(
        (
            second.status.as_str(),
            second.failure_code.as_deref(),
            second.attempts
        ),
        ("needs_manual", Some("NOT_ENOUGH"), 2)
    );
    // No third automatic call.
    let third = execute::send(&app.db, &client, &notify_url, &no).await;
    assert!(matches!(third, Err(RefundError::Forbidden(_))), "{third:?}");
    assert!(sandbox_refunds(&app, &order.out_trade_no).await.is_empty());

    // An admin's retry starts with a query; "not found" makes it sendable again,
    // under the same number.
    let txn = app.db.begin().await.unwrap();
    let locked = service::lock_by_number(&txn, &no).await.unwrap();
    let (retry, _) = service::apply(&txn, locked, RefundEvent::AdminRetry, Said::default())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(retry.status, "unknown");
    let queried = execute::refresh(&app.db, &client, &no).await.unwrap();
    assert_eq!(queried.status, "pending");
    let sent = execute::send(&app.db, &client, &notify_url, &no)
        .await
        .unwrap();
    assert_eq!((sent.status.as_str(), sent.attempts), ("processing", 3));
    wait_for(&app, &no, RefundStatus::Succeeded).await;
    assert_eq!(sandbox_refunds(&app, &order.out_trade_no).await.len(), 1);
}

#[tokio::test]
async fn a_timeout_after_success_is_queried_never_resent_blind() {
    let app = TestApp::spawn().await;
    let (client, notify_url) = client(&app).await;
    let client = client
        .with_timeouts(Duration::from_secs(2), Duration::from_millis(700))
        .unwrap();
    set_refund_faults(
        &app,
        json!({ "next": ["timeout_after_success"], "hang_ms": 3000, "settle_ms": 2500 }),
    )
    .await;
    let order = paid_order(&app, "20000000006").await;
    let refund = new_refund(&app, &order).await;
    let no = refund.out_refund_no.clone();

    let timed_out = execute::send(&app.db, &client, &notify_url, &no)
        .await
        .unwrap();
    assert_eq!(
        (timed_out.status.as_str(), timed_out.failure_code.as_deref()),
        ("unknown", Some("unknown_outcome"))
    );
    // Unknown is never sent again without a query...
    let blind = execute::send(&app.db, &client, &notify_url, &no).await;
    assert!(matches!(blind, Err(RefundError::Forbidden(_))), "{blind:?}");
    // ...and the query finds the refund WeChat Pay did create.
    let queried = execute::refresh(&app.db, &client, &no).await.unwrap();
    assert_eq!(queried.status, "processing");
    assert!(queried.refund_id.is_some());
    wait_for(&app, &no, RefundStatus::Succeeded).await;
    assert_eq!(sandbox_refunds(&app, &order.out_trade_no).await.len(), 1);
}

#[tokio::test]
async fn a_notification_that_overtakes_the_answer_wins() {
    let app = TestApp::spawn().await;
    let (client, notify_url) = client(&app).await;
    // The refund settles and is notified while the create answer is still withheld.
    set_refund_faults(
        &app,
        json!({ "next": ["timeout_after_success"], "hang_ms": 1500, "settle_ms": 100 }),
    )
    .await;
    let order = paid_order(&app, "20000000007").await;
    let refund = new_refund(&app, &order).await;
    let no = refund.out_refund_no.clone();
    let after = execute::send(&app.db, &client, &notify_url, &no)
        .await
        .unwrap();
    assert_eq!(
        after.status, "succeeded",
        "the older PROCESSING answer is dropped"
    );
    assert_eq!(after.attempts, 1);
    assert_eq!(sandbox_refunds(&app, &order.out_trade_no).await.len(), 1);
}

#[tokio::test]
async fn processing_can_end_abnormal_or_closed_and_closed_frees_the_amount() {
    let app = TestApp::spawn().await;
    let (client, notify_url) = client(&app).await;

    let abnormal_order = paid_order(&app, "20000000008").await;
    let abnormal = new_refund(&app, &abnormal_order).await;
    let closed_order = paid_order(&app, "20000000009").await;
    let closed = new_refund(&app, &closed_order).await;
    set_refund_faults(
        &app,
        json!({
            "by_refund_no": {
                abnormal.out_refund_no.clone(): "processing_then_abnormal",
                closed.out_refund_no.clone(): "closed",
            },
            "settle_ms": 200,
        }),
    )
    .await;

    for refund in [&abnormal, &closed] {
        let sent = execute::send(&app.db, &client, &notify_url, &refund.out_refund_no)
            .await
            .unwrap();
        assert!(
            matches!(sent.status.as_str(), "processing" | "abnormal" | "closed"),
            "{}",
            sent.status
        );
    }
    wait_for(&app, &abnormal.out_refund_no, RefundStatus::Abnormal).await;
    wait_for(&app, &closed.out_refund_no, RefundStatus::Closed).await;
    let abnormal_row = row(&app, &abnormal.out_refund_no).await;
    assert_eq!(
        abnormal_row.user_received_account.as_deref(),
        Some("招商银行借记卡0403")
    );
    assert!(abnormal_row.succeeded_at.is_none());

    // ABNORMAL still holds the money: no second refund of that order.
    let second = service::create_for_order(
        &app.db,
        NewRefund {
            payment_order_id: abnormal_order.id,
            amount_fen: 1,
            reason: None,
            created_by: None,
        },
    )
    .await;
    assert!(
        matches!(
            second,
            Err(RefundError::ExceedsPaid {
                requested: 1,
                refundable: 0
            })
        ),
        "{second:?}"
    );
    // CLOSED moved no money: an admin may re-issue it under a new number.
    let reissued = new_refund(&app, &closed_order).await;
    assert_ne!(reissued.out_refund_no, closed.out_refund_no);
    assert_eq!(reissued.status, "pending");
}

#[tokio::test]
async fn the_refund_webhook_applies_verified_notifications_once_and_refuses_forged_ones() {
    let app = TestApp::spawn().await;
    let (client, notify_url) = client(&app).await;
    // Notifications are lost, so the test delivers them itself.
    let drop = serde_json::to_vec(&json!({ "notify": "drop" })).unwrap();
    app.anonymous()
        .raw(
            Method::POST,
            "/sandbox/wechatpay/control",
            Some((drop, "application/json")),
        )
        .await;
    set_refund_faults(&app, json!({ "settle_ms": 100 })).await;
    let order = paid_order_without_notification(&app, "20000000010").await;
    let refund = new_refund(&app, &order).await;
    let no = refund.out_refund_no.clone();
    execute::send(&app.db, &client, &notify_url, &no)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        status(&app, &no).await,
        "processing",
        "the notification was lost"
    );

    let preview: Value = app
        .anonymous()
        .get(&format!(
            "/sandbox/wechatpay/control/refund-notification/{no}"
        ))
        .await
        .unwrap();
    let post = |headers: Value, body: String| {
        let app = &app;
        async move {
            let mut request = reqwest::Client::new()
                .post(format!("{}/webhooks/wechatpay/refunds", app.base))
                .body(body);
            for (name, value) in headers.as_object().unwrap() {
                request = request.header(name.as_str(), value.as_str().unwrap());
            }
            request.send().await.unwrap().status()
        }
    };
    let body = preview["body"].as_str().unwrap().to_owned();

    // Forged: a changed body, or a timestamp that is not the signed one.
    let forged = body.replacen("REFUND.SUCCESS", "REFUND.CLOSED", 1);
    assert_eq!(
        post(preview["headers"].clone(), forged).await,
        StatusCode::UNAUTHORIZED
    );
    let mut stale = preview["headers"].clone();
    stale["wechatpay-timestamp"] = json!((chrono::Utc::now().timestamp() - 3600).to_string());
    assert_eq!(post(stale, body.clone()).await, StatusCode::UNAUTHORIZED);
    let mut unsigned = preview["headers"].clone();
    unsigned
        .as_object_mut()
        .unwrap()
        .remove("wechatpay-signature");
    assert_eq!(post(unsigned, body.clone()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status(&app, &no).await, "processing", "nothing applied");

    // The real one, twice: applied once.
    assert_eq!(
        post(preview["headers"].clone(), body.clone()).await,
        StatusCode::NO_CONTENT
    );
    let first = row(&app, &no).await;
    assert_eq!(first.status, "succeeded");
    assert_eq!(
        post(preview["headers"].clone(), body).await,
        StatusCode::NO_CONTENT
    );
    let second = row(&app, &no).await;
    assert_eq!(
        second.succeeded_at, first.succeeded_at,
        "a duplicate changes nothing"
    );
    assert_eq!(second.updated_at, first.updated_at);
}

/// A paid order while payment notifications are dropped: settled by the
/// order query the member's order page makes.
async fn paid_order_without_notification(app: &TestApp, planet_id: &str) -> payment_orders::Model {
    let camp = app.open_camp().await;
    let member = app.anonymous();
    let (_, out_trade_no) = pending(&member, camp.id, &form(planet_id)).await;
    pay_in_cashier(app, &out_trade_no).await;
    app.eventually("the order query", || async {
        let _: Result<Value, _> = member.get(&format!("/api/v1/orders/{out_trade_no}")).await;
        order_status_in_db(app, &out_trade_no).await == "paid"
    })
    .await;
    payment_orders::Entity::find()
        .filter(payment_orders::Column::OutTradeNo.eq(out_trade_no.as_str()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// Runs `tasks` concurrent approvals of `amount_fen` each on one order, each
/// in its own transaction; returns (created, refused as exceeding).
async fn race(app: &TestApp, order_id: i64, amount_fen: i64, tasks: usize) -> (usize, usize) {
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let db = app.db.clone();
        handles.push(tokio::spawn(async move {
            let txn = db.begin().await.unwrap();
            let created = service::create_for_order(
                &txn,
                NewRefund {
                    payment_order_id: order_id,
                    amount_fen,
                    reason: None,
                    created_by: None,
                },
            )
            .await;
            match created {
                Ok(_) => {
                    txn.commit().await.unwrap();
                    true
                }
                Err(RefundError::ExceedsPaid { .. }) => false,
                Err(other) => panic!("only an excess may be refused: {other:?}"),
            }
        }));
    }
    let mut created = 0;
    for handle in handles {
        if handle.await.unwrap() {
            created += 1;
        }
    }
    (created, tasks - created)
}

#[tokio::test]
async fn refunds_never_exceed_the_paid_amount_under_concurrent_approvals() {
    let app = TestApp::spawn().await;
    let order = paid_order(&app, "20000000011").await;
    assert_eq!(order.amount_fen, 9900);

    // Twelve full refunds at once: one wins.
    assert_eq!(race(&app, order.id, 9900, 12).await, (1, 11));
    // Partial refunds on another order: exactly three of 3300 fit in 9900.
    let other = paid_order(&app, "20000000012").await;
    assert_eq!(race(&app, other.id, 3300, 12).await, (3, 9));

    // Code that skips the service (no lock of its own): the trigger alone
    // keeps concurrent inserts within the paid amount.
    let third = paid_order(&app, "20000000015").await;
    let mut handles = Vec::new();
    for i in 0..12 {
        let (db, order) = (app.db.clone(), third.clone());
        handles.push(tokio::spawn(async move {
            let txn = db.begin().await.unwrap();
            let now = chrono::Utc::now();
            let inserted = refunds::ActiveModel {
                enrollment_id: Set(order.enrollment_id),
                payment_order_id: Set(order.id),
                out_trade_no: Set(order.out_trade_no.clone()),
                out_refund_no: Set(format!("RFRACE{i:04}")),
                amount_fen: Set(order.amount_fen),
                total_fen: Set(order.amount_fen),
                status: Set("pending".into()),
                attempts: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await;
            match inserted {
                Ok(_) => txn.commit().await.is_ok(),
                Err(e) => {
                    assert!(e.to_string().contains("refunds_exceed_paid"), "{e}");
                    false
                }
            }
        }));
    }
    let mut inserted = 0;
    for handle in handles {
        inserted += usize::from(handle.await.unwrap());
    }
    assert_eq!(inserted, 1, "one full refund, however many writers race");

    let rows = refunds::Entity::find().all(&app.db).await.unwrap();
    for order in [&order, &other, &third] {
        let refunded: i64 = rows
            .iter()
            .filter(|r| r.payment_order_id == order.id)
            .map(|r| r.amount_fen)
            .sum();
        assert!(
            refunded <= order.amount_fen,
            "{refunded} > {}",
            order.amount_fen
        );
    }
    let numbers: HashSet<_> = rows.iter().map(|r| r.out_refund_no.clone()).collect();
    assert_eq!(numbers.len(), rows.len(), "each out_refund_no is used once");
}

#[tokio::test]
async fn the_database_refuses_an_excess_even_from_code_that_skips_the_service() {
    let app = TestApp::spawn().await;
    let order = paid_order(&app, "20000000013").await;
    let now = chrono::Utc::now();
    let raw = |no: &str, amount: i64, status: &str| refunds::ActiveModel {
        enrollment_id: Set(order.enrollment_id),
        payment_order_id: Set(order.id),
        out_trade_no: Set(order.out_trade_no.clone()),
        out_refund_no: Set(no.into()),
        amount_fen: Set(amount),
        total_fen: Set(order.amount_fen),
        status: Set(status.into()),
        attempts: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    // (what was tried, the words of the rule that refused it)
    let refused = |result: Result<refunds::Model, sea_orm::DbErr>, why: &str, rule: &str| {
        let error = result.expect_err(why).to_string().to_lowercase();
        assert!(error.contains(rule), "{why}: {error}");
    };
    const EXCESS: &str = "refunds_exceed_paid";
    const IDENTITY: &str = "refund_identity_immutable";
    const CHECK: &str = "check";
    // Unknown statuses, non-positive amounts, more than the total.
    refused(
        raw("RFRAW0004", 1, "refunded").insert(&app.db).await,
        "a status",
        CHECK,
    );
    refused(
        raw("RFRAW0005", 0, "closed").insert(&app.db).await,
        "zero",
        CHECK,
    );
    refused(
        raw("RFRAW0006", 9901, "closed").insert(&app.db).await,
        "over the total",
        CHECK,
    );

    let refund = new_refund(&app, &order).await;
    // Over the paid amount, straight into the table.
    refused(
        raw("RFRAW0001", 1, "pending").insert(&app.db).await,
        "an excess",
        EXCESS,
    );
    // A closed one holds nothing, so it may be written...
    let closed = raw("RFRAW0002", 9900, "closed")
        .insert(&app.db)
        .await
        .unwrap();
    // ...but not brought back to life while the other holds the money.
    let mut revived = closed.clone().into_active_model();
    revived.status = Set("processing".into());
    refused(
        revived.update(&app.db).await,
        "a revived closed refund",
        EXCESS,
    );
    // A number, order or amount never changes once written.
    let mut renumbered = refund.clone().into_active_model();
    renumbered.out_refund_no = Set("RFRAW0003".into());
    refused(renumbered.update(&app.db).await, "a new number", IDENTITY);
    let mut smaller = refund.clone().into_active_model();
    smaller.amount_fen = Set(100);
    refused(smaller.update(&app.db).await, "a new amount", IDENTITY);
    // An order that is not paid refunds nothing.
    let camp = app.open_camp().await;
    let (_, unpaid_no) = pending(&app.anonymous(), camp.id, &form("20000000014")).await;
    let unpaid = payment_orders::Entity::find()
        .filter(payment_orders::Column::OutTradeNo.eq(unpaid_no.as_str()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut on_unpaid = raw("RFRAW0007", 1, "pending");
    on_unpaid.payment_order_id = Set(unpaid.id);
    on_unpaid.out_trade_no = Set(unpaid.out_trade_no.clone());
    on_unpaid.enrollment_id = Set(unpaid.enrollment_id);
    refused(on_unpaid.insert(&app.db).await, "an unpaid order", EXCESS);
    let through_service = service::create_for_order(
        &app.db,
        NewRefund {
            payment_order_id: unpaid.id,
            amount_fen: 1,
            reason: None,
            created_by: None,
        },
    )
    .await;
    assert!(
        matches!(through_service, Err(RefundError::OrderNotPaid(_))),
        "{through_service:?}"
    );
    // Orders paid more than a year ago are refused, saying so.
    let mut old = order.clone().into_active_model();
    old.paid_at = Set(Some(now - chrono::Duration::days(400)));
    old.update(&app.db).await.unwrap();
    let too_old = service::create_for_order(
        &app.db,
        NewRefund {
            payment_order_id: order.id,
            amount_fen: 1,
            reason: None,
            created_by: None,
        },
    )
    .await;
    match too_old {
        Err(error @ RefundError::OrderTooOld(_)) => {
            assert!(error.message().contains("超过一年"), "{}", error.message());
        }
        other => panic!("{other:?}"),
    }
}

/// Review D2: a status change is a compare-and-set on the status the machine
/// decided from, so a row read before another writer's change cannot
/// overwrite it (here: a stale "pending" copy must not undo "succeeded").
#[tokio::test]
async fn a_stale_copy_of_a_refund_cannot_overwrite_a_newer_status() {
    let app = TestApp::spawn().await;
    let order = paid_order(&app, "31415926535").await;
    let refund = new_refund(&app, &order).await;
    let stale = refund.clone();
    let (sent, _) = service::apply(&app.db, refund, RefundEvent::Send, Said::default())
        .await
        .unwrap();
    let (done, _) = service::apply(&app.db, sent, RefundEvent::ReportedSuccess, Said::default())
        .await
        .unwrap();
    assert_eq!(done.status, "succeeded");
    let again = service::apply(&app.db, stale, RefundEvent::Send, Said::default()).await;
    assert!(matches!(again, Err(RefundError::Stale(_))), "{again:?}");
    assert_eq!(status(&app, &done.out_refund_no).await, "succeeded");
}

/// Review D1: withdrawing a needs-manual number frees nothing (WeChat Pay may
/// still pay it), so no second number can be created for the same money, and
/// WeChat Pay's later SUCCESS is recorded.
#[tokio::test]
async fn a_withdrawn_refund_keeps_its_amount_and_records_a_later_success() {
    let app = TestApp::spawn().await;
    let order = paid_order(&app, "27182818284").await;
    let refund = new_refund(&app, &order).await;
    let mut row_now = refund;
    for event in [
        RefundEvent::Send,
        RefundEvent::FinalError,
        RefundEvent::AdminCancel,
    ] {
        row_now = service::apply(&app.db, row_now, event, Said::default())
            .await
            .unwrap()
            .0;
    }
    assert_eq!(row_now.status, "cancelled");
    let second = service::create_for_order(
        &app.db,
        NewRefund {
            payment_order_id: order.id,
            amount_fen: order.amount_fen,
            reason: None,
            created_by: None,
        },
    )
    .await;
    assert!(
        matches!(second, Err(RefundError::ExceedsPaid { .. })),
        "{second:?}"
    );
    let (paid, _) = service::apply(
        &app.db,
        row_now,
        RefundEvent::ReportedSuccess,
        Said::default(),
    )
    .await
    .unwrap();
    assert_eq!(paid.status, "succeeded");
}

//! The database refuses what the application never writes (issue 6 item 14):
//! each statement pair differs only in the value that breaks a rule, the
//! first is accepted and the second refused, on SQLite and PostgreSQL.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use server::entity::{enrollments, payment_orders};

use crate::helpers::*;
use crate::payments::{form, pending};

#[tokio::test]
async fn the_database_refuses_broken_references_duplicate_transactions_and_unknown_statuses() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    pending(&app.anonymous(), camp.id, &form("410000000001")).await;
    pending(&app.anonymous(), camp.id, &form("410000000002")).await;
    let orders = payment_orders::Entity::find()
        .filter(payment_orders::Column::CampId.eq(camp.id))
        .order_by_asc(payment_orders::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let (o1, o2) = (orders[0].id, orders[1].id);
    let (e1, e2) = (orders[0].enrollment_id, orders[1].enrollment_id);
    assert!(
        enrollments::Entity::find_by_id(e2)
            .one(&app.db)
            .await
            .unwrap()
            .is_some()
    );
    let c = camp.id;
    let missing = 999_999;

    // (rule, accepted statement, refused statement)
    let cases: Vec<(&str, String, String)> = vec![
        (
            "one order per WeChat Pay transaction_id",
            format!("UPDATE payment_orders SET transaction_id = '4200000001' WHERE id = {o1}"),
            format!("UPDATE payment_orders SET transaction_id = '4200000001' WHERE id = {o2}"),
        ),
        (
            "an order's enrollment exists",
            format!("UPDATE payment_orders SET enrollment_id = {e2} WHERE id = {o2}"),
            format!("UPDATE payment_orders SET enrollment_id = {missing} WHERE id = {o2}"),
        ),
        (
            "an order's camp exists",
            format!("UPDATE payment_orders SET camp_id = {c} WHERE id = {o2}"),
            format!("UPDATE payment_orders SET camp_id = {missing} WHERE id = {o2}"),
        ),
        (
            "a member token's enrollment exists",
            format!(
                "INSERT INTO member_tokens (token_hash, enrollment_id, created_at) \
                 VALUES ('a', {e1}, CURRENT_TIMESTAMP)"
            ),
            format!(
                "INSERT INTO member_tokens (token_hash, enrollment_id, created_at) \
                 VALUES ('b', {missing}, CURRENT_TIMESTAMP)"
            ),
        ),
        (
            "an enrollment's paid order exists",
            format!("UPDATE enrollments SET paid_order_id = {o1} WHERE id = {e1}"),
            format!("UPDATE enrollments SET paid_order_id = {missing} WHERE id = {e1}"),
        ),
        (
            "order status",
            format!("UPDATE payment_orders SET status = 'closed' WHERE id = {o2}"),
            format!("UPDATE payment_orders SET status = 'refunded?' WHERE id = {o2}"),
        ),
        (
            "order trade type",
            format!("UPDATE payment_orders SET trade_type = 'h5' WHERE id = {o2}"),
            format!("UPDATE payment_orders SET trade_type = 'cash' WHERE id = {o2}"),
        ),
        (
            "order amount",
            format!("UPDATE payment_orders SET amount_fen = 1 WHERE id = {o2}"),
            format!("UPDATE payment_orders SET amount_fen = 0 WHERE id = {o2}"),
        ),
        (
            "enrollment status",
            format!("UPDATE enrollments SET status = 'paid' WHERE id = {e2}"),
            format!("UPDATE enrollments SET status = 'Paid' WHERE id = {e2}"),
        ),
        (
            "notification outcome",
            notification("needs_review"),
            notification("ok"),
        ),
        (
            "job run outcome",
            job_run("schedule", "failed"),
            job_run("schedule", "crashed"),
        ),
        (
            "job run trigger",
            job_run("manual", "succeeded"),
            job_run("cron", "succeeded"),
        ),
        (
            "staff role",
            "UPDATE users SET role = 'super_admin' WHERE username = 'admin'".into(),
            "UPDATE users SET role = 'root' WHERE username = 'admin'".into(),
        ),
        (
            "camp staff role",
            format!("UPDATE camp_staff SET role = 'coach' WHERE camp_id = {c}"),
            format!("UPDATE camp_staff SET role = 'owner' WHERE camp_id = {c}"),
        ),
        (
            "upload kind",
            "UPDATE uploads SET kind = 'poster' WHERE kind = 'poster'".into(),
            "UPDATE uploads SET kind = 'avatar' WHERE kind = 'poster'".into(),
        ),
        (
            "an alert is resolved when someone resolved it",
            alert("a", "CURRENT_TIMESTAMP", "1"),
            alert("b", "NULL", "1"),
        ),
    ];
    let mut failures = Vec::new();
    for (rule, accepted, refused) in &cases {
        if let Err(e) = app.db.execute_unprepared(accepted).await {
            failures.push(format!("{rule}: {accepted} was refused: {e}"));
        }
        if app.db.execute_unprepared(refused).await.is_ok() {
            failures.push(format!("{rule}: {refused} was accepted"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn notification(outcome: &str) -> String {
    format!(
        "INSERT INTO payment_notifications (received_at, outcome, detail, body_sealed) \
         VALUES (CURRENT_TIMESTAMP, '{outcome}', '', '')"
    )
}

fn job_run(trigger: &str, outcome: &str) -> String {
    format!(
        "INSERT INTO job_runs (job, \"trigger\", instance, started_at, outcome, message) \
         VALUES ('backup_database', '{trigger}', 'test', CURRENT_TIMESTAMP, '{outcome}', '')"
    )
}

fn alert(key: &str, resolved_at: &str, resolved_by: &str) -> String {
    format!(
        "INSERT INTO alerts (kind, dedupe_key, target, message, created_at, resolved_at, resolved_by) \
         VALUES ('duplicate_payment', '{key}', 'order', '', CURRENT_TIMESTAMP, {resolved_at}, {resolved_by})"
    )
}

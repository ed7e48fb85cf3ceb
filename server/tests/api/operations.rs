//! The seams every next feature builds on: the job registry with its run
//! history, schedules that run once across instances, the outbox, and alerts.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use server::alerts::DuplicatePaymentAlert;
use server::entity::{alerts, audit_logs, job_runs, outbox, payment_orders};
use server::jobs::{BackupDatabase, Job, Trigger};
use shared::error::ErrorCode;
use shared::ops::{AlertDto, JobRunDto};
use shared::roles::Role;

use crate::helpers::*;
use crate::payments::{form, order_status_in_db, pay_in_cashier, pending};

async fn runs_of(app: &TestApp, job: &str) -> Vec<job_runs::Model> {
    job_runs::Entity::find()
        .filter(job_runs::Column::Job.eq(job))
        .all(&app.db)
        .await
        .unwrap()
}

async fn finished_runs_of(app: &TestApp, job: &str) -> Vec<job_runs::Model> {
    runs_of(app, job)
        .await
        .into_iter()
        .filter(|r| r.finished_at.is_some())
        .collect()
}

/// A paid order, made through the real sign-up, cashier and notification.
async fn paid_order(app: &TestApp, planet_id: &str) -> payment_orders::Model {
    let camp = app.open_camp().await;
    let (_, out_trade_no) = pending(&app.anonymous(), camp.id, &form(planet_id)).await;
    pay_in_cashier(app, &out_trade_no).await;
    app.eventually("the payment", || async {
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

#[tokio::test]
async fn two_instances_on_one_database_run_each_scheduled_tick_once() {
    // Every second, so a few seconds hold several ticks that both instances fire.
    let app = TestApp::spawn_with(|config| config.backup.schedule = "* * * * * *".into()).await;
    let _second = app.sibling().await;
    app.eventually("three scheduled backups", || async {
        finished_runs_of(&app, BackupDatabase::NAME).await.len() >= 3
    })
    .await;
    let runs = runs_of(&app, BackupDatabase::NAME).await;
    let mut per_tick: HashMap<String, usize> = HashMap::new();
    for run in &runs {
        assert_eq!(run.trigger, "schedule");
        let key = run
            .dedupe_key
            .clone()
            .expect("a scheduled run has its tick's key");
        assert!(key.starts_with("backup_database@"), "{key}");
        *per_tick.entry(key).or_default() += 1;
    }
    assert!(per_tick.len() >= 3, "{per_tick:?}");
    assert!(
        per_tick.values().all(|&n| n == 1),
        "one run per tick across both instances: {per_tick:?}"
    );
}

#[tokio::test]
async fn job_runs_are_recorded_and_listed_for_admins_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let _: shared::api::BackupQueued = admin.post("/api/v1/system/backups").await.unwrap();
    app.eventually("the manual backup's run", || async {
        !finished_runs_of(&app, BackupDatabase::NAME)
            .await
            .is_empty()
    })
    .await;
    let runs: Vec<JobRunDto> = admin
        .get("/api/v1/admin/job-runs?job=backup_database&limit=10")
        .await
        .unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    assert_eq!(run.trigger, "manual");
    assert_eq!(run.outcome, "succeeded");
    assert!(run.message.starts_with("备份完成"), "{}", run.message);
    assert!(run.finished_at.is_some_and(|end| end >= run.started_at));
    assert_eq!(run.instance, &*app.state.instance);

    let (_, regular_admin) = app.staff(&admin, "ops_admin", Role::Admin).await;
    let seen: Vec<JobRunDto> = regular_admin.get("/api/v1/admin/job-runs").await.unwrap();
    assert_eq!(seen.len(), 1);
    for role in [Role::Coach, Role::Volunteer] {
        let (_, client) = app
            .staff(&admin, &format!("ops_{}", role.as_str()), role)
            .await;
        let err = client
            .get::<Vec<JobRunDto>>("/api/v1/admin/job-runs")
            .await
            .unwrap_err();
        assert_eq!(err.error.code, ErrorCode::Forbidden, "{role:?}");
        let err = client
            .get::<Vec<AlertDto>>("/api/v1/admin/alerts")
            .await
            .unwrap_err();
        assert_eq!(err.error.code, ErrorCode::Forbidden, "{role:?}");
    }
}

#[tokio::test]
async fn a_rolled_back_transaction_enqueues_nothing() {
    let app = TestApp::spawn().await;
    let order = paid_order(&app, "346884121553").await;
    // The payment's own follow-up (MatchCamp) is relayed first, so only this test's row is in play.
    app.eventually("the payment's outbox rows relayed", || async {
        outbox::Entity::find()
            .filter(outbox::Column::RelayedAt.is_null())
            .count(&app.db)
            .await
            .unwrap()
            == 0
    })
    .await;
    let txn = app.db.begin().await.unwrap();
    server::outbox::enqueue(&txn, &DuplicatePaymentAlert { order_id: order.id })
        .await
        .unwrap();
    assert_eq!(
        outbox::Entity::find()
            .filter(outbox::Column::Job.eq(DuplicatePaymentAlert::NAME))
            .count(&txn)
            .await
            .unwrap(),
        1
    );
    txn.rollback().await.unwrap();

    assert_eq!(
        outbox::Entity::find()
            .filter(outbox::Column::Job.eq(DuplicatePaymentAlert::NAME))
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        server::outbox::relay_once(&app.db, &app.state.jobs)
            .await
            .unwrap(),
        0
    );
    // Long enough for the relay loop and the worker to have acted, had there been a row.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(runs_of(&app, DuplicatePaymentAlert::NAME).await.is_empty());
    assert_eq!(alerts::Entity::find().count(&app.db).await.unwrap(), 0);
}

#[tokio::test]
async fn a_committed_event_is_handled_once_even_when_relayed_and_delivered_twice() {
    let app = TestApp::spawn().await;
    let order = paid_order(&app, "346884121554").await;
    let job = DuplicatePaymentAlert { order_id: order.id };
    let txn = app.db.begin().await.unwrap();
    server::outbox::enqueue(&txn, &job).await.unwrap();
    // The same event twice in one change is one row.
    server::outbox::enqueue(&txn, &job).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        outbox::Entity::find()
            .filter(outbox::Column::Job.eq(DuplicatePaymentAlert::NAME))
            .count(&app.db)
            .await
            .unwrap(),
        1
    );

    app.eventually("the relayed alert job", || async {
        !finished_runs_of(&app, DuplicatePaymentAlert::NAME)
            .await
            .is_empty()
    })
    .await;
    let row = outbox::Entity::find()
        .filter(outbox::Column::Job.eq(DuplicatePaymentAlert::NAME))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.relayed_at.is_some(), "marked relayed");

    // A crash between the push and the mark: the row is relayed again; the queue drops it.
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::RelayedAt,
            Expr::value(None::<chrono::DateTime<chrono::Utc>>),
        )
        .exec(&app.db)
        .await
        .unwrap();
    server::outbox::relay_once(&app.db, &app.state.jobs)
        .await
        .unwrap();
    // And a delivery the queue could not drop (another queue, an expired key): the job itself is idempotent.
    app.state
        .jobs
        .push_raw(
            DuplicatePaymentAlert::NAME,
            serde_json::to_value(&job).unwrap(),
            None,
            Trigger::Outbox,
        )
        .await
        .unwrap();
    app.eventually("the second delivery's run", || async {
        finished_runs_of(&app, DuplicatePaymentAlert::NAME)
            .await
            .len()
            >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let runs = finished_runs_of(&app, DuplicatePaymentAlert::NAME).await;
    assert_eq!(runs.len(), 2, "the re-relayed push was dropped: {runs:?}");
    assert!(
        runs.iter()
            .all(|r| r.outcome == "succeeded" && r.trigger == "outbox")
    );
    assert!(
        runs.iter().any(|r| r.message == "重复支付提醒已存在"),
        "{runs:?}"
    );
    assert_eq!(alerts::Entity::find().count(&app.db).await.unwrap(), 1);
    assert!(
        outbox::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .relayed_at
            .is_some()
    );
}

#[tokio::test]
async fn a_duplicate_payment_raises_one_alert_that_an_admin_resolves() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let (phone_a, phone_b) = (app.anonymous(), app.anonymous());
    let request = form("15555411851483");
    let (a, b) = tokio::join!(
        pending(&phone_a, camp.id, &request),
        pending(&phone_b, camp.id, &request)
    );
    pay_in_cashier(&app, &a.1).await;
    pay_in_cashier(&app, &b.1).await;
    let admin = app.admin().await;
    let mut open: Vec<AlertDto> = Vec::new();
    // Two payments, two notifications, the relay and the worker: generous for a loaded CI machine.
    for _ in 0..300 {
        open = admin
            .get("/api/v1/admin/alerts?resolved=false")
            .await
            .unwrap();
        if !open.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(open.len(), 1, "{open:?}");
    let alert = &open[0];
    let flagged = payment_orders::Entity::find()
        .filter(payment_orders::Column::Duplicate.eq(true))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the second payment is flagged");
    assert_eq!(alert.kind, "duplicate_payment");
    assert_eq!(alert.target, format!("订单 {}", flagged.out_trade_no));
    assert!(alert.resolved_at.is_none());
    let runs = finished_runs_of(&app, DuplicatePaymentAlert::NAME).await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].trigger, "outbox");

    let resolved: AlertDto = admin
        .post(&format!("/api/v1/admin/alerts/{}/resolve", alert.id))
        .await
        .unwrap();
    assert!(resolved.resolved_at.is_some());
    assert!(resolved.resolved_by.is_some());
    let again = admin
        .post::<AlertDto>(&format!("/api/v1/admin/alerts/{}/resolve", alert.id))
        .await
        .unwrap_err();
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error.code, ErrorCode::AlertResolved);
    let missing = admin
        .post::<AlertDto>("/api/v1/admin/alerts/999999/resolve")
        .await
        .unwrap_err();
    assert_eq!(missing.error.code, ErrorCode::NotFound);

    let open: Vec<AlertDto> = admin
        .get("/api/v1/admin/alerts?resolved=false")
        .await
        .unwrap();
    assert!(open.is_empty());
    let audited = audit_logs::Entity::find()
        .filter(audit_logs::Column::Action.is_in(["raise_alert", "resolve_alert"]))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 2, "{audited:?}");
}

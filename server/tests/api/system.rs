use reqwest::{Method, StatusCode};
use shared::api::{BackupDto, BackupQueued, SystemInfo};

use crate::helpers::*;

#[tokio::test]
async fn health_check_reports_database_and_queue() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().raw(Method::GET, "/healthz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], true);
    assert_eq!(body["job_queue"], true);
    let expected = if redis_url().is_some() {
        "redis"
    } else {
        "sqlite"
    };
    assert_eq!(body["job_backend"], expected);
}

#[tokio::test]
async fn system_info_shows_the_sandbox() {
    let app = TestApp::spawn().await;
    let info: SystemInfo = app.anonymous().get("/api/v1/system/info").await.unwrap();
    assert!(info.sandbox);
    let production = TestApp::spawn_with(|c| {
        c.sandbox = false;
        c.public_url = "https://camp.example.com".into();
    })
    .await;
    let info: SystemInfo = production
        .anonymous()
        .get("/api/v1/system/info")
        .await
        .unwrap();
    assert!(!info.sandbox);
}

#[tokio::test]
async fn the_openapi_document_lists_the_api() {
    let app = TestApp::spawn().await;
    let doc: serde_json::Value = app
        .anonymous()
        .raw(Method::GET, "/api/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/camps",
        "/api/v1/admin/camps/{id}",
        "/api/v1/auth/login",
        "/api/v1/users",
        "/api/v1/uploads",
        "/healthz",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["CampRequest"].is_object());
}

#[tokio::test]
async fn a_backup_runs_through_the_job_queue() {
    let app = TestApp::spawn_with(|c| c.backup.keep = 2).await;
    let admin = app.admin().await;
    for round in 1..=3usize {
        let queued: BackupQueued = admin.post("/api/v1/system/backups").await.unwrap();
        assert!(queued.message.contains("备份"));
        app.eventually("the backup job to finish", || async {
            let backups: Vec<BackupDto> = admin.get("/api/v1/system/backups").await.unwrap();
            backups.len() == round.min(2)
                && backups.iter().all(|b| b.size > 0)
                && (round < 3 || count_done(&app, round).await)
        })
        .await;
    }
    let backups: Vec<BackupDto> = admin.get("/api/v1/system/backups").await.unwrap();
    assert_eq!(backups.len(), 2, "only the newest `keep` backups stay");
    let newest = app.data_dir.join("backups").join(&backups[0].file_name);
    if postgres_url().is_none() {
        // The copy is a complete SQLite database with our tables in it.
        let copy = sea_orm::Database::connect(format!("sqlite://{}", newest.display()))
            .await
            .unwrap();
        use sea_orm::{EntityTrait, PaginatorTrait};
        assert_eq!(
            server::entity::users::Entity::find()
                .count(&copy)
                .await
                .unwrap(),
            1
        );
    } else {
        let dump = std::fs::read_to_string(&newest).unwrap();
        assert!(dump.contains("CREATE TABLE public.camps"), "pg_dump output");
    }
}

/// Whether `n` backups have been recorded as finished in the operation log.
async fn count_done(app: &TestApp, n: usize) -> bool {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use server::entity::audit_logs;
    let done = audit_logs::Entity::find()
        .filter(audit_logs::Column::Action.eq("run_backup"))
        .filter(audit_logs::Column::Details.starts_with("备份完成"))
        .count(&app.db)
        .await
        .unwrap();
    done as usize >= n
}

#[tokio::test]
async fn each_address_is_limited_per_minute() {
    let app = TestApp::spawn_with(|c| c.server.rate_limit_per_minute = 5).await;
    let client = app.anonymous();
    for _ in 0..5 {
        let _: SystemInfo = client.get("/api/v1/system/info").await.unwrap();
    }
    let response = client.raw(Method::GET, "/api/v1/system/info", None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    let body: shared::error::ApiError = response.json().await.unwrap();
    assert_eq!(body.code, shared::error::ErrorCode::RateLimited);
    // Webhooks are never limited away: WeChat Pay must get through.
    for path in [
        "/webhooks/wechatpay/transactions",
        "/webhooks/wechatpay/refunds",
    ] {
        let webhook = client
            .raw(
                Method::POST,
                path,
                Some((b"{}".to_vec(), "application/json")),
            )
            .await;
        assert_eq!(
            webhook.status(),
            StatusCode::UNAUTHORIZED,
            "{path}: rejected for its missing signature, not for the rate"
        );
    }
}

/// Members behind one carrier NAT share an address: the payment page's status
/// polls count against their order, not against that address (issue 6 item 8).
#[tokio::test]
async fn order_status_polls_spend_the_orders_budget_not_the_addresss() {
    let app = TestApp::spawn_with(|c| c.server.rate_limit_per_minute = 30).await;
    let camp = app.open_camp().await;
    // Two members on one address: each sign-up is one request of its budget.
    let (mut orders, mut members) = (Vec::new(), Vec::new());
    for planet_id in ["15555411850001", "15555411850002"] {
        let member = app.anonymous();
        let (_, out_trade_no) =
            crate::payments::pending(&member, camp.id, &crate::payments::form(planet_id)).await;
        orders.push(out_trade_no);
        members.push(member);
    }
    // Setting up spent about ten of the address's thirty; sixteen polls each
    // are thirty-two more requests from it.
    for _ in 0..16 {
        for (member, out_trade_no) in members.iter().zip(&orders) {
            let view: shared::api::OrderView = member
                .get(&format!("/api/v1/orders/{out_trade_no}"))
                .await
                .unwrap();
            assert_eq!(&view.out_trade_no, out_trade_no);
        }
    }
    // Each order has its own budget: the 31st poll of one order is refused…
    for _ in 16..30 {
        let _: shared::api::OrderView = members[0]
            .get(&format!("/api/v1/orders/{}", orders[0]))
            .await
            .unwrap();
    }
    let thirty_first = members[0]
        .raw(Method::GET, &format!("/api/v1/orders/{}", orders[0]), None)
        .await;
    assert_eq!(thirty_first.status(), StatusCode::TOO_MANY_REQUESTS);
    // …and the address still has the budget its other requests did not spend.
    let info: SystemInfo = members[1].get("/api/v1/system/info").await.unwrap();
    assert!(info.sandbox);
}

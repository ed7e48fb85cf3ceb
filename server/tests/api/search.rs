//! Search and export over many rows: one behaviour on SQLite and PostgreSQL.

use chrono::Utc;
use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait, Set};
use server::entity::enrollments;
use shared::api::{CampDto, EnrollmentRow, Page};
use shared::roles::Role;

use crate::helpers::*;
use crate::members::exported_rows;

fn enrollment(camp_id: i64, planet_id: String, nickname: &str) -> enrollments::ActiveModel {
    let now = Utc::now();
    enrollments::ActiveModel {
        camp_id: Set(camp_id),
        planet_id: Set(planet_id),
        planet_nickname: Set(nickname.to_owned()),
        wechat_nickname: Set("wx".to_owned()),
        status: Set(enrollments::PAID.to_owned()),
        amount_fen: Set(9900),
        paid_order_id: Set(None),
        paid_at: Set(Some(now)),
        joined_group: Set(false),
        joined_group_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

async fn camp_named(app: &TestApp, admin: &Client, coach_id: i64, name: &str) -> CampDto {
    let mut request = app.camp_request(admin, coach_id).await;
    request.name = name.into();
    admin
        .post_json("/api/v1/admin/camps", &request)
        .await
        .unwrap()
}

#[tokio::test]
async fn search_folds_ascii_case_and_takes_wildcards_literally() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (coach, _) = app.staff(&admin, "coach_s", Role::Coach).await;
    let first = camp_named(&app, &admin, coach.id, "Early_Bird 100%").await;
    camp_named(&app, &admin, coach.id, "EarlyXBird 1000").await;
    camp_named(&app, &admin, coach.id, r"早起营 a\b").await;

    let camps = |q: &'static str| {
        let admin = &admin;
        async move {
            let page: Page<CampDto> = admin
                .get(&format!("/api/v1/admin/camps?q={q}"))
                .await
                .unwrap();
            let mut names: Vec<String> = page.items.into_iter().map(|c| c.name).collect();
            names.sort();
            names
        }
    };
    assert_eq!(
        camps("early_bird").await,
        vec!["Early_Bird 100%"],
        "case, and _ is literal"
    );
    assert_eq!(camps("EARLY").await.len(), 2);
    assert_eq!(
        camps("100%25").await,
        vec!["Early_Bird 100%"],
        "% is literal"
    );
    assert_eq!(camps("%25").await, vec!["Early_Bird 100%"]);
    assert_eq!(camps("_").await, vec!["Early_Bird 100%"]);
    assert_eq!(camps("%5C").await, vec![r"早起营 a\b"], r"\ is literal");
    assert_eq!(camps("早起").await, vec![r"早起营 a\b"]);

    // The member list uses the same search.
    enrollments::Entity::insert_many([
        enrollment(first.id, "100001".into(), "Ann_Lee"),
        enrollment(first.id, "100002".into(), "AnnXLee"),
        enrollment(first.id, "100003".into(), "50%折扣"),
    ])
    .exec(&app.db)
    .await
    .unwrap();
    let members = |q: &'static str| {
        let admin = &admin;
        async move {
            let page: Page<EnrollmentRow> = admin
                .get(&format!("/api/v1/admin/enrollments?q={q}"))
                .await
                .unwrap();
            let mut names: Vec<String> =
                page.items.into_iter().map(|e| e.planet_nickname).collect();
            names.sort();
            names
        }
    };
    assert_eq!(members("ann_lee").await, vec!["Ann_Lee"]);
    assert_eq!(members("ANN").await.len(), 2);
    assert_eq!(members("%25").await, vec!["50%折扣"]);
    assert_eq!(members("10000").await.len(), 3, "星球ID");
}

/// More rows than SQLite binds parameters in one statement (32,766): the
/// export must not put them all in one `IN (…)` list.
#[tokio::test]
async fn an_export_larger_than_the_parameter_limit_holds_every_row() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let admin = app.admin().await;
    const ROWS: usize = 33_000;
    let all: Vec<_> = (0..ROWS)
        .map(|i| enrollment(camp.id, format!("{}", 1_000_000 + i), "批量"))
        .collect();
    for chunk in all.chunks(1_000) {
        enrollments::Entity::insert_many(chunk.to_vec())
            .exec(&app.db)
            .await
            .unwrap();
    }
    let response = admin
        .raw(
            Method::GET,
            &format!("/api/v1/admin/enrollments/export.xlsx?camp_id={}", camp.id),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rows = exported_rows(response).await;
    assert_eq!(rows.len(), ROWS + 1, "the header and every row");
    assert!(
        rows[1..].iter().all(|r| r[3] == camp.name),
        "each row names its camp"
    );
}

//! Check-ins (issue 9): storing posts without duplicates, the spreadsheet
//! import, matching after payment through the outbox, manual matching,
//! counting at the boundaries through the API, and who sees what.

use std::collections::HashSet;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use server::checkins::records::{self, IncomingCheckin, RankingRow, Source};
use server::entity::{audit_logs, camps, checkin_records, enrollments, sync_runs};
use shared::api::{CampDto, EnrollmentDetail, EnrollmentRow, Page};
use shared::checkin_api::{
    CampCheckinStats, CheckinRecordDto, ImportOutcome, ManualMatchRequest, MemberProgress,
    PlanetAccountDto,
};
use shared::dates::{BUSINESS_TZ, business_date};
use shared::error::ErrorCode;
use shared::matching::MatchStatus;
use shared::roles::Role;

use crate::helpers::*;
use crate::payments::{form, order_status_in_db, pay_in_cashier, pending};

/// The member's 星球ID in these tests (the sign-up form's nickname is "早起的小王").
const MEMBER_ID: i64 = 346_884_121_553;

fn today() -> NaiveDate {
    business_date(Utc::now())
}

/// Beijing wall-clock time on `day`.
fn beijing(day: NaiveDate, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    BUSINESS_TZ
        .from_local_datetime(&day.and_hms_opt(h, m, s).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn post(topic_id: Option<i64>, user_id: i64, name: &str, at: DateTime<Utc>) -> IncomingCheckin {
    IncomingCheckin {
        topic_id,
        user_id,
        name: name.into(),
        alias: None,
        created_at: at,
        text_len: 12,
        images_count: 1,
        excerpt: "今天早起跑步".into(),
    }
}

struct Scene {
    camp: CampDto,
    admin: Client,
    coach: Client,
    member: Client,
    enrollment_id: i64,
}

/// A camp (coach `coach_c`) with one paid member, its dates moved so it runs
/// from five days ago to four days ahead (10 days, 7 required).
async fn scene(app: &TestApp, planet_id: &str) -> Scene {
    let admin = app.admin().await;
    let (coach_user, coach) = app.staff(&admin, "coach_c", Role::Coach).await;
    let camp: CampDto = admin
        .post_json(
            "/api/v1/admin/camps",
            &app.camp_request(&admin, coach_user.id).await,
        )
        .await
        .unwrap();
    let member = app.anonymous();
    let (enrollment_id, out_trade_no) = pending(&member, camp.id, &form(planet_id)).await;
    pay_in_cashier(app, &out_trade_no).await;
    app.eventually("payment", || async {
        order_status_in_db(app, &out_trade_no).await == "paid"
    })
    .await;
    camps::Entity::update_many()
        .col_expr(camps::Column::StartDate, Expr::value(start()))
        .col_expr(camps::Column::EndDate, Expr::value(end()))
        .filter(camps::Column::Id.eq(camp.id))
        .exec(&app.db)
        .await
        .unwrap();
    Scene {
        camp,
        admin,
        coach,
        member,
        enrollment_id,
    }
}

fn start() -> NaiveDate {
    today().checked_sub_days(Days::new(5)).unwrap()
}

fn end() -> NaiveDate {
    today().checked_add_days(Days::new(4)).unwrap()
}

fn day(offset: i64) -> NaiveDate {
    start() + chrono::Duration::days(offset)
}

async fn enrollment(app: &TestApp, id: i64) -> enrollments::Model {
    enrollments::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn record_count(app: &TestApp, camp_id: i64) -> u64 {
    checkin_records::Entity::find()
        .filter(checkin_records::Column::CampId.eq(camp_id))
        .count(&app.db)
        .await
        .unwrap()
}

/// Stores posts as a sync does: with the `MatchCamp` that follows, in one transaction.
async fn sync_posts(app: &TestApp, camp_id: i64, posts: &[IncomingCheckin]) -> u64 {
    let txn = app.db.begin().await.unwrap();
    let outcome = records::store(&txn, camp_id, Source::Sync, posts)
        .await
        .unwrap();
    server::outbox::enqueue(&txn, &server::checkins::MatchCamp { camp_id })
        .await
        .unwrap();
    txn.commit().await.unwrap();
    outcome.inserted
}

/// Runs matching now (what the `MatchCamp` job does).
async fn match_now(app: &TestApp, camp_id: i64) {
    let txn = app.db.begin().await.unwrap();
    server::checkins::matching::apply(&txn, camp_id)
        .await
        .unwrap();
    txn.commit().await.unwrap();
}

fn multipart(file_name: &str, bytes: &[u8]) -> (Vec<u8>, &'static str) {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--XBOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--XBOUNDARY--\r\n");
    (body, "multipart/form-data; boundary=XBOUNDARY")
}

async fn import(client: &Client, camp_id: i64, csv: &str) -> (StatusCode, serde_json::Value) {
    let response = client
        .raw(
            Method::POST,
            &format!("/api/v1/admin/camps/{camp_id}/checkins/import"),
            Some(multipart("checkins.csv", csv.as_bytes())),
        )
        .await;
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn storing_twice_or_concurrently_keeps_one_record_per_post() {
    let app = TestApp::spawn().await;
    let s = scene(&app, "346884121553").await;
    let posts: Vec<_> = (0..30)
        .map(|i| {
            post(
                Some(88_855_524_125_542_000 + i),
                MEMBER_ID + i,
                "小王",
                beijing(day(0), 8, 0, 0) + chrono::Duration::minutes(i),
            )
        })
        .collect();
    let first = records::store(&app.db, s.camp.id, Source::Sync, &posts)
        .await
        .unwrap();
    assert_eq!(first.inserted, 30);
    let again = records::store(&app.db, s.camp.id, Source::Sync, &posts)
        .await
        .unwrap();
    assert_eq!(again.inserted, 0);
    // Two runs racing over the same and new posts.
    let mut more = posts.clone();
    more.push(post(Some(99), MEMBER_ID, "小王", beijing(day(1), 9, 0, 0)));
    let (a, b) = tokio::join!(
        records::store(&app.db, s.camp.id, Source::Sync, &more),
        records::store(&app.db, s.camp.id, Source::Sync, &more),
    );
    assert_eq!(a.unwrap().inserted + b.unwrap().inserted, 1);
    assert_eq!(record_count(&app, s.camp.id).await, 31);
    // Topic ids above 2^53 survive.
    let big = checkin_records::Entity::find()
        .filter(checkin_records::Column::TopicId.eq(88_855_524_125_542_029_i64))
        .one(&app.db)
        .await
        .unwrap();
    assert!(big.is_some());
}

#[tokio::test]
async fn an_imported_row_and_a_synced_post_of_the_same_minute_are_one_record() {
    let app = TestApp::spawn().await;
    let s = scene(&app, "346884121553").await;
    let at = beijing(day(1), 7, 30, 0);
    let csv = format!(
        "星球ID,星球昵称,打卡时间,微信昵称,内容摘要\n{MEMBER_ID},早起的小王,{},wang,晨跑\n",
        at.with_timezone(&BUSINESS_TZ).format("%Y-%m-%d %H:%M")
    );
    let (status, body) = import(&s.admin, s.camp.id, &csv).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcome: ImportOutcome = serde_json::from_value(body).unwrap();
    assert_eq!((outcome.rows, outcome.inserted), (1, 1));
    // The synced post of the same account 42 seconds later in the same minute.
    let synced = post(
        Some(77_777),
        MEMBER_ID,
        "早起的小王",
        at + chrono::Duration::seconds(42),
    );
    assert_eq!(sync_posts(&app, s.camp.id, &[synced]).await, 0);
    assert_eq!(record_count(&app, s.camp.id).await, 1);
    let record = checkin_records::Entity::find()
        .filter(checkin_records::Column::CampId.eq(s.camp.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        record.topic_id,
        Some(77_777),
        "the import learns the topic id"
    );
    // Importing the same file again adds nothing.
    let (status, body) = import(&s.admin, s.camp.id, &csv).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["inserted"], 0);
    // The import was audited and matched the member through the outbox.
    let audits = audit_logs::Entity::find()
        .filter(audit_logs::Column::Action.eq("import_checkins"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audits, 2);
    app.eventually("matching after the import", || async {
        let e = enrollment(&app, s.enrollment_id).await;
        e.match_status == "matched" && e.checkin_days == 1
    })
    .await;
}

#[tokio::test]
async fn an_import_with_one_bad_row_applies_nothing_and_names_the_row_and_column() {
    let app = TestApp::spawn().await;
    let s = scene(&app, "346884121553").await;
    let csv = format!(
        "星球ID,星球昵称,打卡时间\n\
         {MEMBER_ID},小王,{} 08:30\n\
         {MEMBER_ID},小王,昨天早上\n\
         {MEMBER_ID},小王,{} 08:30:00\n",
        day(0),
        day(1).format("%Y/%-m/%-d")
    );
    let (status, body) = import(&s.admin, s.camp.id, &csv).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "validation");
    let fields: Vec<&String> = body["details"]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(fields, vec!["3:打卡时间"]);
    assert_eq!(record_count(&app, s.camp.id).await, 0);

    // The same file fixed is applied whole; the template is offered.
    let fixed = csv.replace("昨天早上", &format!("{} 09:00", day(2)));
    let (status, body) = import(&s.admin, s.camp.id, &fixed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(record_count(&app, s.camp.id).await, 3);
    let template = s
        .admin
        .raw(
            Method::GET,
            &format!("/api/v1/admin/camps/{}/checkins/import-template", s.camp.id),
            None,
        )
        .await;
    assert_eq!(template.status(), StatusCode::OK);
    assert!(template.bytes().await.unwrap().starts_with(b"PK"));
    // A coach sees the camp's check-ins but may not import (PRD §2.2).
    let (status, body) = import(&s.coach, s.camp.id, &fixed).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn a_payment_is_matched_through_the_outbox() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (coach, _) = app.staff(&admin, "coach_o", Role::Coach).await;
    let camp: CampDto = admin
        .post_json(
            "/api/v1/admin/camps",
            &app.camp_request(&admin, coach.id).await,
        )
        .await
        .unwrap();
    // Posts synced before the member pays.
    let tomorrow = today().succ_opt().unwrap();
    records::store(
        &app.db,
        camp.id,
        Source::Sync,
        &[post(
            Some(1),
            MEMBER_ID,
            "早起的小王",
            beijing(tomorrow, 7, 0, 0),
        )],
    )
    .await
    .unwrap();
    let (id, out_trade_no) = pending(&app.anonymous(), camp.id, &form("346884121553")).await;
    pay_in_cashier(&app, &out_trade_no).await;
    app.eventually("matching after the payment", || async {
        let e = enrollment(&app, id).await;
        e.match_status == "matched" && e.matched_user_id == Some(MEMBER_ID) && e.checkin_days == 1
    })
    .await;
    let e = enrollment(&app, id).await;
    assert_eq!(e.match_confidence, 100);
    let page: Page<EnrollmentRow> = admin
        .get(&format!(
            "/api/v1/admin/enrollments?camp_id={}&match_status=matched",
            camp.id
        ))
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].match_confidence, Some(100));
    assert_eq!(page.items[0].match_status, "已匹配");
    let none: Page<EnrollmentRow> = admin
        .get(&format!(
            "/api/v1/admin/enrollments?camp_id={}&match_status=failed",
            camp.id
        ))
        .await
        .unwrap();
    assert_eq!(none.total, 0);
}

#[tokio::test]
async fn a_manual_match_survives_automatic_matching_and_can_be_undone() {
    let app = TestApp::spawn().await;
    // The member typed a 星球ID no account has; one account has the same nickname.
    let s = scene(&app, "111111111111").await;
    let nickname_twin = 500_000_000_001;
    let chosen = 500_000_000_002;
    sync_posts(
        &app,
        s.camp.id,
        &[
            post(
                Some(1),
                nickname_twin,
                "早起的小王",
                beijing(day(0), 7, 0, 0),
            ),
            post(Some(2), chosen, "王大锤", beijing(day(0), 7, 5, 0)),
            post(Some(3), chosen, "王大锤", beijing(day(1), 7, 5, 0)),
        ],
    )
    .await;
    match_now(&app, s.camp.id).await;
    let e = enrollment(&app, s.enrollment_id).await;
    assert_eq!(
        (
            e.match_status.as_str(),
            e.match_confidence,
            e.matched_user_id
        ),
        ("needs_confirmation", 66, Some(nickname_twin))
    );

    let accounts: Vec<PlanetAccountDto> = s
        .admin
        .get(&format!(
            "/api/v1/admin/camps/{}/planet-accounts",
            s.camp.id
        ))
        .await
        .unwrap();
    assert_eq!(
        accounts
            .iter()
            .map(|a| (a.user_id, a.posts))
            .collect::<Vec<_>>(),
        vec![(chosen, 2), (nickname_twin, 1)]
    );

    // A coach may look but not match (PRD §2.2); an account from outside the camp is refused.
    let err = s
        .coach
        .put_json::<EnrollmentDetail>(
            &format!("/api/v1/admin/enrollments/{}/match", s.enrollment_id),
            &ManualMatchRequest { user_id: chosen },
        )
        .await
        .unwrap_err();
    assert_eq!(err.error.code, ErrorCode::Forbidden);
    let err = s
        .admin
        .put_json::<EnrollmentDetail>(
            &format!("/api/v1/admin/enrollments/{}/match", s.enrollment_id),
            &ManualMatchRequest { user_id: 42 },
        )
        .await
        .unwrap_err();
    assert_eq!(err.error.code, ErrorCode::Validation);
    assert!(err.error.field_message("user_id").is_some());

    let detail: EnrollmentDetail = s
        .admin
        .put_json(
            &format!("/api/v1/admin/enrollments/{}/match", s.enrollment_id),
            &ManualMatchRequest { user_id: chosen },
        )
        .await
        .unwrap();
    assert_eq!(detail.checkins.panel.status, MatchStatus::Manual);
    assert_eq!(detail.checkins.panel.user_id, Some(chosen));
    assert_eq!(detail.checkins.panel.checkin_days, 2);
    assert_eq!(detail.checkins.records.len(), 2);

    // Automatic matching runs again (a new post by the nickname twin): the manual match stands.
    sync_posts(
        &app,
        s.camp.id,
        &[post(
            Some(4),
            nickname_twin,
            "早起的小王",
            beijing(day(2), 7, 0, 0),
        )],
    )
    .await;
    match_now(&app, s.camp.id).await;
    let e = enrollment(&app, s.enrollment_id).await;
    assert!(e.match_manual);
    assert_eq!(
        (e.match_status.as_str(), e.matched_user_id),
        ("manual", Some(chosen))
    );

    // Undo: back to automatic (the nickname tier), audited both ways.
    let detail: EnrollmentDetail = s
        .admin
        .send_json(
            Method::DELETE,
            &format!("/api/v1/admin/enrollments/{}/match", s.enrollment_id),
            &(),
        )
        .await
        .unwrap();
    assert_eq!(detail.checkins.panel.status, MatchStatus::NeedsConfirmation);
    assert_eq!(detail.checkins.panel.user_id, Some(nickname_twin));
    assert_eq!(detail.checkins.panel.checkin_days, 2);
    assert!(!detail.checkins.panel.manual);
    for action in ["manual_match", "undo_manual_match"] {
        let n = audit_logs::Entity::find()
            .filter(audit_logs::Column::Action.eq(action))
            .filter(audit_logs::Column::TargetId.eq(s.enrollment_id))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(n, 1, "{action}");
    }
    let err = s
        .admin
        .send_json::<EnrollmentDetail>(
            Method::DELETE,
            &format!("/api/v1/admin/enrollments/{}/match", s.enrollment_id),
            &(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.error.code, ErrorCode::Conflict);
}

#[tokio::test]
async fn days_are_counted_at_the_beijing_day_and_camp_boundaries() {
    let app = TestApp::spawn().await;
    let s = scene(&app, "346884121553").await;
    let last = end();
    let posts = [
        post(Some(10), MEMBER_ID, "小王", beijing(day(-1), 23, 59, 59)), // before the start
        post(Some(11), MEMBER_ID, "小王", beijing(day(0), 0, 0, 0)),
        post(Some(12), MEMBER_ID, "小王", beijing(day(1), 8, 0, 0)),
        post(Some(13), MEMBER_ID, "小王", beijing(day(1), 23, 59, 59)), // same day twice
        post(Some(14), MEMBER_ID, "小王", beijing(day(3), 0, 0, 0)),
        post(Some(15), MEMBER_ID, "小王", beijing(last, 23, 59, 59)),
        post(
            Some(16),
            MEMBER_ID,
            "小王",
            beijing(last.succ_opt().unwrap(), 0, 0, 0),
        ), // after the end
    ];
    sync_posts(&app, s.camp.id, &posts).await;
    app.eventually("the count after the sync", || async {
        enrollment(&app, s.enrollment_id).await.checkin_days == 4
    })
    .await;

    let progress: MemberProgress = s
        .member
        .get(&format!("/api/v1/enrollments/{}/progress", s.enrollment_id))
        .await
        .unwrap();
    assert_eq!(progress.progress.checked_days, 4);
    assert_eq!(progress.progress.required_days, 7);
    assert_eq!(progress.progress.days_needed, 3);
    assert!(!progress.progress.eligible);
    assert_eq!(progress.progress.elapsed_days, 6);
    assert_eq!(
        progress.days.iter().map(|d| d.date).collect::<Vec<_>>(),
        vec![day(0), day(1), day(3), last]
    );
    assert_eq!(progress.days[1].times.len(), 2);
    // Stored without a sync run: no successful sync to date the data by.
    assert_eq!(progress.last_sync_at, None);
    assert_eq!(progress.refund_status, None);

    let stats: CampCheckinStats = s
        .admin
        .get(&format!("/api/v1/admin/camps/{}/checkin-stats", s.camp.id))
        .await
        .unwrap();
    assert_eq!((stats.total_members, stats.eligible_members), (1, 0));
    assert_eq!(stats.days.len(), 10);
    assert_eq!(
        stats.members[0].checked,
        vec![
            true, true, false, true, false, false, false, false, false, true
        ]
    );
    // 平均打卡率: counted days (4) over the camp days so far (6).
    assert!(
        (stats.average_rate_percent - 66.7).abs() < 0.01,
        "{}",
        stats.average_rate_percent
    );

    // A post deleted on Knowledge Planet stops counting.
    let seen: HashSet<i64> = [10, 11, 12, 13, 14, 16].into();
    let gone = records::mark_gone(&app.db, s.camp.id, &seen, beijing(day(-1), 0, 0, 0))
        .await
        .unwrap();
    assert_eq!(gone, 1);
    match_now(&app, s.camp.id).await;
    assert_eq!(enrollment(&app, s.enrollment_id).await.checkin_days, 3);
    let listed: Page<CheckinRecordDto> = s
        .admin
        .get(&format!(
            "/api/v1/admin/checkins?camp_id={}&page_size=100",
            s.camp.id
        ))
        .await
        .unwrap();
    assert_eq!(listed.total, 7);
    assert_eq!(listed.items.iter().filter(|r| r.gone).count(), 1);
    assert!(
        listed
            .items
            .iter()
            .all(|r| r.enrollment_id == Some(s.enrollment_id))
    );

    // The ranking cross-check lands on the enrollment.
    records::record_ranking(
        &app.db,
        s.camp.id,
        &[RankingRow {
            user_id: MEMBER_ID,
            name: "小王".into(),
            alias: None,
            checkined_days: 5,
        }],
    )
    .await
    .unwrap();
    match_now(&app, s.camp.id).await;
    assert_eq!(
        enrollment(&app, s.enrollment_id).await.ranking_days,
        Some(5)
    );
}

#[tokio::test]
async fn the_records_list_filters_and_bounds_its_parameters() {
    let app = TestApp::spawn().await;
    let s = scene(&app, "346884121553").await;
    sync_posts(
        &app,
        s.camp.id,
        &[
            post(Some(1), MEMBER_ID, "早起的小王", beijing(day(0), 7, 0, 0)),
            post(Some(2), 600_000_000_001, "Other", beijing(day(2), 7, 0, 0)),
        ],
    )
    .await;
    app.eventually("matching after the sync", || async {
        enrollment(&app, s.enrollment_id).await.checkin_days == 1
    })
    .await;
    let get = |query: String| {
        let admin = &s.admin;
        async move {
            admin
                .get::<Page<CheckinRecordDto>>(&format!("/api/v1/admin/checkins?{query}"))
                .await
        }
    };
    assert_eq!(
        get(format!("camp_id={}&q=other", s.camp.id))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(get(format!("q={MEMBER_ID}")).await.unwrap().total, 1);
    assert_eq!(
        get(format!("from={}&to={}", day(1), day(2)))
            .await
            .unwrap()
            .total,
        1
    );
    let err = get(format!("from={}&to={}", day(2), day(1)))
        .await
        .unwrap_err();
    assert_eq!(err.error.code, ErrorCode::Validation);
    assert!(err.error.field_message("to").is_some());
    let err = get(format!("q={}", "长".repeat(65))).await.unwrap_err();
    assert!(err.error.field_message("q").is_some());
    let err = get("page_size=1000".into()).await.unwrap_err();
    assert!(err.error.field_message("page_size").is_some());
    let export = s
        .admin
        .raw(Method::GET, "/api/v1/admin/checkins/export.xlsx", None)
        .await;
    let rows = sheet_rows(export, "打卡记录").await;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][1], "星球ID");
    assert_eq!(
        rows[2][1],
        MEMBER_ID.to_string(),
        "oldest last, 星球ID as text"
    );
    let export = s
        .admin
        .raw(
            Method::GET,
            &format!(
                "/api/v1/admin/camps/{}/checkin-stats/export.xlsx",
                s.camp.id
            ),
            None,
        )
        .await;
    let rows = sheet_rows(export, "打卡统计").await;
    assert_eq!(rows[1][1], "1", "总人数");
    let member = rows.iter().find(|r| r[1] == "346884121553").unwrap();
    assert_eq!(member[3], "1", "已打卡天数");
    assert_eq!(&member[5..8], ["✅", "❌", "❌"]);
}

/// The cells of one sheet of an exported workbook, as text.
async fn sheet_rows(response: reqwest::Response, sheet: &str) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap();
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    workbook
        .worksheet_range(sheet)
        .unwrap()
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn coaches_see_only_their_camps_and_members_only_their_own_progress() {
    let app = TestApp::spawn().await;
    let s = scene(&app, "346884121553").await;
    sync_posts(
        &app,
        s.camp.id,
        &[post(
            Some(1),
            MEMBER_ID,
            "早起的小王",
            beijing(day(0), 7, 0, 0),
        )],
    )
    .await;
    let (_, other_coach) = app.staff(&s.admin, "coach_other", Role::Coach).await;
    let (_, volunteer) = app.staff(&s.admin, "vol_other", Role::Volunteer).await;
    for client in [&other_coach, &volunteer] {
        let page: Page<CheckinRecordDto> = client.get("/api/v1/admin/checkins").await.unwrap();
        assert_eq!(page.total, 0, "no rows of another camp");
        let page: Page<CheckinRecordDto> = client
            .get(&format!("/api/v1/admin/checkins?camp_id={}", s.camp.id))
            .await
            .unwrap();
        assert_eq!(page.total, 0);
        for path in [
            format!("/api/v1/admin/camps/{}/checkin-stats", s.camp.id),
            format!("/api/v1/admin/camps/{}/planet-accounts", s.camp.id),
            format!(
                "/api/v1/admin/camps/{}/checkin-stats/export.xlsx",
                s.camp.id
            ),
        ] {
            let status = client.raw(Method::GET, &path, None).await.status();
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
    }
    let own: Page<CheckinRecordDto> = s.coach.get("/api/v1/admin/checkins").await.unwrap();
    assert_eq!(own.total, 1);
    let stats: CampCheckinStats = s
        .coach
        .get(&format!("/api/v1/admin/camps/{}/checkin-stats", s.camp.id))
        .await
        .unwrap();
    assert_eq!(stats.total_members, 1);

    let path = format!("/api/v1/enrollments/{}/progress", s.enrollment_id);
    let err = app
        .anonymous()
        .get::<MemberProgress>(&path)
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::NOT_FOUND);
    let err = s.admin.get::<MemberProgress>(&path).await.unwrap_err();
    assert_eq!(
        err.status,
        StatusCode::NOT_FOUND,
        "staff are not the member"
    );
    let mine: MemberProgress = s.member.get(&path).await.unwrap();
    assert_eq!(mine.enrollment_id, s.enrollment_id);
}

/// PRD §4.1.4 "数据每天01:00后更新" with the time of the last successful sync:
/// a later failed or running run does not move it; a later import does.
#[tokio::test]
async fn the_progress_page_dates_its_data_by_the_last_successful_sync() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::spawn().await;
    let s = scene(&app, "346884121553").await;
    let progress = |s: &Scene| {
        let (member, id) = (s.member.clone(), s.enrollment_id);
        async move {
            member
                .get::<MemberProgress>(&format!("/api/v1/enrollments/{id}/progress"))
                .await
                .unwrap()
                .last_sync_at
        }
    };
    assert_eq!(progress(&s).await, None);

    let at = |minutes: i64| Utc::now() - chrono::Duration::minutes(minutes);
    let run = |status: &str, finished: Option<DateTime<Utc>>| sync_runs::ActiveModel {
        camp_id: Set(s.camp.id),
        trigger: Set("schedule".into()),
        kind: Set("incremental".into()),
        started_at: Set(at(90)),
        finished_at: Set(finished),
        status: Set(status.into()),
        pages: Set(1),
        requests: Set(1),
        new_records: Set(0),
        error: Set(String::new()),
        newest_create_time: Set(None),
        ..Default::default()
    };
    let succeeded = at(60);
    run(sync_runs::SUCCEEDED, Some(succeeded))
        .insert(&app.db)
        .await
        .unwrap();
    run(sync_runs::FAILED, Some(at(30)))
        .insert(&app.db)
        .await
        .unwrap();
    run(sync_runs::RUNNING, None).insert(&app.db).await.unwrap();
    let shown = progress(&s).await.unwrap();
    assert!(
        (shown - succeeded).num_milliseconds().abs() < 1000,
        "{shown} vs {succeeded}"
    );

    let csv = format!(
        "星球ID,星球昵称,打卡时间\n{MEMBER_ID},小王,{} 08:00\n",
        day(0)
    );
    let (status, body) = import(&s.admin, s.camp.id, &csv).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(progress(&s).await.unwrap() > succeeded);
}

/// PRD §4.2.3: the admin's check-in pages render their data in the first HTML
/// (records, the statistics with the calendar, the member's match panel), and a
/// coach of another camp sees none of it.
#[tokio::test]
async fn the_admin_check_in_pages_render_real_data_for_staff_of_the_camp_only() {
    let app = TestApp::spawn().await;
    let s = scene(&app, "346884121553").await;
    let posts = [
        post(
            Some(31),
            MEMBER_ID,
            "页面上的小王",
            beijing(day(0), 7, 0, 0),
        ),
        post(
            Some(32),
            MEMBER_ID,
            "页面上的小王",
            beijing(day(1), 7, 0, 0),
        ),
    ];
    sync_posts(&app, s.camp.id, &posts).await;
    app.eventually("the count after the sync", || async {
        enrollment(&app, s.enrollment_id).await.checkin_days == 2
    })
    .await;
    let html = |client: Client, path: String| async move {
        client
            .raw(Method::GET, &path, None)
            .await
            .text()
            .await
            .unwrap()
    };

    let records = html(s.admin.clone(), "/admin/checkins".into()).await;
    assert!(records.contains("打卡记录"), "the tab strip");
    assert!(records.contains("页面上的小王"), "the poster's name");
    assert!(records.contains(&MEMBER_ID.to_string()));
    let stats = html(
        s.admin.clone(),
        format!("/admin/checkins/stats?camp_id={}", s.camp.id),
    )
    .await;
    assert!(stats.contains("总人数") && stats.contains("平均打卡率"));
    assert!(stats.contains("满足退款条件人数"));
    assert_eq!(
        stats.matches("el-calendar-cell done").count(),
        2,
        "one ✓ per counted day"
    );
    let detail = html(
        s.admin.clone(),
        format!("/admin/members/{}", s.enrollment_id),
    )
    .await;
    assert!(detail.contains("匹配信息"));
    assert!(detail.contains(r#"data-match-status="matched""#));
    assert!(detail.contains("2天"), "the counted days");

    let coach_records = html(s.coach.clone(), "/admin/checkins".into()).await;
    assert!(
        coach_records.contains("页面上的小王"),
        "the camp's own coach"
    );
    let admin = app.admin().await;
    let (_, other_coach) = app.staff(&admin, "coach_other", Role::Coach).await;
    let other = html(other_coach, "/admin/checkins".into()).await;
    assert!(other.contains("打卡记录"));
    assert!(!other.contains("页面上的小王"), "another camp's coach");
}

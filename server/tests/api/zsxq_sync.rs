//! Knowledge Planet over real HTTP against the built-in simulator: the
//! settings and "测试连接", publishing a camp's check-in project, the sync runs
//! (paging, re-runs, the overlap window, throttling, an expired cookie), and
//! the sandbox's check-in tools.

use chrono::{Duration, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::settings::zsxq::{KEY, StoredZsxq};
use shared::api::CampDto;
use shared::error::ErrorCode;
use shared::planet::{
    PlanetConnectionTest, PlanetPublished, PlanetSettingsUpdate, PlanetSettingsView,
    SandboxCheckinsCreated, SandboxCheckinsRequest, SyncRunDto, SyncStarted,
};
use shared::roles::Role;

use crate::helpers::*;

/// No pause between calls and a 10 ms back-off unit: the behaviour, not the waiting.
async fn fast_client(app: &TestApp) {
    let (mut stored, _) = server::settings::load::<StoredZsxq>(&app.db, KEY)
        .await
        .unwrap()
        .unwrap();
    stored.spacing_ms = 0;
    stored.backoff_ms = 10;
    server::settings::save(&app.db, KEY, &stored, None)
        .await
        .unwrap();
}

async fn faults(app: &TestApp, body: Value) -> Value {
    let response = app
        .anonymous()
        .raw(
            Method::POST,
            "/sandbox/zsxq/control",
            Some((serde_json::to_vec(&body).unwrap(), "application/json")),
        )
        .await;
    assert!(response.status().is_success());
    response.json().await.unwrap()
}

async fn calls(app: &TestApp) -> u64 {
    let response = app
        .anonymous()
        .raw(Method::GET, "/sandbox/zsxq/control", None)
        .await;
    let body: Value = response.json().await.unwrap();
    body["calls"].as_u64().unwrap()
}

/// A camp (project `project`) whose first day is `start`.
async fn camp_with(app: &TestApp, admin: &Client, project: &str) -> CampDto {
    let (coach, _) = app
        .staff(
            admin,
            &format!("coach_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
            Role::Coach,
        )
        .await;
    let mut request = app.camp_request(admin, coach.id).await;
    request.planet_project_id = project.into();
    admin
        .post_json("/api/v1/admin/camps", &request)
        .await
        .unwrap()
}

fn tomorrow() -> NaiveDate {
    shared::dates::business_date(Utc::now()) + Duration::days(1)
}

async fn add_posts(
    admin: &Client,
    project: &str,
    user_id: i64,
    name: &str,
    dates: Vec<NaiveDate>,
    time: &str,
) -> u64 {
    let request = SandboxCheckinsRequest {
        checkin_id: project.into(),
        user_id: user_id.to_string(),
        name: name.into(),
        alias: String::new(),
        dates,
        time: Some(time.into()),
    };
    let created: SandboxCheckinsCreated = admin
        .post_json("/api/v1/admin/sandbox/zsxq/checkins", &request)
        .await
        .unwrap();
    created.created
}

/// Starts a sync and waits for it to end; returns the finished run.
async fn sync(admin: &Client, camp_id: i64, kind: &str) -> SyncRunDto {
    let started: SyncStarted = admin
        .post(&format!("/api/v1/admin/camps/{camp_id}/sync?kind={kind}"))
        .await
        .unwrap();
    let path = format!("/api/v1/admin/sync-runs?camp_id={camp_id}");
    for _ in 0..150 {
        let runs: Vec<SyncRunDto> = admin.get(&path).await.unwrap();
        let run = runs.into_iter().find(|r| r.id == started.run_id).unwrap();
        if run.status != "running" {
            return run;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("sync run {} did not finish", started.run_id);
}

#[tokio::test]
async fn settings_hide_the_cookie_and_the_connection_test_says_whose_it_is() {
    let app = TestApp::spawn().await;
    fast_client(&app).await;
    let admin = app.admin().await;
    let response = admin
        .raw(Method::GET, "/api/v1/admin/settings/zsxq", None)
        .await;
    let text = response.text().await.unwrap();
    let view: PlanetSettingsView = serde_json::from_str(&text).unwrap();
    assert!(view.access_token_set && view.sandbox);
    let (stored, _) = server::settings::load::<StoredZsxq>(&app.db, KEY)
        .await
        .unwrap()
        .unwrap();
    let token =
        server::secrets::open_string(&app.state.keys.secrets, &stored.access_token_sealed).unwrap();
    assert!(!text.contains(&token), "the cookie is never returned");
    assert!(
        !stored.access_token_sealed.contains(&token),
        "sealed at rest"
    );

    let test: PlanetConnectionTest = admin
        .post("/api/v1/admin/settings/zsxq/test")
        .await
        .unwrap();
    assert!(test.ok, "{test:?}");
    assert_eq!(test.user_name.as_deref(), Some("星主（沙箱）"));
    assert_eq!(test.group_name.as_deref(), Some("沙箱星球"));

    faults(&app, json!({ "cookie_expired": true })).await;
    let expired: PlanetConnectionTest = admin
        .post("/api/v1/admin/settings/zsxq/test")
        .await
        .unwrap();
    assert!(!expired.ok && expired.cookie_expired, "{expired:?}");
    faults(&app, json!({})).await;

    // A wrong cookie is refused by the simulator as the real service would.
    let update = PlanetSettingsUpdate {
        base_url: String::new(),
        group_id: view.group_id.clone(),
        access_token: "WRONG-TOKEN".into(),
        spacing_ms: 0,
    };
    let saved: PlanetSettingsView = admin
        .put_json("/api/v1/admin/settings/zsxq", &update)
        .await
        .unwrap();
    assert!(saved.access_token_set && !saved.sandbox);
    let refused: PlanetConnectionTest = admin
        .post("/api/v1/admin/settings/zsxq/test")
        .await
        .unwrap();
    assert!(refused.cookie_expired);

    let bad = PlanetSettingsUpdate {
        group_id: "星球".into(),
        access_token: "a b".into(),
        spacing_ms: 70_000,
        ..update
    };
    let failure = admin
        .put_json::<PlanetSettingsView>("/api/v1/admin/settings/zsxq", &bad)
        .await
        .unwrap_err();
    assert_eq!(failure.error.code, ErrorCode::Validation);
    let fields = failure.error.details.unwrap().fields;
    for field in ["group_id", "access_token", "spacing_ms"] {
        assert!(fields.contains_key(field), "{field}: {fields:?}");
    }
    let audit: Value = admin
        .get("/api/v1/audit-logs?action=update_planet_settings")
        .await
        .unwrap();
    assert!(!audit.to_string().contains("WRONG-TOKEN"));
    assert!(audit.to_string().contains("update_planet_settings"));
}

#[tokio::test]
async fn publishing_creates_the_check_in_project_once() {
    let app = TestApp::spawn().await;
    fast_client(&app).await;
    let admin = app.admin().await;
    let camp = camp_with(&app, &admin, "").await;
    let (_, coach) = app.staff(&admin, "coach_pub", Role::Coach).await;
    let denied = coach
        .post::<PlanetPublished>(&format!("/api/v1/admin/camps/{}/publish-planet", camp.id))
        .await
        .unwrap_err();
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let published: PlanetPublished = admin
        .post(&format!("/api/v1/admin/camps/{}/publish-planet", camp.id))
        .await
        .unwrap();
    let project_id: i64 = published.planet_project_id.parse().unwrap();
    let reread: CampDto = admin
        .get(&format!("/api/v1/admin/camps/{}", camp.id))
        .await
        .unwrap();
    assert_eq!(reread.planet_project_id, published.planet_project_id);

    // The simulator holds the project as the create request described it.
    let state = &app.state;
    let client =
        server::settings::zsxq::client(&state.db, &state.config, &state.keys, &state.self_url)
            .await
            .unwrap()
            .unwrap();
    let project = client.checkin_project(project_id).await.unwrap();
    assert_eq!(project.title, camp.name);
    assert_eq!(project.checkin_days, camp.required_days);
    assert_eq!(project.kind, "accumulated");
    assert_eq!(project.text, "每天早起打卡");
    let end = camp.end_date;
    assert_eq!(
        project.validity.expiration_time,
        format!("{end}T23:59:59.000+0800")
    );

    let again = admin
        .post::<PlanetPublished>(&format!("/api/v1/admin/camps/{}/publish-planet", camp.id))
        .await
        .unwrap_err();
    assert_eq!(again.error.code, ErrorCode::PlanetAlreadyPublished);
    let audit: Value = admin
        .get("/api/v1/audit-logs?action=publish_planet")
        .await
        .unwrap();
    assert!(audit.to_string().contains(&published.planet_project_id));
}

#[tokio::test]
async fn a_sync_pages_through_every_post_and_a_rerun_reads_only_the_new_end() {
    let app = TestApp::spawn().await;
    fast_client(&app).await;
    let admin = app.admin().await;
    let project = "5151515151";
    let camp = camp_with(&app, &admin, project).await;
    let start = tomorrow();
    // 3 members × 9 days + 18 more for one = 45 posts: three pages of 20.
    let days: Vec<NaiveDate> = (0..9).map(|d| start + Duration::days(d)).collect();
    let mut added = 0;
    for (i, user) in [
        77_000_000_000_001_i64,
        77_000_000_000_002,
        77_000_000_000_003,
    ]
    .into_iter()
    .enumerate()
    {
        added += add_posts(
            &admin,
            project,
            user,
            &format!("会员{i}"),
            days.clone(),
            &format!("0{}:30", 7 + i),
        )
        .await;
    }
    for time in ["12:00", "21:00"] {
        added += add_posts(
            &admin,
            project,
            77_000_000_000_001,
            "会员0",
            days.clone(),
            time,
        )
        .await;
    }
    assert_eq!(added, 45);

    let before = calls(&app).await;
    let first = sync(&admin, camp.id, "incremental").await;
    assert_eq!(first.status, "succeeded", "{first:?}");
    assert_eq!(first.new_records, 45);
    // Three full pages and the page that brings nothing new.
    assert_eq!(first.pages, 4);
    assert_eq!(
        u64::try_from(first.requests).unwrap(),
        calls(&app).await - before
    );
    let newest = first.newest_create_time.unwrap();

    // A post late inside the overlap window (30 min before the newest) and one
    // long before it: the incremental run reads back only to the window.
    let late_day = shared::dates::business_date(newest);
    let late_time = (newest + Duration::hours(8) - Duration::minutes(30))
        .format("%H:%M")
        .to_string();
    add_posts(
        &admin,
        project,
        77_000_000_000_009,
        "迟到的会员",
        vec![late_day],
        &late_time,
    )
    .await;
    add_posts(
        &admin,
        project,
        77_000_000_000_009,
        "迟到的会员",
        vec![start],
        "06:00",
    )
    .await;
    let second = sync(&admin, camp.id, "incremental").await;
    assert_eq!(second.status, "succeeded", "{second:?}");
    assert_eq!(second.new_records, 1, "only the post inside the window");
    assert!(second.pages < first.pages, "{second:?}");

    let full = sync(&admin, camp.id, "full").await;
    assert_eq!(full.status, "succeeded", "{full:?}");
    assert_eq!(
        full.new_records, 1,
        "the full run finds the older one, nothing twice"
    );

    let ranking = sync(&admin, camp.id, "ranking").await;
    assert_eq!(ranking.status, "succeeded", "{ranking:?}");
    assert_eq!(ranking.new_records, 4, "four accounts ranked");
    assert_eq!(ranking.pages, 1);
}

#[tokio::test]
async fn throttling_is_retried_and_an_expired_cookie_fails_the_run_with_an_alert() {
    let app = TestApp::spawn().await;
    fast_client(&app).await;
    let admin = app.admin().await;
    let project = "6161616161";
    let camp = camp_with(&app, &admin, project).await;
    add_posts(
        &admin,
        project,
        88_000_000_000_001,
        "会员",
        vec![tomorrow()],
        "20:00",
    )
    .await;

    faults(&app, json!({ "throttle_1059": 2, "http_429": 1 })).await;
    let throttled = sync(&admin, camp.id, "incremental").await;
    assert_eq!(throttled.status, "succeeded", "{throttled:?}");
    assert_eq!(throttled.new_records, 1);
    assert_eq!(
        throttled.requests,
        throttled.pages + 3,
        "three retried calls"
    );

    faults(&app, json!({ "throttle_1059": 10 })).await;
    let gave_up = sync(&admin, camp.id, "incremental").await;
    assert_eq!(gave_up.status, "failed");
    assert_eq!(gave_up.requests, 4, "the call and three retries");
    assert!(gave_up.error.contains("频繁"), "{gave_up:?}");

    faults(&app, json!({ "cookie_expired": true })).await;
    let expired = sync(&admin, camp.id, "incremental").await;
    assert_eq!(expired.status, "failed");
    assert_eq!(expired.error, "知识星球Cookie已失效");
    assert_eq!(expired.requests, 1, "no retry on an expired cookie");
    let alerts: Value = admin.get("/api/v1/admin/alerts").await.unwrap();
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "planet_cookie_expired"),
        "{alerts}"
    );
    // Visible: a banner above every admin page, naming where to fix it.
    let page = |client: &Client| {
        let client = client.clone();
        async move {
            client
                .raw(reqwest::Method::GET, "/admin/camps", None)
                .await
                .text()
                .await
                .unwrap()
        }
    };
    let html = page(&admin).await;
    assert!(html.contains(r#"data-alert-kind="planet_cookie_expired""#));
    assert!(html.contains("知识星球Cookie已失效") && html.contains("去系统设置更新Cookie"));
    let (_, coach) = app
        .staff(&admin, "coach_banner", shared::roles::Role::Coach)
        .await;
    assert!(
        !page(&coach).await.contains("data-alert-kind"),
        "admins only"
    );
    let id = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "planet_cookie_expired")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let _: Value = admin
        .post(&format!("/api/v1/admin/alerts/{id}/resolve"))
        .await
        .unwrap();
    assert!(
        !page(&admin).await.contains("data-alert-kind"),
        "gone once handled"
    );
}

#[tokio::test]
async fn staff_see_only_their_camps_runs_and_the_sandbox_tools_check_input() {
    let app = TestApp::spawn().await;
    fast_client(&app).await;
    let admin = app.admin().await;
    let mine = camp_with(&app, &admin, "7171717171").await;
    let other = camp_with(&app, &admin, "7272727272").await;
    sync(&admin, other.id, "incremental").await;
    let (coach_user, coach) = app.staff(&admin, "coach_runs", Role::Coach).await;
    let mut request = app.camp_request(&admin, coach_user.id).await;
    request.planet_project_id = "7373737373".into();
    let coached: CampDto = admin
        .post_json("/api/v1/admin/camps", &request)
        .await
        .unwrap();
    let _ = mine;
    let started: SyncStarted = coach
        .post(&format!("/api/v1/admin/camps/{}/sync", coached.id))
        .await
        .unwrap();
    let runs: Vec<SyncRunDto> = coach.get("/api/v1/admin/sync-runs").await.unwrap();
    assert!(runs.iter().all(|r| r.camp_id == coached.id));
    assert!(runs.iter().any(|r| r.id == started.run_id));
    let hidden = coach
        .get::<Vec<SyncRunDto>>(&format!("/api/v1/admin/sync-runs?camp_id={}", other.id))
        .await
        .unwrap_err();
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let refused = coach
        .post::<SyncStarted>(&format!("/api/v1/admin/camps/{}/sync", other.id))
        .await
        .unwrap_err();
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let bad_kind = admin
        .post::<SyncStarted>(&format!("/api/v1/admin/camps/{}/sync?kind=all", other.id))
        .await
        .unwrap_err();
    assert_eq!(bad_kind.status, StatusCode::UNPROCESSABLE_ENTITY);

    let bad = SandboxCheckinsRequest {
        checkin_id: "abc".into(),
        user_id: "-1".into(),
        name: "x".into(),
        alias: String::new(),
        dates: vec![],
        time: Some("25:99".into()),
    };
    let failure = admin
        .post_json::<SandboxCheckinsCreated>("/api/v1/admin/sandbox/zsxq/checkins", &bad)
        .await
        .unwrap_err();
    let fields = failure.error.details.unwrap().fields;
    for field in ["checkin_id", "user_id", "dates", "time"] {
        assert!(fields.contains_key(field), "{field}: {fields:?}");
    }
}

#[tokio::test]
async fn the_simulator_is_strict_about_the_cookie_and_parameters() {
    let app = TestApp::spawn().await;
    let (planet, _) = server::settings::load::<server::settings::zsxq::StoredSandboxZsxq>(
        &app.db,
        server::settings::zsxq::SANDBOX_KEY,
    )
    .await
    .unwrap()
    .unwrap();
    let token =
        server::secrets::open_string(&app.state.keys.secrets, &planet.access_token_sealed).unwrap();
    let http = reqwest::Client::new();
    let get = |path: String, cookie: Option<String>| {
        let mut request = http.get(format!("{}/sandbox/zsxq{path}", app.base));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let path = format!(
        "/v2/groups/{}/checkins?scope=ongoing&count=30",
        planet.group_id
    );
    let anonymous = get(path.clone(), None).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["succeeded"], false);
    let cookie = Some(format!("zsxq_access_token={token}"));
    let ok: Value = get(path, cookie.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["succeeded"], true, "{ok}");
    for bad in [
        format!("/v2/groups/{}/checkins?scope=all&count=30", planet.group_id),
        format!(
            "/v2/groups/{}/checkins?scope=ongoing&count=0",
            planet.group_id
        ),
        format!(
            "/v2/groups/{}/checkins/1/topics?scope=all&count=31",
            planet.group_id
        ),
        format!("/v2/groups/{}/checkins/1/topics?count=20", planet.group_id),
        format!(
            "/v2/groups/{}/checkins/1/topics?scope=all&count=20&end_time=2025-12-08T23:55:22",
            planet.group_id
        ),
        format!(
            "/v2/groups/{}/checkins/1/ranking_list?type=total&index=0",
            planet.group_id
        ),
    ] {
        let answer: Value = get(bad.clone(), cookie.clone())
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["succeeded"], false, "{bad}: {answer}");
    }
}

#[tokio::test]
async fn a_generated_month_is_realistic_and_its_64_bit_topic_ids_survive_the_sync() {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    use server::entity::{camps, sandbox_zsxq_topics as topics};
    use shared::api::{PayMethod, SignUpRequest};

    let app = TestApp::spawn().await;
    fast_client(&app).await;
    let admin = app.admin().await;
    let project = "9191919191";
    let camp = camp_with(&app, &admin, project).await;
    let mut orders = Vec::new();
    for i in 0..6 {
        let member = app.anonymous();
        let request = SignUpRequest {
            planet_nickname: format!("会员{i}"),
            planet_id: format!("9900000000000{i}"),
            wechat_nickname: format!("wx{i}"),
            pay_method: PayMethod::Native,
        };
        let (_, out_trade_no) = crate::payments::pending(&member, camp.id, &request).await;
        crate::payments::pay_in_cashier(&app, &out_trade_no).await;
        orders.push(out_trade_no);
    }
    for out_trade_no in &orders {
        app.eventually("the payment", || async {
            crate::payments::order_status_in_db(&app, out_trade_no).await == "paid"
        })
        .await;
    }
    // The camp has been running for three weeks.
    let today = shared::dates::business_date(Utc::now());
    let mut row = camps::Entity::find_by_id(camp.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    row.start_date = Set(today - Duration::days(20));
    row.end_date = Set(today + Duration::days(9));
    row.update(&app.db).await.unwrap();

    let created: SandboxCheckinsCreated = admin
        .post_json(
            "/api/v1/admin/sandbox/zsxq/generate",
            &json!({ "camp_id": camp.id, "seed": 7 }),
        )
        .await
        .unwrap();
    let posts = topics::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(posts.len() as u64, created.created);
    // Six members over 21 days: most post most days, none in the future.
    assert!(created.created > 6 * 21 / 2, "{}", created.created);
    assert!(posts.iter().all(|p| p.created_at <= Utc::now()));
    let beijing = |p: &topics::Model| p.created_at.with_timezone(&shared::dates::BUSINESS_TZ);
    use chrono::Timelike;
    assert!(
        posts
            .iter()
            .any(|p| beijing(p).hour() == 23 && beijing(p).minute() >= 50)
    );
    assert!(
        posts
            .iter()
            .any(|p| beijing(p).hour() == 0 && beijing(p).minute() < 10)
    );
    assert!(posts.iter().all(|p| p.topic_id > 1 << 53));

    // The ids reach us intact through the simulator's JSON.
    let state = &app.state;
    let client =
        server::settings::zsxq::client(&state.db, &state.config, &state.keys, &state.self_url)
            .await
            .unwrap()
            .unwrap();
    let page = client
        .checkin_topics(project.parse().unwrap(), None, 20)
        .await
        .unwrap();
    let stored: std::collections::HashSet<i64> = posts.iter().map(|p| p.topic_id).collect();
    assert_eq!(page.len(), 20);
    assert!(page.iter().all(|t| stored.contains(&t.topic_id)));

    let run = sync(&admin, camp.id, "full").await;
    assert_eq!(run.status, "succeeded", "{run:?}");
    assert_eq!(u64::try_from(run.new_records).unwrap(), created.created);
    // Every topic id is stored exactly, none rounded through f64.
    let records = server::entity::checkin_records::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let synced: std::collections::HashSet<i64> =
        records.iter().filter_map(|r| r.topic_id).collect();
    assert_eq!(synced, stored);
    // A succeeded run's figures are already current: matched by 星球ID and
    // counted, with nothing left for a later job (the admin reloads its
    // statistics the moment the run ends).
    let stats: shared::checkin_api::CampCheckinStats = admin
        .get(&format!("/api/v1/admin/camps/{}/checkin-stats", camp.id))
        .await
        .unwrap();
    assert_eq!(stats.members.len(), 6);
    for member in &stats.members {
        assert_eq!(
            member.match_status,
            shared::matching::MatchStatus::Matched,
            "{member:?}"
        );
        assert!(member.checked_days > 0, "{member:?}");
    }

    // A re-run stores nothing twice; a post deleted on Knowledge Planet is marked gone.
    let gone = *stored.iter().next().unwrap();
    server::sandbox::zsxq::delete_topic(&app.db, gone)
        .await
        .unwrap();
    let again = sync(&admin, camp.id, "full").await;
    assert_eq!(again.status, "succeeded", "{again:?}");
    assert_eq!(again.new_records, 0);
    let records = server::entity::checkin_records::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        records.len(),
        stored.len(),
        "the deleted post stays recorded"
    );
    let marked: Vec<_> = records.iter().filter(|r| r.gone_at.is_some()).collect();
    assert_eq!(marked.len(), 1);
    assert_eq!(marked[0].topic_id, Some(gone));
}

/// Full syncs of several camps at once all succeed on SQLite as on
/// PostgreSQL: a run's last transaction takes the camp's lock before it reads
/// (found by the check-in benchmark: 9 of 10 concurrent full syncs failed with
/// "database is locked" after reading every page).
#[tokio::test]
async fn concurrent_full_syncs_of_several_camps_all_succeed() {
    use server::sandbox::zsxq::{SeedTopic, add_topics};
    let app = TestApp::spawn().await;
    fast_client(&app).await;
    let admin = app.admin().await;
    let day = tomorrow().and_hms_opt(1, 0, 0).unwrap().and_utc();
    let mut camps = Vec::new();
    for c in 0..4_i64 {
        let project = format!("71717171{c}");
        let camp = camp_with(&app, &admin, &project).await;
        add_posts(
            &admin,
            &project,
            77_000_000_000_000 + c,
            "首帖",
            vec![tomorrow()],
            "08:00",
        )
        .await;
        let seeds: Vec<SeedTopic> = (0..240_i64)
            .map(|i| SeedTopic {
                checkin_id: project.parse().unwrap(),
                user_id: 78_000_000_000_000 + c * 1000 + i,
                name: format!("会员{c}-{i}"),
                alias: String::new(),
                text: "打卡".into(),
                images_count: 0,
                created_at: day + Duration::seconds(i * 37),
            })
            .collect();
        add_topics(&app.db, &seeds).await.unwrap();
        camps.push(camp.id);
    }
    let (a, b, c, d) = tokio::join!(
        sync(&admin, camps[0], "full"),
        sync(&admin, camps[1], "full"),
        sync(&admin, camps[2], "full"),
        sync(&admin, camps[3], "full"),
    );
    for run in [&a, &b, &c, &d] {
        assert_eq!(run.status, "succeeded", "{run:?}");
        assert_eq!(run.new_records, 241, "{run:?}");
    }
}

/// Issue 9 benchmark target: a night's incremental run reads the pages of new
/// posts plus one overlap page, even when the hour before the last known post
/// is crowded (the evening rush), instead of re-reading that whole hour.
#[tokio::test]
async fn an_incremental_run_reads_the_new_pages_and_one_overlap_page() {
    use server::sandbox::zsxq::{SeedTopic, add_topics};
    let app = TestApp::spawn().await;
    fast_client(&app).await;
    let admin = app.admin().await;
    let project = "5353535353";
    let camp = camp_with(&app, &admin, project).await;
    add_posts(
        &admin,
        project,
        55_000_000_000_000,
        "首帖",
        vec![tomorrow()],
        "06:00",
    )
    .await;
    let at = tomorrow().and_hms_opt(12, 0, 0).unwrap().and_utc();
    let seeds = |from: i64, n: i64, step: i64| -> Vec<SeedTopic> {
        (0..n)
            .map(|i| SeedTopic {
                checkin_id: project.parse().unwrap(),
                user_id: 56_000_000_000_000 + from + i,
                name: format!("会员{}", from + i),
                alias: String::new(),
                text: "打卡".into(),
                images_count: 0,
                created_at: at + Duration::seconds((from + i) * step),
            })
            .collect()
    };
    // 100 posts in the 50 minutes before the newest known post.
    add_topics(&app.db, &seeds(0, 100, 30)).await.unwrap();
    let first = sync(&admin, camp.id, "incremental").await;
    assert_eq!(
        (first.status.as_str(), first.new_records),
        ("succeeded", 101)
    );

    // 30 new posts after it.
    add_topics(&app.db, &seeds(200, 30, 30)).await.unwrap();
    let night = sync(&admin, camp.id, "incremental").await;
    assert_eq!(night.status, "succeeded", "{night:?}");
    assert_eq!(night.new_records, 30);
    // 30 new posts at 19 new a page (the cursor repeats the page's last post)
    // is 2 pages; at most one overlap page after them (here the second page
    // already reaches past the known newest), not the crowded hour before it.
    assert!(night.pages <= 3, "{night:?}");
    assert_eq!(night.requests, night.pages);
}

/// "测试连接" answers promptly whatever spacing is configured (the API fuzzer
/// set 60 s and the request timed out): its two calls are at most 1 s apart.
#[tokio::test]
async fn the_connection_test_does_not_wait_out_a_long_spacing() {
    let app = TestApp::spawn().await;
    let (mut stored, _) = server::settings::load::<StoredZsxq>(&app.db, KEY)
        .await
        .unwrap()
        .unwrap();
    stored.spacing_ms = 60_000;
    server::settings::save(&app.db, KEY, &stored, None)
        .await
        .unwrap();
    let admin = app.admin().await;
    for _ in 0..2 {
        let answer = tokio::time::timeout(
            std::time::Duration::from_secs(8),
            admin.post::<PlanetConnectionTest>("/api/v1/admin/settings/zsxq/test"),
        )
        .await
        .expect("the connection test answered within 8 s")
        .unwrap();
        assert!(answer.ok, "{answer:?}");
    }
}

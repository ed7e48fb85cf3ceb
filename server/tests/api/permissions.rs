//! The PRD's permission matrix (§2.2), walked operation by operation for every
//! kind of caller. The table is checked against the served OpenAPI document
//! (which is built from the router): every operation needs a row and every row
//! an operation, so a new route without a row fails this test.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, Set};
use server::entity::alerts;
use shared::api::{
    CampDto, CampRequest, CreateUserRequest, LoginRequest, MarkJoinedRequest, Page,
    UpdateUserRequest, WechatPaySettingsUpdate, WechatPaySettingsView,
};
use shared::checkin_api::ManualMatchRequest;
use shared::planet::{PlanetSettingsUpdate, PlanetSettingsView};
use shared::roles::Role;

use crate::helpers::*;
use crate::members::update_from;
use crate::payments::{form, order_status_in_db, pay_in_cashier, pending};

/// The callers, in the table's column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Who {
    SuperAdmin,
    Admin,
    /// Coach of camp A, the camp every row's `{id}` points into.
    Coach,
    /// Volunteer of camp A.
    Volunteer,
    /// Coach of camp B only.
    OtherCoach,
    /// Volunteer of camp B only.
    OtherVolunteer,
    Anonymous,
    /// The browser that paid member A's enrollment in camp A.
    Member,
    /// Another member's browser: its own token, paid for its own enrollment in camp B.
    OtherMember,
}

const COLUMNS: [Who; 9] = [
    Who::SuperAdmin,
    Who::Admin,
    Who::Coach,
    Who::Volunteer,
    Who::OtherCoach,
    Who::OtherVolunteer,
    Who::Anonymous,
    Who::Member,
    Who::OtherMember,
];

/// Every operation of the API, who may call it. `{id}`s point at camp A, member
/// A's enrollment and order, camp A's group QR (see [`World::path`]).
///
/// - `Y` — allowed (2xx);
/// - `o` — allowed, but answers with none of camp A's or member A's data (lists
///   scoped to the caller's own camps);
/// - `.` — refused (401, 403 or 404) with none of camp A's or member A's data.
///
/// Columns: super admin, admin, coach and volunteer of camp A, coach and
/// volunteer of camp B, anonymous, member A, another member.
#[rustfmt::skip]
const TABLE: &[(&str, &str, &str)] = &[
    // method  path                                              SA A  C  V  c  v  -  M  m
    ("get",    "/healthz",                                      "Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("get",    "/api/v1/system/info",                           "Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("post",   "/api/v1/auth/login",                            "Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("get",    "/api/v1/auth/me",                               "Y  Y  Y  Y  Y  Y  .  .  ."),
    // Users and system configuration: the super admin only.
    ("get",    "/api/v1/users",                                 "Y  .  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/users",                                 "Y  .  .  .  .  .  .  .  ."),
    ("put",    "/api/v1/users/{id}",                            "Y  .  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/users/{id}/reset-password",             "Y  .  .  .  .  .  .  .  ."),
    ("delete", "/api/v1/users/{id}",                            "Y  .  .  .  .  .  .  .  ."),
    ("get",    "/api/v1/audit-logs",                            "Y  .  .  .  .  .  .  .  ."),
    ("get",    "/api/v1/audit-logs/actions",                    "Y  .  .  .  .  .  .  .  ."),
    ("get",    "/api/v1/system/backups",                        "Y  .  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/system/backups",                        "Y  .  .  .  .  .  .  .  ."),
    ("get",    "/api/v1/admin/settings/wechat-pay",             "Y  .  .  .  .  .  .  .  ."),
    ("put",    "/api/v1/admin/settings/wechat-pay",             "Y  .  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/admin/settings/wechat-pay/test",        "Y  .  .  .  .  .  .  .  ."),
    ("get",    "/api/v1/admin/settings/zsxq",                   "Y  .  .  .  .  .  .  .  ."),
    ("put",    "/api/v1/admin/settings/zsxq",                   "Y  .  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/admin/settings/zsxq/test",              "Y  .  .  .  .  .  .  .  ."),
    // Camp management and operations: super admin and admin.
    ("get",    "/api/v1/admin/staff-options",                   "Y  Y  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/admin/camps",                           "Y  Y  .  .  .  .  .  .  ."),
    ("put",    "/api/v1/admin/camps/{id}",                      "Y  Y  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/admin/camps/{id}/publish-planet",       "Y  Y  .  .  .  .  .  .  ."),
    ("delete", "/api/v1/admin/camps/{id}",                      "Y  Y  .  .  .  .  .  .  ."),
    ("get",    "/api/v1/admin/camps/{id}/qrcode.png",           "Y  Y  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/uploads",                               "Y  Y  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/admin/payments/poll",                   "Y  Y  .  .  .  .  .  .  ."),
    ("get",    "/api/v1/admin/job-runs",                        "Y  Y  .  .  .  .  .  .  ."),
    ("get",    "/api/v1/admin/alerts",                          "Y  Y  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/admin/alerts/{id}/resolve",             "Y  Y  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/admin/sandbox/zsxq/checkins",           "Y  Y  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/admin/sandbox/zsxq/generate",           "Y  Y  .  .  .  .  .  .  ."),
    ("post",   "/api/v1/admin/camps/{id}/checkins/import",      "Y  Y  .  .  .  .  .  .  ."),
    ("put",    "/api/v1/admin/enrollments/{id}/match",          "Y  Y  .  .  .  .  .  .  ."),
    ("delete", "/api/v1/admin/enrollments/{id}/match",          "Y  Y  .  .  .  .  .  .  ."),
    // Camps and members: staff, coaches and volunteers of their own camps only.
    ("get",    "/api/v1/admin/camps",                           "Y  Y  Y  Y  o  o  .  .  ."),
    ("get",    "/api/v1/admin/camps/{id}",                      "Y  Y  Y  Y  .  .  .  .  ."),
    ("get",    "/api/v1/admin/enrollments",                     "Y  Y  Y  Y  o  o  .  .  ."),
    ("get",    "/api/v1/admin/enrollments/export.xlsx",         "Y  Y  Y  Y  o  o  .  .  ."),
    ("get",    "/api/v1/admin/enrollments/{id}",                "Y  Y  Y  Y  .  .  .  .  ."),
    ("post",   "/api/v1/admin/enrollments/{id}/joined",         "Y  Y  .  .  .  .  .  .  ."),
    // Check-ins (PRD §4.2.3): staff of the camp, coaches and volunteers included.
    ("get",    "/api/v1/admin/checkins",                        "Y  Y  Y  Y  o  o  .  .  ."),
    ("get",    "/api/v1/admin/checkins/export.xlsx",            "Y  Y  Y  Y  o  o  .  .  ."),
    ("get",    "/api/v1/admin/camps/{id}/checkin-stats",        "Y  Y  Y  Y  .  .  .  .  ."),
    ("get",    "/api/v1/admin/camps/{id}/checkin-stats/export.xlsx", "Y  Y  Y  Y  .  .  .  .  ."),
    ("get",    "/api/v1/admin/camps/{id}/planet-accounts",      "Y  Y  Y  Y  .  .  .  .  ."),
    ("get",    "/api/v1/admin/camps/{id}/checkins/import-template", "Y  Y  Y  Y  .  .  .  .  ."),
    ("post",   "/api/v1/admin/camps/{id}/sync",                 "Y  Y  Y  Y  .  .  .  .  ."),
    ("get",    "/api/v1/admin/sync-runs",                       "Y  Y  Y  Y  o  o  .  .  ."),
    ("get",    "/api/v1/uploads/{id}",                          "Y  Y  Y  Y  .  .  .  .  ."),
    // The member H5: public pages, and what only the paying browser may see.
    ("get",    "/api/v1/camps",                                 "Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("get",    "/api/v1/camps/{id}",                            "Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("get",    "/api/v1/pay/options",                           "Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("post",   "/api/v1/camps/{id}/enrollments",                "Y  Y  Y  Y  Y  Y  Y  Y  Y"),
    ("get",    "/api/v1/orders/{out_trade_no}",                 ".  .  .  .  .  .  .  Y  ."),
    ("get",    "/api/v1/orders/{out_trade_no}/qrcode.png",      ".  .  .  .  .  .  .  Y  ."),
    ("get",    "/api/v1/enrollments/{id}",                      ".  .  .  .  .  .  .  Y  ."),
    ("get",    "/api/v1/enrollments/{id}/group-qr",             ".  .  .  .  .  .  .  Y  ."),
    ("post",   "/api/v1/enrollments/{id}/personal-link",        ".  .  .  .  .  .  .  Y  ."),
    ("get",    "/api/v1/enrollments/{id}/progress",             ".  .  .  .  .  .  .  Y  ."),
    // Last: signing out ends every session of the account.
    ("post",   "/api/v1/auth/logout",                           "Y  Y  Y  Y  Y  Y  .  .  ."),
];

/// What a caller may get from a row.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Allowed,
    OwnDataOnly,
    Refused,
}

fn parse_marks(marks: &str) -> Vec<Expect> {
    marks
        .split_whitespace()
        .map(|m| match m {
            "Y" => Expect::Allowed,
            "o" => Expect::OwnDataOnly,
            "." => Expect::Refused,
            other => panic!("unknown mark {other:?} in {marks:?}"),
        })
        .collect()
}

type Body = Option<(Vec<u8>, &'static str)>;

/// The fixtures the rows act on: camp A (coach, volunteer, member A), camp B
/// (other coach, other volunteer, other member), and a target of its own per
/// caller for the operations that use their target up.
struct World {
    camp_a: CampDto,
    camp_a_request: CampRequest,
    enrollment_a: i64,
    paid_order_a: String,
    open_order_a: String,
    /// Deleted by `DELETE /users/{id}`: one user per caller.
    users: HashMap<Who, i64>,
    /// Deleted by `DELETE /admin/camps/{id}`: one camp of camp A's staff per caller.
    spare_camps: HashMap<Who, i64>,
    /// Resolved by `POST /admin/alerts/{id}/resolve`: one per caller.
    alerts: HashMap<Who, i64>,
    /// Published by `POST /admin/camps/{id}/publish-planet`: one unpublished camp per caller.
    unpublished_camps: HashMap<Who, i64>,
    /// A planet account that posted in camp A (the manual match's choice).
    planet_user_a: i64,
    planet: PlanetSettingsUpdate,
    settings: WechatPaySettingsUpdate,
    /// What none but the allowed may see: camp A's name, member A's 星球ID and nickname.
    secrets: Vec<String>,
}

fn json(value: &impl serde::Serialize) -> Body {
    Some((serde_json::to_vec(value).unwrap(), "application/json"))
}

impl World {
    /// The concrete path a caller requests for a row's path template.
    fn path(&self, method: &str, template: &str, who: Who) -> String {
        let camp = self.camp_a.id;
        let enrollment = self.enrollment_a;
        match (method, template) {
            ("delete", "/api/v1/admin/camps/{id}") => {
                format!("/api/v1/admin/camps/{}", self.spare_camps[&who])
            }
            (_, "/api/v1/users/{id}" | "/api/v1/users/{id}/reset-password") => {
                template.replace("{id}", &self.users[&who].to_string())
            }
            (_, "/api/v1/admin/camps/{id}/publish-planet") => {
                template.replace("{id}", &self.unpublished_camps[&who].to_string())
            }
            (_, "/api/v1/admin/alerts/{id}/resolve") => {
                template.replace("{id}", &self.alerts[&who].to_string())
            }
            (_, "/api/v1/orders/{out_trade_no}") => {
                template.replace("{out_trade_no}", &self.paid_order_a)
            }
            (_, "/api/v1/orders/{out_trade_no}/qrcode.png") => {
                template.replace("{out_trade_no}", &self.open_order_a)
            }
            (_, "/api/v1/uploads/{id}") => {
                template.replace("{id}", &self.camp_a.group_qr_upload_id.to_string())
            }
            (_, t) if t.starts_with("/api/v1/admin/camps/") || t.starts_with("/api/v1/camps/") => {
                t.replace("{id}", &camp.to_string())
            }
            (_, t) if t.contains("/enrollments/{id}") => t.replace("{id}", &enrollment.to_string()),
            ("post", "/api/v1/uploads") => "/api/v1/uploads?kind=poster".into(),
            (_, t) if !t.contains('{') => t.into(),
            _ => panic!("{method} {template}: give its parameters a fixture in World::path"),
        }
    }

    /// The body a caller sends for a row (`None` for operations without one).
    fn body(&self, method: &str, template: &str, who: Who) -> Body {
        let tag = format!("{who:?}").to_lowercase();
        match (method, template) {
            ("post", "/api/v1/auth/login") => json(&LoginRequest {
                username: "probe".into(),
                password: STAFF_PASSWORD.into(),
            }),
            ("post", "/api/v1/users") => json(&CreateUserRequest {
                username: format!("new_{tag}"),
                password: STAFF_PASSWORD.into(),
                role: Role::Volunteer,
                enabled: true,
            }),
            ("put", "/api/v1/users/{id}") => json(&UpdateUserRequest {
                username: format!("target_{tag}"),
                role: Role::Volunteer,
                enabled: true,
            }),
            ("post", "/api/v1/admin/camps") | ("put", "/api/v1/admin/camps/{id}") => {
                json(&self.camp_a_request)
            }
            ("put", "/api/v1/admin/settings/wechat-pay") => json(&self.settings),
            ("put", "/api/v1/admin/settings/zsxq") => json(&self.planet),
            ("put", "/api/v1/admin/enrollments/{id}/match") => json(&ManualMatchRequest {
                user_id: self.planet_user_a,
            }),
            ("post", "/api/v1/admin/sandbox/zsxq/checkins") => json(&serde_json::json!({
                "checkin_id": self.camp_a.planet_project_id,
                "user_id": "310000000009",
                "name": format!("沙箱{tag}"),
                "dates": [shared::dates::business_date(Utc::now())],
            })),
            ("post", "/api/v1/admin/sandbox/zsxq/generate") => json(&serde_json::json!({
                "camp_id": self.camp_a.id,
            })),
            ("post", "/api/v1/admin/camps/{id}/checkins/import") => {
                let csv = format!(
                    "星球ID,星球昵称,打卡时间\n310000000008,导入{tag},{} 08:30\n",
                    shared::dates::business_date(Utc::now()) - chrono::Days::new(1)
                );
                let body = format!(
                    "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n{csv}\r\n--B--\r\n"
                );
                Some((body.into_bytes(), "multipart/form-data; boundary=B"))
            }
            ("post", "/api/v1/uploads") => Some((png_bytes(), "image/png")),
            ("post", "/api/v1/admin/enrollments/{id}/joined") => {
                json(&MarkJoinedRequest { joined: true })
            }
            ("post", "/api/v1/camps/{id}/enrollments") => {
                let planet_id = format!("5{:011}", COLUMNS.iter().position(|w| *w == who).unwrap());
                json(&form(&planet_id))
            }
            _ => None,
        }
    }
}

/// Signs a fresh browser up for `camp` and pays; returns (browser, enrollment, out_trade_no).
async fn paid_member(
    app: &TestApp,
    camp: i64,
    planet_id: &str,
    nickname: &str,
) -> (Client, i64, String) {
    let browser = app.anonymous();
    let mut request = form(planet_id);
    request.planet_nickname = nickname.into();
    let (enrollment, out_trade_no) = pending(&browser, camp, &request).await;
    pay_in_cashier(app, &out_trade_no).await;
    app.eventually("the payment", || async {
        order_status_in_db(app, &out_trade_no).await == "paid"
    })
    .await;
    (browser, enrollment, out_trade_no)
}

#[tokio::test]
async fn every_operation_follows_the_permission_matrix() {
    let app = TestApp::spawn().await;
    // The table and the served document hold the same operations.
    let document: serde_json::Value = app
        .anonymous()
        .raw(Method::GET, "/api/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let mut served = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            served.insert((method.clone(), path.clone()));
        }
    }
    let tabled: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = served.difference(&tabled).collect();
    let unknown: Vec<_> = tabled.difference(&served).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "operations without a row: {missing:?}; rows for no operation: {unknown:?}"
    );
    assert_eq!(tabled.len(), TABLE.len(), "one row per operation");

    let super_admin = app.admin().await;
    let mut usernames = HashMap::new();
    let mut clients = HashMap::new();
    for (who, role) in [
        (Who::Admin, Role::Admin),
        (Who::Coach, Role::Coach),
        (Who::Volunteer, Role::Volunteer),
        (Who::OtherCoach, Role::Coach),
        (Who::OtherVolunteer, Role::Volunteer),
    ] {
        let name = format!("staff_{who:?}").to_lowercase();
        let (user, client) = app.staff(&super_admin, &name, role).await;
        usernames.insert(who, (name, user.id));
        clients.insert(who, client);
    }
    usernames.insert(Who::SuperAdmin, (ADMIN.to_owned(), 0));
    app.staff(&super_admin, "probe", Role::Volunteer).await;
    let staff_id = |who: Who| usernames[&who].1;

    let mut camp_a_request = app.camp_request(&super_admin, staff_id(Who::Coach)).await;
    camp_a_request.name = "甲营绝密".into();
    camp_a_request.volunteer_ids = vec![staff_id(Who::Volunteer)];
    let camp_a: CampDto = super_admin
        .post_json("/api/v1/admin/camps", &camp_a_request)
        .await
        .unwrap();
    let mut camp_b_request = app
        .camp_request(&super_admin, staff_id(Who::OtherCoach))
        .await;
    camp_b_request.name = "乙营".into();
    camp_b_request.volunteer_ids = vec![staff_id(Who::OtherVolunteer)];
    let camp_b: CampDto = super_admin
        .post_json("/api/v1/admin/camps", &camp_b_request)
        .await
        .unwrap();

    let (member, enrollment_a, paid_order_a) =
        paid_member(&app, camp_a.id, "310000000001", "甲会员").await;
    let (_, open_order_a) = pending(&member, camp_a.id, &form("310000000002")).await;
    let (other_member, _, _) = paid_member(&app, camp_b.id, "320000000001", "乙会员").await;
    clients.insert(Who::SuperAdmin, super_admin.clone());
    clients.insert(Who::Anonymous, app.anonymous());
    clients.insert(Who::Member, member);
    clients.insert(Who::OtherMember, other_member);

    let mut users = HashMap::new();
    let mut spare_camps = HashMap::new();
    let mut alerts = HashMap::new();
    let mut unpublished_camps = HashMap::new();
    let mut spare_request = camp_a_request.clone();
    spare_request.name = "备用营".into();
    for who in COLUMNS {
        let tag = format!("{who:?}").to_lowercase();
        let (user, _) = app
            .staff(&super_admin, &format!("target_{tag}"), Role::Volunteer)
            .await;
        users.insert(who, user.id);
        let camp: CampDto = super_admin
            .post_json("/api/v1/admin/camps", &spare_request)
            .await
            .unwrap();
        spare_camps.insert(who, camp.id);
        let alert = alerts::ActiveModel {
            kind: Set("duplicate_payment".into()),
            dedupe_key: Set(format!("permissions:{tag}")),
            target: Set("order".into()),
            message: Set("需要处理".into()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
        alerts.insert(who, alert.id);
        let mut unpublished = spare_request.clone();
        unpublished.planet_project_id = String::new();
        let camp: CampDto = super_admin
            .post_json("/api/v1/admin/camps", &unpublished)
            .await
            .unwrap();
        unpublished_camps.insert(who, camp.id);
    }
    let planet_user_a = 310_000_000_007;
    server::checkins::records::store(
        &app.db,
        camp_a.id,
        server::checkins::records::Source::Import,
        &[server::checkins::records::IncomingCheckin {
            topic_id: None,
            user_id: planet_user_a,
            name: "甲的星球号".into(),
            alias: None,
            created_at: Utc::now(),
            text_len: 10,
            images_count: 0,
            excerpt: "打卡".into(),
        }],
    )
    .await
    .unwrap();
    let planet_view: PlanetSettingsView = super_admin
        .get("/api/v1/admin/settings/zsxq")
        .await
        .unwrap();
    let view: WechatPaySettingsView = super_admin
        .get("/api/v1/admin/settings/wechat-pay")
        .await
        .unwrap();
    let world = World {
        secrets: vec![camp_a.name.clone(), "310000000001".into(), "甲会员".into()],
        camp_a,
        camp_a_request,
        enrollment_a,
        paid_order_a,
        open_order_a,
        users,
        spare_camps,
        alerts,
        unpublished_camps,
        planet_user_a,
        planet: PlanetSettingsUpdate {
            base_url: planet_view.base_url,
            group_id: planet_view.group_id,
            access_token: String::new(),
            spacing_ms: planet_view.spacing_ms,
        },
        settings: update_from(&view),
    };

    let mut failures = Vec::new();
    for (method, template, marks) in TABLE {
        let marks = parse_marks(marks);
        assert_eq!(
            marks.len(),
            COLUMNS.len(),
            "{method} {template}: one mark per column"
        );
        for (who, expect) in COLUMNS.into_iter().zip(marks) {
            let path = world.path(method, template, who);
            let body = world.body(method, template, who);
            // Signing in and out changes the caller's session: a browser of its own.
            let fresh = template.starts_with("/api/v1/auth/log");
            let client = match (fresh, usernames.get(&who)) {
                (false, _) => clients[&who].clone(),
                (true, Some((name, _))) if who == Who::SuperAdmin => {
                    app.login(name, ADMIN_PASSWORD).await
                }
                (true, Some((name, _))) => app.login(name, STAFF_PASSWORD).await,
                (true, None) => app.anonymous(),
            };
            // Undoing a manual match needs one to undo (else 409): set it again first.
            if (*method, *template) == ("delete", "/api/v1/admin/enrollments/{id}/match") {
                let _: serde_json::Value = clients[&Who::SuperAdmin]
                    .put_json(
                        &path,
                        &ManualMatchRequest {
                            user_id: world.planet_user_a,
                        },
                    )
                    .await
                    .unwrap();
            }
            let method_name = method.to_uppercase();
            let response = client
                .raw(
                    Method::from_bytes(method_name.as_bytes()).unwrap(),
                    &path,
                    body,
                )
                .await;
            let status = response.status();
            let bytes = response.bytes().await.unwrap();
            let text = String::from_utf8_lossy(&bytes);
            let leaked = world.secrets.iter().find(|s| text.contains(s.as_str()));
            let refused = [
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::NOT_FOUND,
            ]
            .contains(&status);
            let wrong = match expect {
                Expect::Allowed => (!status.is_success()).then(|| "should be allowed".to_owned()),
                Expect::OwnDataOnly if !status.is_success() => Some("should be allowed".into()),
                Expect::Refused if !refused => Some("should be refused".into()),
                Expect::OwnDataOnly | Expect::Refused => {
                    leaked.map(|s| format!("answers with {s:?}"))
                }
            };
            if let Some(wrong) = wrong {
                failures.push(format!("{who:?} {method_name} {path} → {status}: {wrong}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "matrix violations:\n{}",
        failures.join("\n")
    );

    // Staff-only endpoints tell a visitor to sign in, and a signed-in person that they may not.
    assert_eq!(
        clients[&Who::Anonymous]
            .raw(Method::GET, "/api/v1/users", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let coach = app.login(&usernames[&Who::Coach].0, STAFF_PASSWORD).await;
    assert_eq!(
        coach.raw(Method::GET, "/api/v1/users", None).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn coaches_and_volunteers_see_only_their_own_camps() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (coach_a, coach_a_client) = app.staff(&admin, "coach_a", Role::Coach).await;
    let (coach_b, coach_b_client) = app.staff(&admin, "coach_b", Role::Coach).await;
    let (volunteer, volunteer_client) = app.staff(&admin, "vol_b", Role::Volunteer).await;
    let camp_a: CampDto = admin
        .post_json(
            "/api/v1/admin/camps",
            &app.camp_request(&admin, coach_a.id).await,
        )
        .await
        .unwrap();
    let mut request_b = app.camp_request(&admin, coach_b.id).await;
    request_b.name = "B营".into();
    request_b.volunteer_ids = vec![volunteer.id];
    let camp_b: CampDto = admin
        .post_json("/api/v1/admin/camps", &request_b)
        .await
        .unwrap();

    let listed = |page: Page<CampDto>| page.items.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        listed(coach_a_client.get("/api/v1/admin/camps").await.unwrap()),
        vec![camp_a.id]
    );
    assert_eq!(
        listed(coach_b_client.get("/api/v1/admin/camps").await.unwrap()),
        vec![camp_b.id]
    );
    assert_eq!(
        listed(volunteer_client.get("/api/v1/admin/camps").await.unwrap()),
        vec![camp_b.id]
    );
    let all: Page<CampDto> = admin.get("/api/v1/admin/camps").await.unwrap();
    assert_eq!(all.total, 2);

    let err = coach_a_client
        .get::<CampDto>(&format!("/api/v1/admin/camps/{}", camp_b.id))
        .await
        .unwrap_err();
    assert_eq!(
        err.status,
        StatusCode::NOT_FOUND,
        "another camp's data is out of reach"
    );
    let err = volunteer_client
        .get::<CampDto>(&format!("/api/v1/admin/camps/{}", camp_a.id))
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::NOT_FOUND);
    let err = coach_a_client
        .put_json::<CampDto>(&format!("/api/v1/admin/camps/{}", camp_a.id), &request_b)
        .await
        .unwrap_err();
    assert_eq!(
        err.status,
        StatusCode::FORBIDDEN,
        "coaches do not manage camps, not even their own"
    );
}

//! Server-rendered pages carry real data before any script runs.

use reqwest::{Method, StatusCode};
use shared::api::CampDto;
use shared::roles::Role;

use crate::helpers::*;

#[tokio::test]
async fn the_h5_list_is_rendered_on_the_server_with_real_data() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (coach, _) = app.staff(&admin, "coach_wang", Role::Coach).await;
    let camp: CampDto = admin
        .post_json(
            "/api/v1/admin/camps",
            &app.camp_request(&admin, coach.id).await,
        )
        .await
        .unwrap();

    let response = app.anonymous().raw(Method::GET, "/h5", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("21天早起训练营"),
        "camp name in the first HTML"
    );
    assert!(html.contains("¥99.00"));
    assert!(html.contains("10天7打卡"));
    assert!(html.contains("即将开始"));
    assert!(html.contains("沙箱模式"), "sandbox banner");
    assert!(
        html.contains(r#"data-sandbox="true""#),
        "the flag the browser hydrates the banner from"
    );
    assert!(html.contains(&format!("/h5/camps/{}", camp.id)));

    let detail = app
        .anonymous()
        .raw(Method::GET, &format!("/h5/camps/{}", camp.id), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        detail.contains("<b>早起</b>"),
        "sanitized intro rendered as HTML"
    );
}

#[tokio::test]
async fn admin_pages_need_a_session() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().raw(Method::GET, "/admin/camps", None).await;
    let html = response.text().await.unwrap();
    assert!(!html.contains("训练营管理</a>"), "no menu for visitors");

    let admin = app.admin().await;
    let html = admin
        .raw(Method::GET, "/admin/camps", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("训练营管理"));
    assert!(
        html.contains("用户管理"),
        "super admin sees user management"
    );

    let (_, coach) = app.staff(&admin, "coach_wang", Role::Coach).await;
    let html = coach
        .raw(Method::GET, "/admin/camps", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("用户管理"), "the menu is filtered by role");
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let app = TestApp::spawn().await;
    let response = app
        .anonymous()
        .raw(Method::GET, "/h5/nowhere/at/all", None)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// PRD §4.1.4: the member's progress is on the first HTML for the browser that
/// paid, and for nobody else.
#[tokio::test]
async fn the_progress_page_is_rendered_on_the_server_for_the_paying_browser_only() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    let member = app.anonymous();
    let (enrollment, out_trade_no) =
        crate::payments::pending(&member, camp.id, &crate::payments::form("15555411859999")).await;
    crate::payments::pay_in_cashier(&app, &out_trade_no).await;
    app.eventually("the payment", || async {
        crate::payments::order_status_in_db(&app, &out_trade_no).await == "paid"
    })
    .await;

    let path = format!("/h5/enrollments/{enrollment}/progress");
    let html = member
        .raw(Method::GET, &path, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&camp.name), "camp card");
    assert!(html.contains("已打卡 0 天"), "days checked in");
    assert!(html.contains("要求 7 天"), "the requirement");
    assert!(html.contains("还需打卡7天"), "what is still needed");
    assert!(html.contains("打卡数据每天01:00后更新"));

    let stranger = app
        .anonymous()
        .raw(Method::GET, &path, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !stranger.contains("已打卡"),
        "no progress for another browser"
    );
}

/// Issue 7: a form submitted before hydration went out as a native GET with
/// its fields in the URL (the staff password, the member's details). The
/// submit buttons are disabled in the server's HTML until the page hydrates.
#[tokio::test]
async fn submit_buttons_are_inert_until_the_page_hydrates() {
    let app = TestApp::spawn().await;
    let camp = app.open_camp().await;
    for path in ["/admin/login".to_owned(), format!("/h5/camps/{}", camp.id)] {
        let html = app
            .anonymous()
            .raw(Method::GET, &path, None)
            .await
            .text()
            .await
            .unwrap();
        let button = html
            .split("<button")
            .find(|b| b.contains(r#"type="submit""#))
            .unwrap_or_else(|| panic!("{path}: no submit button"));
        let tag = &button[..button.find('>').unwrap()];
        assert!(tag.contains("disabled"), "{path}: {tag}");
        assert!(
            html.contains(r#"method="post""#),
            "{path}: a form never submits as GET"
        );
    }
}

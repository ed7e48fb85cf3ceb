//! The edge of the API: no input kills a request. Numbers out of range, strings
//! holding U+0000 and ids beyond 64 bits get a 4xx that names the field, on
//! SQLite and on PostgreSQL alike.

use reqwest::{Method, StatusCode};
use serde_json::json;
use shared::error::ApiError;

use crate::helpers::*;

async fn error_of(response: reqwest::Response) -> (StatusCode, ApiError) {
    let status = response.status();
    let body = response.text().await.expect("a response body");
    let error = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("{status}: not the error shape: {body:?}: {e}"));
    (status, error)
}

#[tokio::test]
async fn page_numbers_beyond_their_bounds_are_a_4xx_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for list in [
        "/api/v1/admin/camps",
        "/api/v1/admin/enrollments",
        "/api/v1/admin/checkins",
        "/api/v1/audit-logs",
    ] {
        for (query, field) in [
            ("page=9223372036854775809", "page"),
            ("page=18446744073709551615", "page"),
            ("page=18446744073709551616", "page"),
            ("page=0", "page"),
            ("page=-1", "page"),
            ("page=100001", "page"),
            ("page_size=0", "page_size"),
            ("page_size=101", "page_size"),
            ("page_size=18446744073709551615", "page_size"),
        ] {
            let path = format!("{list}?{query}");
            let (status, error) = error_of(admin.raw(Method::GET, &path, None).await).await;
            assert!(status.is_client_error(), "{path}: {status} {error:?}");
            assert!(
                error.field_message(field).is_some(),
                "{path}: the error names {field}: {error:?}"
            );
        }
        // The last page that is allowed still answers (with nothing on it).
        let last = format!("{list}?page=100000&page_size=100");
        assert_eq!(
            admin.raw(Method::GET, &last, None).await.status(),
            StatusCode::OK,
            "{last}"
        );
    }
}

#[tokio::test]
async fn ids_beyond_64_bits_are_not_found() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for path in [
        "/api/v1/camps/9223372036854775808",
        "/api/v1/admin/camps/18446744073709551616",
        "/api/v1/admin/camps/-9223372036854775809",
        "/api/v1/admin/enrollments/99999999999999999999",
        "/api/v1/uploads/9223372036854775808",
    ] {
        let (status, error) = error_of(admin.raw(Method::GET, path, None).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {error:?}");
    }
    let (status, error) = error_of(
        admin
            .raw(
                Method::GET,
                "/api/v1/admin/enrollments?camp_id=9223372036854775808",
                None,
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.field_message("camp_id").is_some(), "{error:?}");
}

#[tokio::test]
async fn no_text_holding_u0000_reaches_the_database() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let camp = app.open_camp().await;

    // A JSON body: the field is named, nothing is stored.
    let mut request = app.camp_request(&admin, camp.coaches[0].id).await;
    request.name = "早起\u{0}营".into();
    let body = serde_json::to_vec(&request).unwrap();
    let (status, error) = error_of(
        admin
            .raw(
                Method::POST,
                "/api/v1/admin/camps",
                Some((body, "application/json")),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error:?}");
    assert!(error.field_message("name").is_some(), "{error:?}");

    // The member sign-up, nested fields and object keys too.
    let sign_up = json!({
        "planet_nickname": "小\u{0}明",
        "planet_id": "346884121553",
        "wechat_nickname": "小明",
        "pay_method": "native",
    });
    let (status, error) = error_of(
        app.anonymous()
            .raw(
                Method::POST,
                &format!("/api/v1/camps/{}/enrollments", camp.id),
                Some((serde_json::to_vec(&sign_up).unwrap(), "application/json")),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error:?}");
    assert!(
        error.field_message("planet_nickname").is_some(),
        "{error:?}"
    );

    // A query string and a path parameter.
    let (status, error) = error_of(
        admin
            .raw(Method::GET, "/api/v1/admin/camps?q=%00", None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error:?}");
    assert!(error.field_message("q").is_some(), "{error:?}");
    let (status, _) = error_of(
        app.anonymous()
            .raw(Method::GET, "/api/v1/orders/abc%00def", None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let page: shared::api::Page<shared::api::CampDto> =
        admin.get("/api/v1/admin/camps").await.unwrap();
    assert_eq!(page.total, 1, "the refused camp was not stored");
}

#[tokio::test]
async fn every_error_carries_the_request_id_of_its_response() {
    let app = TestApp::spawn().await;
    let anonymous = app.anonymous();

    // Generated when the caller sends none.
    let response = anonymous
        .raw(Method::GET, "/api/v1/admin/camps", None)
        .await;
    let header = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error.request_id.as_deref(), Some(header.as_str()));
    assert!(header.len() >= 16, "{header}");

    // A well-formed incoming id is kept; anything else is replaced.
    for (incoming, kept) in [
        ("req-2026.11_29", true),
        ("has space", false),
        (&*"x".repeat(65), false),
        ("<script>", false),
    ] {
        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/camps/999999", app.base))
            .header("x-request-id", incoming)
            .send()
            .await
            .unwrap();
        let header = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(header == incoming, kept, "{incoming:?} -> {header:?}");
        let (status, error) = error_of(response).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(error.request_id.as_deref(), Some(header.as_str()));
    }

    // Successful answers carry the header too.
    let ok = anonymous
        .raw(Method::GET, "/api/v1/system/info", None)
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(ok.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn links_use_the_configured_public_url() {
    let app = TestApp::spawn_with(|c| c.public_url = "https://camp.example.com/".into()).await;
    let camp = app.open_camp().await;
    assert_eq!(
        camp.h5_url,
        format!("https://camp.example.com/h5/camps/{}", camp.id)
    );
}

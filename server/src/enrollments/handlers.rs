use axum::Json;
use axum::extract::State;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, HOST, LOCATION, ORIGIN,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use shared::api::{
    EnrollmentDetail, EnrollmentQuery, EnrollmentRow, MarkJoinedRequest, MyEnrollment, Page,
    PersonalLink,
};

use super::{member, service};
use crate::auth::Staff;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::payments::member::{MEMBER_COOKIE, MemberToken, set_cookie, token_hash};
use crate::state::AppState;

/// Members who signed up, with filters (coaches and volunteers: their camps only).
#[utoipa::path(get, operation_id = "list_enrollments", path = "/api/v1/admin/enrollments", params(EnrollmentQuery), tag = "members", responses((status = 200, body = Page<EnrollmentRow>)))]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<EnrollmentQuery>,
) -> AppResult<Json<Page<EnrollmentRow>>> {
    Ok(Json(service::list(&state.db, &staff, &query).await?))
}

/// The same list as an Excel file.
#[utoipa::path(get, operation_id = "export_enrollments", path = "/api/v1/admin/enrollments/export.xlsx", params(EnrollmentQuery), tag = "members",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn export(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<EnrollmentQuery>,
) -> AppResult<Response> {
    let bytes = service::export(&state.db, &staff, &query).await?;
    let name = format!(
        "members-{}.xlsx",
        chrono::Utc::now()
            .with_timezone(&shared::dates::BUSINESS_TZ)
            .format("%Y%m%d-%H%M")
    );
    Ok((
        [
            (
                CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// One member's sign-up with its payment records.
#[utoipa::path(get, operation_id = "enrollment_detail", path = "/api/v1/admin/enrollments/{id}", tag = "members", responses((status = 200, body = EnrollmentDetail)))]
pub async fn detail(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<EnrollmentDetail>> {
    Ok(Json(service::detail(&state.db, &staff, id).await?))
}

/// "标记进群" (admins; audited).
#[utoipa::path(post, path = "/api/v1/admin/enrollments/{id}/joined", request_body = MarkJoinedRequest, tag = "members",
    responses((status = 200, body = EnrollmentDetail)))]
pub async fn mark_joined(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<MarkJoinedRequest>,
) -> AppResult<Json<EnrollmentDetail>> {
    Ok(Json(
        service::mark_joined(&state.db, &staff, id, request.joined).await?,
    ))
}

/// The member's own enrollment.
#[utoipa::path(get, path = "/api/v1/enrollments/{id}", tag = "enrollment", responses((status = 200, body = MyEnrollment)))]
pub async fn my_enrollment(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    MemberToken(token): MemberToken,
) -> AppResult<Json<MyEnrollment>> {
    Ok(Json(
        member::my_enrollment(&state.db, id, token.as_deref()).await?,
    ))
}

/// The camp group's QR image, only for the browser that paid (or proved who it is).
#[utoipa::path(get, path = "/api/v1/enrollments/{id}/group-qr", tag = "enrollment", responses((status = 200, content_type = "image/png")))]
pub async fn group_qr(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    MemberToken(token): MemberToken,
) -> AppResult<Response> {
    let upload = member::group_qr(&state.db, id, token.as_deref()).await?;
    Ok((
        [
            (CONTENT_TYPE, upload.content_type.clone()),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        upload.data,
    )
        .into_response())
}

/// The member's personal link, only on this explicit request.
#[utoipa::path(post, path = "/api/v1/enrollments/{id}/personal-link", tag = "enrollment", responses((status = 200, body = PersonalLink)))]
pub async fn personal_link_url(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    MemberToken(token): MemberToken,
) -> AppResult<Json<PersonalLink>> {
    Ok(Json(
        member::personal_link(&state.db, &state.config.public_url, id, token.as_deref()).await?,
    ))
}

/// The personal link, opened: a page that says whose enrollment it is and asks
/// to confirm. Nothing is set on a GET (a link followed by accident, a preview
/// bot or a crafted link changes nothing in this browser).
pub async fn personal_link(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> AppResult<Response> {
    let Some(preview) = member::link_preview(&state.db, &token).await? else {
        return Ok(Redirect::to("/h5").into_response());
    };
    let preview = ammonia::clean_text(&preview);
    // The form posts to this same address; the page repeats no token.
    let html = format!(
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>打开我的报名</title>
<style>body{{margin:0;font-family:-apple-system,"PingFang SC",sans-serif;background:#f7f8fa;color:#323233}}main{{max-width:480px;margin:0 auto;padding:24px 16px}}section{{background:#fff;border-radius:8px;padding:20px}}h1{{font-size:18px}}p{{color:#646566;line-height:1.6}}button{{width:100%;height:44px;border:0;border-radius:22px;background:#07c160;color:#fff;font-size:16px}}a{{display:block;text-align:center;margin-top:16px;color:#576b95}}</style></head>
<body><main><section><h1>在此浏览器打开报名</h1><p>这是 {preview} 的报名。</p><p>仅在这是你本人的报名时继续：确认后，此浏览器可以查看这份报名和群二维码。</p>
<form method="post"><button type="submit">是我本人，打开报名</button></form><a href="/h5">不是我，返回首页</a></section></main></body></html>"#
    );
    Ok((
        [(CACHE_CONTROL, "private, no-store")],
        axum::response::Html(html),
    )
        .into_response())
}

/// The confirmation of a personal link: binds this browser (its own token, or
/// a new one) to the link's enrollments and opens the newest. A cross-site
/// POST is refused, so another site cannot submit the confirmation for the
/// visitor.
pub async fn confirm_personal_link(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    MemberToken(browser): MemberToken,
    headers: HeaderMap,
) -> AppResult<Response> {
    let same_site = match (headers.get(ORIGIN), headers.get(HOST)) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .is_some_and(|(_, o)| host.to_str().is_ok_and(|h| h == o)),
        (Some(_), None) => false,
    };
    if !same_site {
        return Ok(StatusCode::FORBIDDEN.into_response());
    }
    let new_token = browser.is_none().then(crate::payments::member::new_token);
    let own = browser.or_else(|| new_token.clone()).unwrap_or_default();
    let Some(id) = member::open_personal_link(&state.db, &token, &token_hash(&own)).await? else {
        return Ok(Redirect::to("/h5").into_response());
    };
    let mut headers = new_token
        .map(|t| set_cookie(MEMBER_COOKIE, &t, state.config.server.secure_cookies))
        .unwrap_or_default();
    headers.insert(
        LOCATION,
        format!("/h5/enrollments/{id}")
            .parse()
            .map_err(anyhow::Error::from)?,
    );
    Ok((StatusCode::SEE_OTHER, headers).into_response())
}

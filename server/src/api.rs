//! The JSON API router under `/api/v1` and its OpenAPI document. This router is
//! the one edge into the domain: browsers, third parties, tests and the
//! in-process SSR transport all call it.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use utoipa::OpenApi;

use crate::state::AppState;
use crate::{
    alerts, audit, auth, backups, camps, enrollments, jobs, payments, settings, system, uploads,
    users,
};

/// Uploads are at most 2 MB; a little headroom lets the handler say so in Chinese.
const BODY_LIMIT: usize = 3 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/system/info", get(system::info))
        .route(
            "/api/v1/system/backups",
            get(backups::handlers::list_backups).post(backups::handlers::run_backup),
        )
        .route("/api/v1/auth/login", post(auth::handlers::login))
        .route("/api/v1/auth/logout", post(auth::handlers::logout))
        .route("/api/v1/auth/me", get(auth::handlers::current))
        .route(
            "/api/v1/users",
            get(users::handlers::list_users).post(users::handlers::create_user),
        )
        .route(
            "/api/v1/users/{id}",
            put(users::handlers::update_user).delete(users::handlers::delete_user),
        )
        .route(
            "/api/v1/users/{id}/reset-password",
            post(users::handlers::reset_password),
        )
        .route(
            "/api/v1/admin/staff-options",
            get(users::handlers::staff_options),
        )
        .route("/api/v1/camps", get(camps::handlers::list_public))
        .route("/api/v1/camps/{id}", get(camps::handlers::get_public))
        .route(
            "/api/v1/admin/camps",
            get(camps::handlers::list_admin).post(camps::handlers::create),
        )
        .route(
            "/api/v1/admin/camps/{id}",
            get(camps::handlers::get_admin)
                .put(camps::handlers::update)
                .delete(camps::handlers::delete),
        )
        .route(
            "/api/v1/admin/camps/{id}/qrcode.png",
            get(camps::handlers::qrcode),
        )
        .route("/api/v1/uploads", post(uploads::handlers::upload))
        .route("/api/v1/uploads/{id}", get(uploads::handlers::download))
        .route("/api/v1/pay/options", get(payments::handlers::pay_options))
        .route(
            "/api/v1/camps/{id}/enrollments",
            post(payments::handlers::sign_up),
        )
        .route(
            "/api/v1/orders/{out_trade_no}",
            get(payments::handlers::order),
        )
        .route(
            "/api/v1/orders/{out_trade_no}/qrcode.png",
            get(payments::handlers::order_qr),
        )
        .route(
            "/api/v1/enrollments/{id}",
            get(enrollments::handlers::my_enrollment),
        )
        .route(
            "/api/v1/enrollments/{id}/group-qr",
            get(enrollments::handlers::group_qr),
        )
        .route(
            "/api/v1/enrollments/{id}/personal-link",
            post(enrollments::handlers::personal_link_url),
        )
        .route(
            "/api/v1/admin/payments/poll",
            post(payments::handlers::poll_now),
        )
        .route(
            "/api/v1/admin/enrollments",
            get(enrollments::handlers::list),
        )
        .route(
            "/api/v1/admin/enrollments/export.xlsx",
            get(enrollments::handlers::export),
        )
        .route(
            "/api/v1/admin/enrollments/{id}",
            get(enrollments::handlers::detail),
        )
        .route(
            "/api/v1/admin/enrollments/{id}/joined",
            post(enrollments::handlers::mark_joined),
        )
        .route(
            "/api/v1/admin/settings/wechat-pay",
            get(settings::handlers::get).put(settings::handlers::update),
        )
        .route(
            "/api/v1/admin/settings/wechat-pay/test",
            post(settings::handlers::test),
        )
        .route("/api/v1/admin/job-runs", get(jobs::handlers::list_job_runs))
        .route("/api/v1/admin/alerts", get(alerts::handlers::list_alerts))
        .route(
            "/api/v1/admin/alerts/{id}/resolve",
            post(alerts::handlers::resolve_alert),
        )
        .route("/api/v1/audit-logs", get(audit::handlers::list_audit_logs))
        .route(
            "/api/v1/audit-logs/actions",
            get(audit::handlers::list_audit_actions),
        )
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "训练营押金自动退款系统 API",
        description = "会员端与管理后台共用的 JSON API。错误统一为 {code, message, details}。"
    ),
    paths(
        system::info,
        system::healthz,
        backups::handlers::run_backup,
        backups::handlers::list_backups,
        auth::handlers::login,
        auth::handlers::logout,
        auth::handlers::current,
        users::handlers::list_users,
        users::handlers::create_user,
        users::handlers::update_user,
        users::handlers::delete_user,
        users::handlers::reset_password,
        users::handlers::staff_options,
        camps::handlers::list_public,
        camps::handlers::get_public,
        camps::handlers::list_admin,
        camps::handlers::get_admin,
        camps::handlers::create,
        camps::handlers::update,
        camps::handlers::delete,
        camps::handlers::qrcode,
        uploads::handlers::upload,
        uploads::handlers::download,
        audit::handlers::list_audit_logs,
        audit::handlers::list_audit_actions,
        payments::handlers::pay_options,
        payments::handlers::sign_up,
        payments::handlers::order,
        payments::handlers::order_qr,
        enrollments::handlers::my_enrollment,
        enrollments::handlers::group_qr,
        enrollments::handlers::personal_link_url,
        payments::handlers::poll_now,
        enrollments::handlers::list,
        enrollments::handlers::export,
        enrollments::handlers::detail,
        enrollments::handlers::mark_joined,
        settings::handlers::get,
        settings::handlers::update,
        settings::handlers::test,
        jobs::handlers::list_job_runs,
        alerts::handlers::list_alerts,
        alerts::handlers::resolve_alert,
    )
)]
pub struct ApiDoc;

pub async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

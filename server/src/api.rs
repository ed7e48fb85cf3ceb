//! The JSON API router under `/api/v1` and its OpenAPI document. This router is
//! the one edge into the domain: browsers, third parties, tests and the
//! in-process SSR transport all call it.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;
use crate::{
    alerts, audit, auth, backups, camps, checkins, enrollments, jobs, payments, planet, settings,
    system, uploads, users,
};

/// Uploads are at most 2 MB; a little headroom lets the handler say so in Chinese.
const BODY_LIMIT: usize = 3 * 1024 * 1024;

/// The API's routes. Every route is added through its handler's
/// `#[utoipa::path]` (`routes!`), so the router and the OpenAPI document are
/// one list: no route can be missing from the document, nor the other way.
fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::info))
        .routes(routes!(
            backups::handlers::list_backups,
            backups::handlers::run_backup
        ))
        .routes(routes!(auth::handlers::login))
        .routes(routes!(auth::handlers::logout))
        .routes(routes!(auth::handlers::current))
        .routes(routes!(
            users::handlers::list_users,
            users::handlers::create_user
        ))
        .routes(routes!(
            users::handlers::update_user,
            users::handlers::delete_user
        ))
        .routes(routes!(users::handlers::reset_password))
        .routes(routes!(users::handlers::staff_options))
        .routes(routes!(camps::handlers::list_public))
        .routes(routes!(camps::handlers::get_public))
        .routes(routes!(
            camps::handlers::list_admin,
            camps::handlers::create
        ))
        .routes(routes!(
            camps::handlers::get_admin,
            camps::handlers::update,
            camps::handlers::delete
        ))
        .routes(routes!(camps::handlers::qrcode))
        .routes(routes!(uploads::handlers::upload))
        .routes(routes!(uploads::handlers::download))
        .routes(routes!(payments::handlers::pay_options))
        .routes(routes!(payments::handlers::sign_up))
        .routes(routes!(payments::handlers::order))
        .routes(routes!(payments::handlers::order_qr))
        .routes(routes!(enrollments::handlers::my_enrollment))
        .routes(routes!(enrollments::handlers::group_qr))
        .routes(routes!(enrollments::handlers::personal_link_url))
        .routes(routes!(payments::handlers::poll_now))
        .routes(routes!(enrollments::handlers::list))
        .routes(routes!(enrollments::handlers::export))
        .routes(routes!(enrollments::handlers::detail))
        .routes(routes!(enrollments::handlers::mark_joined))
        .routes(routes!(
            checkins::handlers::set_match,
            checkins::handlers::clear_match
        ))
        .routes(routes!(checkins::handlers::list))
        .routes(routes!(checkins::handlers::export))
        .routes(routes!(checkins::handlers::camp_stats))
        .routes(routes!(checkins::handlers::export_stats))
        .routes(routes!(checkins::handlers::planet_accounts))
        .routes(routes!(checkins::handlers::import_file))
        .routes(routes!(checkins::handlers::import_template))
        .routes(routes!(checkins::handlers::my_progress))
        .routes(routes!(settings::handlers::get, settings::handlers::update))
        .routes(routes!(settings::handlers::test))
        .routes(routes!(
            planet::handlers::get_settings,
            planet::handlers::update_settings
        ))
        .routes(routes!(planet::handlers::test_connection))
        .routes(routes!(planet::handlers::publish_planet))
        .routes(routes!(planet::handlers::sandbox_add_checkins))
        .routes(routes!(planet::handlers::sandbox_generate))
        .routes(routes!(planet::handlers::sync_camp))
        .routes(routes!(planet::handlers::list_sync_runs))
        .routes(routes!(jobs::handlers::list_job_runs))
        .routes(routes!(alerts::handlers::list_alerts))
        .routes(routes!(alerts::handlers::resolve_alert))
        .routes(routes!(audit::handlers::list_audit_logs))
        .routes(routes!(audit::handlers::list_audit_actions))
        .split_for_parts();
    Conventions.modify(&mut document);
    (router.layer(DefaultBodyLimit::max(BODY_LIMIT)), document)
}

/// The JSON API router under `/api/v1`.
pub fn router() -> Router<AppState> {
    routes().0
}

/// The served OpenAPI 3 document: the routes' own annotations plus [`Conventions`].
pub fn document() -> utoipa::openapi::OpenApi {
    static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(|| routes().1);
    DOCUMENT.clone()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "训练营押金自动退款系统 API",
        description = "会员端与管理后台共用的 JSON API。错误统一为 {code, message, details, request_id}。"
    ),
    components(schemas(
        shared::api::CampStatusFilter,
        shared::api::JoinedFilter,
        shared::api::UploadKind,
        shared::error::ApiError
    )),
    // `/healthz` lives outside the API router; every API route comes from `routes()`.
    paths(system::healthz),
)]
pub struct ApiDoc;

/// Operations open without a staff session: visitors, members (who prove
/// payment with their own cookie or link) and signing in. Every other operation
/// under `/api/v1` needs the staff session cookie; the document says so.
pub const PUBLIC_OPERATIONS: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/api/v1/system/info"),
    ("post", "/api/v1/auth/login"),
    ("get", "/api/v1/camps"),
    ("get", "/api/v1/camps/{id}"),
    ("post", "/api/v1/camps/{id}/enrollments"),
    ("get", "/api/v1/pay/options"),
    ("get", "/api/v1/orders/{out_trade_no}"),
    ("get", "/api/v1/orders/{out_trade_no}/qrcode.png"),
    ("get", "/api/v1/enrollments/{id}"),
    ("get", "/api/v1/enrollments/{id}/group-qr"),
    ("get", "/api/v1/enrollments/{id}/progress"),
    ("post", "/api/v1/enrollments/{id}/personal-link"),
    ("get", "/api/v1/uploads/{id}"),
];

/// The staff session cookie set by `POST /api/v1/auth/login`.
pub const STAFF_SESSION: &str = "staff_session";

/// What holds for every operation, applied to the document in one place so no
/// route can miss it: path parameters declared from the path itself, the staff
/// session where one is needed, and the error responses each kind of operation
/// can give, all with the one error shape.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};

        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                STAFF_SESSION,
                SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                    crate::auth::session::SESSION_COOKIE,
                    "登录后设置的会话 Cookie；修改类请求还需带 x-csrf-token 请求头",
                ))),
            );
        for (path, item) in openapi.paths.paths.iter_mut() {
            let path_params = path_parameters(path);
            for (method, operation) in [
                ("get", &mut item.get),
                ("post", &mut item.post),
                ("put", &mut item.put),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ] {
                let Some(operation) = operation.as_mut() else {
                    continue;
                };
                declare_path_parameters(operation, &path_params);
                let public = PUBLIC_OPERATIONS.contains(&(method, path.as_str()));
                if !public {
                    operation.security = Some(vec![SecurityRequirement::new(
                        STAFF_SESSION,
                        Vec::<String>::new(),
                    )]);
                }
                let has_query = operation
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Query));
                let has_body = operation.request_body.is_some();
                let writes = method != "get";
                let mut errors = vec![(500, "服务器内部错误")];
                if has_query || has_body || !path_params.is_empty() {
                    errors.push((400, "请求无法解析（JSON、查询参数或路径参数格式不正确），details.fields 指出字段"));
                }
                if has_query || has_body {
                    errors.push((422, "内容未通过校验，details.fields 按字段给出中文说明"));
                }
                if !public {
                    errors.push((401, "未登录或会话已失效"));
                    errors.push((403, "当前角色无权执行此操作，或页面已过期（CSRF）"));
                }
                if !path_params.is_empty() {
                    errors.push((404, "内容不存在，或对当前访问者不可见"));
                }
                if writes && path.starts_with("/api/v1/") {
                    errors.push((409, "数据已存在或已被修改"));
                }
                if path.starts_with("/api/v1/") {
                    errors.push((429, "请求过于频繁（带 Retry-After 头）或登录失败次数过多"));
                    errors.push((503, "数据库繁忙，未写入任何内容，请按 Retry-After 稍后重试"));
                }
                for (status, description) in errors {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

/// `{id}` and `{out_trade_no}` in `/api/v1/orders/{out_trade_no}/qrcode.png`.
fn path_parameters(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_owned)
        .collect()
}

fn declare_path_parameters(operation: &mut utoipa::openapi::path::Operation, names: &[String]) {
    use utoipa::openapi::path::ParameterBuilder;
    use utoipa::openapi::{ObjectBuilder, Required, Type};

    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    for name in names {
        let declared = parameters
            .iter()
            .any(|p| &p.name == name && matches!(p.parameter_in, ParameterIn::Path));
        if declared {
            continue;
        }
        let (description, schema) = if name == "id" {
            (
                "数字 ID",
                ObjectBuilder::new().schema_type(Type::Integer).format(Some(
                    utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64),
                )),
            )
        } else {
            (
                "商户订单号（out_trade_no）",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(Some(32)),
            )
        };
        parameters.push(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(schema))
                .build(),
        );
    }
}

fn error_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ApiError")))
                .build(),
        )
        .build()
        .into()
}

pub async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(document())
}

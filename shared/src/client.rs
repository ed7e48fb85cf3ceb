//! The typed API client both Leptos apps use. It is written over a `Transport`:
//! in the browser that is `fetch`; during SSR the server provides one that calls
//! its own router in-process with the visitor's cookies, so every page goes
//! through the same handlers and the same authorization as a third party would.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::*;
use crate::checkin_api::{
    CampCheckinStats, CheckinQuery, CheckinRecordDto, ImportOutcome, ManualMatchRequest,
    MemberProgress, PlanetAccountDto,
};
use crate::error::{ApiError, ErrorCode};
use crate::planet::{
    PlanetConnectionTest, PlanetPublished, PlanetSettingsUpdate, PlanetSettingsView,
    SandboxCheckinsCreated, SandboxCheckinsRequest, SandboxGenerateRequest, SyncRunDto,
    SyncRunQuery, SyncStarted,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: Method,
    /// Path and query, starting with `/api/v1/`.
    pub path: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub body: Vec<u8>,
    /// The `Retry-After` header in seconds, when the server sent one (429, 503).
    pub retry_after_secs: Option<u32>,
}

pub type TransportFuture = Pin<Box<dyn Future<Output = Result<RawResponse, ApiError>> + Send>>;

pub trait Transport: Send + Sync {
    fn send(&self, request: RawRequest) -> TransportFuture;
}

#[derive(Clone)]
pub struct ApiClient {
    transport: Arc<dyn Transport>,
}

impl ApiClient {
    pub fn new(transport: Arc<dyn Transport>) -> Self {
        Self { transport }
    }

    async fn call<T: DeserializeOwned>(&self, request: RawRequest) -> Result<T, ApiError> {
        let response = self.transport.send(request).await?;
        let body = if response.body.is_empty() {
            b"null".as_slice()
        } else {
            &response.body
        };
        if (200..300).contains(&response.status) {
            serde_json::from_slice(body).map_err(|_| ApiError::new(ErrorCode::Transport))
        } else {
            let mut error = serde_json::from_slice::<ApiError>(body)
                .unwrap_or_else(|_| ApiError::new(ErrorCode::Transport));
            error.retry_after_secs = response.retry_after_secs;
            Err(error)
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: String) -> Result<T, ApiError> {
        self.call(RawRequest {
            method: Method::Get,
            path,
            content_type: None,
            body: Vec::new(),
        })
        .await
    }

    async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        body: &impl Serialize,
    ) -> Result<T, ApiError> {
        let body = serde_json::to_vec(body).map_err(|_| ApiError::new(ErrorCode::BadRequest))?;
        self.call(RawRequest {
            method,
            path,
            content_type: Some("application/json".into()),
            body,
        })
        .await
    }

    async fn send_empty<T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
    ) -> Result<T, ApiError> {
        self.call(RawRequest {
            method,
            path,
            content_type: None,
            body: Vec::new(),
        })
        .await
    }

    // ---- system ----

    pub async fn system_info(&self) -> Result<SystemInfo, ApiError> {
        self.get("/api/v1/system/info".into()).await
    }

    pub async fn run_backup(&self) -> Result<BackupQueued, ApiError> {
        self.send_empty(Method::Post, "/api/v1/system/backups".into())
            .await
    }

    pub async fn list_backups(&self) -> Result<Vec<BackupDto>, ApiError> {
        self.get("/api/v1/system/backups".into()).await
    }

    // ---- staff session ----

    pub async fn login(&self, request: &LoginRequest) -> Result<Me, ApiError> {
        self.send_json(Method::Post, "/api/v1/auth/login".into(), request)
            .await
    }

    pub async fn logout(&self) -> Result<(), ApiError> {
        self.send_empty(Method::Post, "/api/v1/auth/logout".into())
            .await
    }

    /// The signed-in staff member, or `None` for a visitor who is not signed in.
    pub async fn me(&self) -> Result<Option<Me>, ApiError> {
        match self.get("/api/v1/auth/me".into()).await {
            Ok(me) => Ok(Some(me)),
            Err(e) if e.code == ErrorCode::Unauthenticated => Ok(None),
            Err(e) => Err(e),
        }
    }

    // ---- users ----

    pub async fn list_users(&self) -> Result<Vec<UserDto>, ApiError> {
        self.get("/api/v1/users".into()).await
    }

    pub async fn create_user(&self, request: &CreateUserRequest) -> Result<UserDto, ApiError> {
        self.send_json(Method::Post, "/api/v1/users".into(), request)
            .await
    }

    pub async fn update_user(
        &self,
        id: i64,
        request: &UpdateUserRequest,
    ) -> Result<UserDto, ApiError> {
        self.send_json(Method::Put, format!("/api/v1/users/{id}"), request)
            .await
    }

    pub async fn delete_user(&self, id: i64) -> Result<(), ApiError> {
        self.send_empty(Method::Delete, format!("/api/v1/users/{id}"))
            .await
    }

    pub async fn reset_password(&self, id: i64) -> Result<ResetPasswordResponse, ApiError> {
        self.send_empty(Method::Post, format!("/api/v1/users/{id}/reset-password"))
            .await
    }

    // ---- camps ----

    /// Camps open to members: ongoing and upcoming.
    pub async fn public_camps(&self) -> Result<Vec<PublicCamp>, ApiError> {
        self.get("/api/v1/camps".into()).await
    }

    pub async fn public_camp(&self, id: i64) -> Result<PublicCamp, ApiError> {
        self.get(format!("/api/v1/camps/{id}")).await
    }

    pub async fn admin_camps(&self, query: &CampListQuery) -> Result<Page<CampDto>, ApiError> {
        self.get(format!("/api/v1/admin/camps?{}", to_query(query)))
            .await
    }

    pub async fn admin_camp(&self, id: i64) -> Result<CampDto, ApiError> {
        self.get(format!("/api/v1/admin/camps/{id}")).await
    }

    pub async fn create_camp(&self, request: &CampRequest) -> Result<CampDto, ApiError> {
        self.send_json(Method::Post, "/api/v1/admin/camps".into(), request)
            .await
    }

    pub async fn update_camp(&self, id: i64, request: &CampRequest) -> Result<CampDto, ApiError> {
        self.send_json(Method::Put, format!("/api/v1/admin/camps/{id}"), request)
            .await
    }

    pub async fn delete_camp(&self, id: i64) -> Result<(), ApiError> {
        self.send_empty(Method::Delete, format!("/api/v1/admin/camps/{id}"))
            .await
    }

    pub async fn staff_options(&self) -> Result<Vec<StaffOption>, ApiError> {
        self.get("/api/v1/admin/staff-options".into()).await
    }

    /// Uploads an image; the server checks its content, not its name.
    pub async fn upload_image(
        &self,
        kind: UploadKind,
        content_type: String,
        bytes: Vec<u8>,
    ) -> Result<UploadDto, ApiError> {
        let path = format!("/api/v1/uploads?kind={}", kind.as_str());
        self.call(RawRequest {
            method: Method::Post,
            path,
            content_type: Some(content_type),
            body: bytes,
        })
        .await
    }

    // ---- member sign-up and payment ----

    pub async fn pay_options(&self) -> Result<PayOptions, ApiError> {
        self.get("/api/v1/pay/options".into()).await
    }

    pub async fn sign_up(
        &self,
        camp_id: i64,
        request: &SignUpRequest,
    ) -> Result<SignUpResponse, ApiError> {
        self.send_json(
            Method::Post,
            format!("/api/v1/camps/{camp_id}/enrollments"),
            request,
        )
        .await
    }

    pub async fn order(&self, out_trade_no: &str) -> Result<OrderView, ApiError> {
        self.get(format!("/api/v1/orders/{out_trade_no}")).await
    }

    pub async fn my_enrollment(&self, id: i64) -> Result<MyEnrollment, ApiError> {
        self.get(format!("/api/v1/enrollments/{id}")).await
    }

    /// The member's own check-in progress (PRD §4.1.4); only the paying browser.
    pub async fn my_progress(&self, enrollment_id: i64) -> Result<MemberProgress, ApiError> {
        self.get(format!("/api/v1/enrollments/{enrollment_id}/progress"))
            .await
    }

    // ---- staff: enrollments ----

    pub async fn enrollments(
        &self,
        query: &EnrollmentQuery,
    ) -> Result<Page<EnrollmentRow>, ApiError> {
        self.get(format!("/api/v1/admin/enrollments?{}", to_query(query)))
            .await
    }

    /// The link that downloads the same list as an Excel file.
    pub fn enrollments_export_url(query: &EnrollmentQuery) -> String {
        format!("/api/v1/admin/enrollments/export.xlsx?{}", to_query(query))
    }

    pub async fn enrollment(&self, id: i64) -> Result<EnrollmentDetail, ApiError> {
        self.get(format!("/api/v1/admin/enrollments/{id}")).await
    }

    pub async fn mark_joined(&self, id: i64, joined: bool) -> Result<EnrollmentDetail, ApiError> {
        self.send_json(
            Method::Post,
            format!("/api/v1/admin/enrollments/{id}/joined"),
            &MarkJoinedRequest { joined },
        )
        .await
    }

    pub async fn poll_payments(&self) -> Result<serde_json::Value, ApiError> {
        self.send_empty(Method::Post, "/api/v1/admin/payments/poll".into())
            .await
    }

    // ---- staff: check-ins and Knowledge Planet (PRD §4.2.3, §7, §13.1) ----

    /// 打卡记录, newest first.
    pub async fn checkins(&self, query: &CheckinQuery) -> Result<Page<CheckinRecordDto>, ApiError> {
        self.get(format!("/api/v1/admin/checkins?{}", to_query(query)))
            .await
    }

    /// The link that downloads the same check-in records as an Excel file.
    pub fn checkins_export_url(query: &CheckinQuery) -> String {
        format!("/api/v1/admin/checkins/export.xlsx?{}", to_query(query))
    }

    /// 进度统计 of one camp: the cards and the per-member calendar.
    pub async fn checkin_stats(&self, camp_id: i64) -> Result<CampCheckinStats, ApiError> {
        self.get(format!("/api/v1/admin/camps/{camp_id}/checkin-stats"))
            .await
    }

    pub fn checkin_stats_export_url(camp_id: i64) -> String {
        format!("/api/v1/admin/camps/{camp_id}/checkin-stats/export.xlsx")
    }

    /// The planet accounts seen in a camp, for "手动匹配".
    pub async fn planet_accounts(&self, camp_id: i64) -> Result<Vec<PlanetAccountDto>, ApiError> {
        self.get(format!("/api/v1/admin/camps/{camp_id}/planet-accounts"))
            .await
    }

    /// Staff's match of an enrollment to a planet account (audited).
    pub async fn set_match(
        &self,
        enrollment_id: i64,
        user_id: i64,
    ) -> Result<EnrollmentDetail, ApiError> {
        self.send_json(
            Method::Put,
            format!("/api/v1/admin/enrollments/{enrollment_id}/match"),
            &ManualMatchRequest { user_id },
        )
        .await
    }

    /// Undoes a manual match: automatic matching decides again.
    pub async fn clear_match(&self, enrollment_id: i64) -> Result<EnrollmentDetail, ApiError> {
        self.send_empty(
            Method::Delete,
            format!("/api/v1/admin/enrollments/{enrollment_id}/match"),
        )
        .await
    }

    /// Imports a CSV or .xlsx of check-ins (all rows or none).
    pub async fn import_checkins(
        &self,
        camp_id: i64,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<ImportOutcome, ApiError> {
        let (content_type, body) = multipart_file("file", file_name, &bytes);
        self.call(RawRequest {
            method: Method::Post,
            path: format!("/api/v1/admin/camps/{camp_id}/checkins/import"),
            content_type: Some(content_type),
            body,
        })
        .await
    }

    pub fn import_template_url(camp_id: i64) -> String {
        format!("/api/v1/admin/camps/{camp_id}/checkins/import-template")
    }

    /// "立即同步": `kind` is `incremental` (default), `full` or `ranking`.
    pub async fn sync_camp(&self, camp_id: i64, kind: &str) -> Result<SyncStarted, ApiError> {
        self.send_empty(
            Method::Post,
            format!("/api/v1/admin/camps/{camp_id}/sync?kind={kind}"),
        )
        .await
    }

    pub async fn sync_runs(&self, query: &SyncRunQuery) -> Result<Vec<SyncRunDto>, ApiError> {
        self.get(format!("/api/v1/admin/sync-runs?{}", to_query(query)))
            .await
    }

    /// "保存并发布知识星球": creates the camp's check-in project.
    pub async fn publish_planet(&self, camp_id: i64) -> Result<PlanetPublished, ApiError> {
        self.send_empty(
            Method::Post,
            format!("/api/v1/admin/camps/{camp_id}/publish-planet"),
        )
        .await
    }

    pub async fn planet_settings(&self) -> Result<PlanetSettingsView, ApiError> {
        self.get("/api/v1/admin/settings/zsxq".into()).await
    }

    pub async fn update_planet_settings(
        &self,
        update: &PlanetSettingsUpdate,
    ) -> Result<PlanetSettingsView, ApiError> {
        self.send_json(Method::Put, "/api/v1/admin/settings/zsxq".into(), update)
            .await
    }

    pub async fn test_planet(&self) -> Result<PlanetConnectionTest, ApiError> {
        self.send_empty(Method::Post, "/api/v1/admin/settings/zsxq/test".into())
            .await
    }

    /// Sandbox only: posts for one member on chosen dates in the simulator.
    pub async fn sandbox_add_checkins(
        &self,
        request: &SandboxCheckinsRequest,
    ) -> Result<SandboxCheckinsCreated, ApiError> {
        self.send_json(
            Method::Post,
            "/api/v1/admin/sandbox/zsxq/checkins".into(),
            request,
        )
        .await
    }

    /// Sandbox only: a realistic month of posts for a camp's paid members.
    pub async fn sandbox_generate(
        &self,
        request: &SandboxGenerateRequest,
    ) -> Result<SandboxCheckinsCreated, ApiError> {
        self.send_json(
            Method::Post,
            "/api/v1/admin/sandbox/zsxq/generate".into(),
            request,
        )
        .await
    }

    // ---- staff: alerts (operations) ----

    /// Open alerts (`resolved: Some(false)`), resolved ones, or all.
    pub async fn alerts(
        &self,
        resolved: Option<bool>,
    ) -> Result<Vec<crate::ops::AlertDto>, ApiError> {
        let query = resolved
            .map(|r| format!("?resolved={r}"))
            .unwrap_or_default();
        self.get(format!("/api/v1/admin/alerts{query}")).await
    }

    /// "已处理": the alert leaves the banner (audited).
    pub async fn resolve_alert(&self, id: i64) -> Result<crate::ops::AlertDto, ApiError> {
        self.send_empty(Method::Post, format!("/api/v1/admin/alerts/{id}/resolve"))
            .await
    }

    // ---- staff: WeChat Pay settings ----

    pub async fn wechat_pay_settings(&self) -> Result<WechatPaySettingsView, ApiError> {
        self.get("/api/v1/admin/settings/wechat-pay".into()).await
    }

    pub async fn update_wechat_pay_settings(
        &self,
        update: &WechatPaySettingsUpdate,
    ) -> Result<WechatPaySettingsView, ApiError> {
        self.send_json(
            Method::Put,
            "/api/v1/admin/settings/wechat-pay".into(),
            update,
        )
        .await
    }

    pub async fn test_wechat_pay(&self) -> Result<ConnectionTest, ApiError> {
        self.send_empty(
            Method::Post,
            "/api/v1/admin/settings/wechat-pay/test".into(),
        )
        .await
    }

    // ---- audit log ----

    pub async fn audit_logs(&self, query: &AuditLogQuery) -> Result<Page<AuditLogDto>, ApiError> {
        self.get(format!("/api/v1/audit-logs?{}", to_query(query)))
            .await
    }

    pub async fn audit_actions(&self) -> Result<Vec<AuditActionOption>, ApiError> {
        self.get("/api/v1/audit-logs/actions".into()).await
    }
}

fn to_query(query: &impl Serialize) -> String {
    serde_urlencoded::to_string(query).unwrap_or_default()
}

/// A `multipart/form-data` body holding one file field: `(content type, body)`.
/// The boundary is fixed text that cannot occur in a file name we write (quotes
/// and line breaks are replaced) and is checked against the bytes.
fn multipart_file(field: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let mut boundary = String::from("----camp-form-boundary-7d3f9a");
    while bytes
        .windows(boundary.len())
        .any(|w| w == boundary.as_bytes())
    {
        boundary.push('x');
    }
    let safe_name: String = file_name
        .chars()
        .map(|c| {
            if matches!(c, '"' | '\r' | '\n' | '\\') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{safe_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[cfg(test)]
mod tests {
    use super::multipart_file;

    #[test]
    fn a_multipart_body_holds_the_file_between_boundaries_that_do_not_occur_in_it() {
        let data = b"a----camp-form-boundary-7d3f9a b";
        let (content_type, body) = multipart_file("file", "打卡\"x.csv", data);
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap_or_default();
        assert!(boundary.starts_with("----camp-form-boundary-7d3f9a"));
        assert_ne!(boundary, "----camp-form-boundary-7d3f9a");
        let text = String::from_utf8(body).unwrap_or_default();
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("filename=\"打卡_x.csv\""));
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
        assert_eq!(text.matches(boundary).count(), 2);
    }
}

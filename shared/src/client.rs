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
use crate::checkin_api::MemberProgress;
use crate::error::{ApiError, ErrorCode};

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

//! The edge's error type, and the typed-error pattern every domain module follows.
//!
//! Policy: domain failures reach the client as `{"code", "message", "details"}`
//! (`shared::error::ApiError`) with a stable [`ErrorCode`] and a Chinese message;
//! anything else is [`AppError::Internal`], whose cause goes to the log and never
//! to the client (it sees only "服务器内部错误").
//!
//! # Adding errors to a domain module (the pattern)
//! 1. The module declares one `thiserror` enum of its own failures; the
//!    `#[error("…")]` text is the Chinese message shown to people:
//!    ```text
//!    #[derive(Debug, thiserror::Error)]
//!    pub enum CampError {
//!        #[error("训练营已开始，不能删除")]
//!        Started,
//!    }
//!    ```
//! 2. Each variant gets a stable code: add it to `shared::error::ErrorCode` (with
//!    its default message) and its HTTP status to [`status_of`] (the match is
//!    exhaustive, so a new code does not compile without one).
//! 3. The enum implements [`DomainError`] (`code`, and `field` when the error is
//!    about one request field); the blanket `From` then lets services return
//!    `AppResult<T>` and simply `?` it.
//! 4. A unique index or constraint that a concurrent request can hit gets a row
//!    in [`UNIQUE_CONSTRAINTS`]: the violation then becomes that row's code and
//!    field instead of a generic `conflict`. Name the index in the migration.
//! 5. Clients — the two apps and the tests — match `code` (and the field name),
//!    never the message text.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{ConnAcquireErr, DbErr, SqlErr};
use shared::error::{ApiError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// A domain module's typed failure: its `Display` is the Chinese message.
pub trait DomainError: std::error::Error {
    /// The stable code clients match on.
    fn code(&self) -> ErrorCode;

    /// The request field the failure is about, if one (`details.fields`).
    fn field(&self) -> Option<&'static str> {
        None
    }
}

impl<E: DomainError> From<E> for AppError {
    fn from(err: E) -> Self {
        let api = ApiError::with_message(err.code(), err.to_string());
        Self::Api(match err.field() {
            Some(field) => api.on_field(field),
            None => api,
        })
    }
}

impl AppError {
    pub fn code(code: ErrorCode) -> Self {
        Self::Api(ApiError::new(code))
    }

    pub fn message(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Api(ApiError::with_message(code, message))
    }

    pub fn not_found(what: &str) -> Self {
        Self::message(ErrorCode::NotFound, format!("{what}不存在"))
    }

    pub fn field(name: &str, message: impl Into<String>) -> Self {
        Self::Api(ApiError::field(name, message))
    }

    /// The code a client would see (`Internal` for internal errors).
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::Api(api) => api.code,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

/// A unique index or constraint and what its violation means to a client.
#[derive(Debug, Clone, Copy)]
pub struct UniqueConstraint {
    /// The index or constraint name, as PostgreSQL reports it.
    pub name: &'static str,
    pub table: &'static str,
    /// The indexed columns, in index order: SQLite names these, not the index.
    pub columns: &'static [&'static str],
    pub code: ErrorCode,
    /// The request field to point at.
    pub field: Option<&'static str>,
    pub message: &'static str,
}

/// Every unique index a request can run into, by name. A violation of one not
/// listed here is a generic `conflict` and logs a warning asking for a row.
pub const UNIQUE_CONSTRAINTS: &[UniqueConstraint] = &[
    UniqueConstraint {
        // `string_len_uniq` in the foundation migration: PostgreSQL's default name.
        name: "users_username_key",
        table: "users",
        columns: &["username"],
        code: ErrorCode::UsernameTaken,
        field: Some("username"),
        message: "用户名已存在",
    },
    UniqueConstraint {
        name: "uq_enrollments_camp_planet",
        table: "enrollments",
        columns: &["camp_id", "planet_id"],
        code: ErrorCode::AlreadyEnrolled,
        field: Some("planet_id"),
        message: "该星球ID已报名本训练营",
    },
];

impl UniqueConstraint {
    /// Whether a database's unique-violation message is about this constraint.
    /// PostgreSQL: `duplicate key value violates unique constraint "<name>"`;
    /// SQLite: `UNIQUE constraint failed: <table>.<col>, <table>.<col>`.
    pub fn matches(&self, db_message: &str) -> bool {
        if db_message.contains(&format!("\"{}\"", self.name)) {
            return true;
        }
        let Some((_, columns)) = db_message.split_once("UNIQUE constraint failed: ") else {
            return false;
        };
        let reported: Vec<&str> = columns.trim().split(", ").collect();
        reported.len() == self.columns.len()
            && reported
                .iter()
                .zip(self.columns)
                .all(|(got, column)| *got == format!("{}.{column}", self.table))
    }

    fn to_error(self) -> AppError {
        let api = ApiError::with_message(self.code, self.message);
        AppError::Api(match self.field {
            Some(field) => api.on_field(field),
            None => api,
        })
    }
}

/// The API error for a unique violation's database message.
pub fn unique_violation(db_message: &str) -> AppError {
    match UNIQUE_CONSTRAINTS.iter().find(|c| c.matches(db_message)) {
        Some(constraint) => constraint.to_error(),
        None => {
            tracing::warn!(
                db_message,
                "unique violation of a constraint missing from error::UNIQUE_CONSTRAINTS"
            );
            AppError::code(ErrorCode::Conflict)
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        // A unique index that a check missed under concurrency is a client error, not a crash.
        if let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() {
            return unique_violation(&message);
        }
        // Every pooled connection stayed busy past the acquire timeout: a surge, not a bug;
        // the request wrote nothing, so the client is told to retry.
        if let DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) = err {
            tracing::warn!("no database connection within the acquire timeout; answering busy");
            return Self::code(ErrorCode::Busy);
        }
        // SQLite lets one writer in at a time: a transaction that read first and then
        // wants to write while another writer holds the lock fails at once with
        // SQLITE_BUSY / SQLITE_BUSY_SNAPSHOT (the busy timeout cannot help it). The
        // transaction is rolled back, nothing was written: the client retries.
        if is_sqlite_busy(&err) {
            tracing::warn!(error = %err, "SQLite write lock contended; answering busy");
            return Self::code(ErrorCode::Busy);
        }
        Self::Internal(anyhow::Error::new(err))
    }
}

/// Whether an error's cause is database contention (see `From<DbErr>`).
fn is_contention(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|cause| cause.downcast_ref::<DbErr>())
        .any(|db| {
            is_sqlite_busy(db) || matches!(db, DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))
        })
}

/// SQLITE_BUSY (5), SQLITE_LOCKED (6), SQLITE_BUSY_RECOVERY (261), SQLITE_BUSY_SNAPSHOT (517),
/// as sqlx prints them (`(code: N) database is locked`).
fn is_sqlite_busy(err: &DbErr) -> bool {
    let text = err.to_string();
    ["(code: 5)", "(code: 6)", "(code: 261)", "(code: 517)"]
        .iter()
        .any(|code| text.contains(code))
}

pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::Validation => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
        ErrorCode::AccountLocked => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::AccountDisabled | ErrorCode::Forbidden | ErrorCode::CsrfFailed => {
            StatusCode::FORBIDDEN
        }
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict
        | ErrorCode::UsernameTaken
        | ErrorCode::AlreadyEnrolled
        | ErrorCode::CampStarted
        | ErrorCode::CampHasEnrollments
        | ErrorCode::AlertResolved
        | ErrorCode::CampEnded
        | ErrorCode::SoleCoach
        | ErrorCode::CannotDeleteSelf
        | ErrorCode::PlanetNotConfigured
        | ErrorCode::PlanetAlreadyPublished
        | ErrorCode::RefundExceedsPaid
        | ErrorCode::RefundNotAllowed
        | ErrorCode::RefundStateConflict => StatusCode::CONFLICT,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal | ErrorCode::Transport => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Upstream | ErrorCode::PlanetCookieExpired => StatusCode::BAD_GATEWAY,
        ErrorCode::Busy => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = match self {
            Self::Api(body) => body,
            // A database error that reached here through `anyhow` (services that
            // return `anyhow::Result`, e.g. the settings store) is classified like
            // one converted directly: contention is busy, not a crash.
            Self::Internal(err) if is_contention(&err) => {
                tracing::warn!(error = %err, "database contended; answering busy");
                ApiError::new(ErrorCode::Busy)
            }
            Self::Internal(err) => {
                tracing::error!(error = ?err, "request failed");
                ApiError::new(ErrorCode::Internal)
            }
        };
        let busy = body.code == ErrorCode::Busy;
        let mut response = (status_of(body.code), Json(body)).into_response();
        if busy {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_and_field(err: AppError) -> (ErrorCode, Option<String>) {
        match err {
            AppError::Api(api) => {
                let field = api.details.and_then(|d| d.fields.into_keys().next());
                (api.code, field)
            }
            AppError::Internal(e) => panic!("expected an API error, got {e:#}"),
        }
    }

    #[test]
    fn contention_wrapped_in_anyhow_is_busy_not_internal() {
        let wrapped = anyhow::Error::new(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))
            .context("saving the settings");
        let response = AppError::Internal(wrapped).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let other = AppError::Internal(anyhow::anyhow!("disk full")).into_response();
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn an_exhausted_connection_pool_is_busy_with_retry_after_not_internal() {
        let err = AppError::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout));
        assert_eq!(
            code_and_field(AppError::from(DbErr::ConnectionAcquire(
                ConnAcquireErr::Timeout
            ))),
            (ErrorCode::Busy, None)
        );
        let response = err.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn unique_violations_map_by_constraint_name_on_postgres() {
        let err = unique_violation(
            "duplicate key value violates unique constraint \"uq_enrollments_camp_planet\"",
        );
        assert_eq!(
            code_and_field(err),
            (ErrorCode::AlreadyEnrolled, Some("planet_id".into()))
        );
    }

    #[test]
    fn unique_violations_map_by_columns_on_sqlite() {
        let err = unique_violation("UNIQUE constraint failed: users.username");
        assert_eq!(
            code_and_field(err),
            (ErrorCode::UsernameTaken, Some("username".into()))
        );
        // A different column set of the same table is not this constraint.
        let err = unique_violation("UNIQUE constraint failed: users.username, users.role");
        assert_eq!(code_and_field(err), (ErrorCode::Conflict, None));
    }

    #[derive(Debug, thiserror::Error)]
    enum SampleError {
        #[error("训练营已开始，不能删除")]
        Started,
        #[error("用户名已存在")]
        Taken,
    }

    impl DomainError for SampleError {
        fn code(&self) -> ErrorCode {
            match self {
                Self::Started => ErrorCode::CampStarted,
                Self::Taken => ErrorCode::UsernameTaken,
            }
        }
        fn field(&self) -> Option<&'static str> {
            matches!(self, Self::Taken).then_some("username")
        }
    }

    #[test]
    fn domain_errors_keep_code_message_and_field() {
        let AppError::Api(api) = AppError::from(SampleError::Started) else {
            panic!("an API error");
        };
        assert_eq!(api.code, ErrorCode::CampStarted);
        assert_eq!(api.message, "训练营已开始，不能删除");
        assert!(api.details.is_none());
        assert_eq!(
            code_and_field(SampleError::Taken.into()),
            (ErrorCode::UsernameTaken, Some("username".into()))
        );
    }
}

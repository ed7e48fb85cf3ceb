//! The edge's error type. Domain failures carry a stable code and a Chinese
//! message (`shared::error::ApiError`); anything else is an internal error whose
//! cause goes to the log, never to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::{DbErr, SqlErr};
use shared::error::{ApiError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

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
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        // A unique constraint that a check missed under concurrency is a conflict, not a crash.
        if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
            return Self::code(ErrorCode::Conflict);
        }
        Self::Internal(anyhow::Error::new(err))
    }
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
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal | ErrorCode::Transport => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Upstream => StatusCode::BAD_GATEWAY,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = match self {
            Self::Api(body) => body,
            Self::Internal(err) => {
                tracing::error!(error = ?err, "request failed");
                ApiError::new(ErrorCode::Internal)
            }
        };
        (status_of(body.code), Json(body)).into_response()
    }
}

//! A member's own enrollment (PRD §4.1.3): the page after payment, the camp
//! group's QR code, and the personal link — each reached only through what
//! proves payment (see `payments::access`).

use chrono::Utc;
use sea_orm::{ConnectionTrait, EntityTrait};
use shared::api::MyEnrollment;
use shared::dates::business_date;

use crate::camps;
use crate::entity::{enrollments, uploads};
use crate::error::{AppError, AppResult};
use crate::payments::access::enrollment_for_member;

/// The member's enrollment; `public_url` is where the personal link points.
///
/// # Errors
/// Not found unless this browser's token is bound to the enrollment.
pub async fn my_enrollment(
    db: &impl ConnectionTrait,
    public_url: &str,
    id: i64,
    token: Option<&str>,
) -> AppResult<MyEnrollment> {
    let enrollment = enrollment_for_member(db, id, token).await?;
    let today = business_date(Utc::now());
    let camp = camps::service::get_public(db, enrollment.camp_id, today).await?;
    let paid = enrollment.status == enrollments::PAID;
    Ok(MyEnrollment {
        id,
        camp,
        planet_nickname: enrollment.planet_nickname,
        planet_id: enrollment.planet_id,
        paid,
        paid_at: enrollment.paid_at,
        amount_fen: enrollment.amount_fen,
        group_qr_url: paid.then(|| format!("/api/v1/enrollments/{id}/group-qr")),
        personal_link: token.map(|t| format!("{}/h5/m/{t}", public_url.trim_end_matches('/'))),
        today,
    })
}

/// The camp group's QR image, for a browser bound to a paid enrollment only.
///
/// # Errors
/// Not found for anyone else, and before payment.
pub async fn group_qr(
    db: &impl ConnectionTrait,
    id: i64,
    token: Option<&str>,
) -> AppResult<uploads::Model> {
    let enrollment = enrollment_for_member(db, id, token).await?;
    if enrollment.status != enrollments::PAID {
        return Err(AppError::not_found("群二维码"));
    }
    let camp = crate::entity::camps::Entity::find_by_id(enrollment.camp_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("训练营"))?;
    crate::uploads::service::find(db, camp.group_qr_upload_id).await
}

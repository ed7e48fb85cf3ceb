//! A member's own enrollment (PRD §4.1.3): the page after payment, the camp
//! group's QR code, and the personal link — each reached only through what
//! proves payment (see `payments::access`).

use chrono::Utc;
use sea_orm::{ConnectionTrait, EntityTrait};
use shared::api::{MyEnrollment, PersonalLink};
use shared::dates::business_date;

use crate::camps;
use crate::entity::{enrollments, uploads};
use crate::error::{AppError, AppResult};
use crate::payments::access::{self, enrollment_for_member};

/// The member's enrollment. It carries no token: the rendered page must not
/// hold the key to it (see [`personal_link`]).
///
/// # Errors
/// Not found unless this browser's token is bound to the enrollment.
pub async fn my_enrollment(
    db: &impl ConnectionTrait,
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

/// The personal link of a browser bound to the enrollment: `public_url` +
/// `/h5/m/<its member token>`. Only over an explicit API request.
///
/// # Errors
/// Not found unless this browser's token is bound to the enrollment.
pub async fn personal_link(
    db: &impl ConnectionTrait,
    public_url: &str,
    id: i64,
    token: Option<&str>,
) -> AppResult<PersonalLink> {
    enrollment_for_member(db, id, token).await?;
    let token = token.unwrap_or_default();
    Ok(PersonalLink {
        url: format!("{}/h5/m/{token}", public_url.trim_end_matches('/')),
    })
}

/// Opens a personal link in this browser (the POST after the confirmation
/// page): the browser's own token — or a new one if it has none — is bound to
/// the link's enrollments. The link's token is never set as this browser's
/// cookie, so a link cannot plant someone else's identity here (a planted
/// token would let its owner see what this browser pays for next).
///
/// Returns the newest enrollment to open, or `None` for an unknown link.
pub async fn open_personal_link(
    db: &impl ConnectionTrait,
    link_token: &str,
    browser_token_hash: &str,
) -> AppResult<Option<i64>> {
    let ids = access::enrollments_of_token(db, link_token).await?;
    for id in &ids {
        access::bind_token(db, browser_token_hash, *id).await?;
    }
    Ok(ids.first().copied())
}

/// What the confirmation page shows before a link is opened here: the camp and
/// the masked names, so the visitor sees whose enrollment it is.
pub async fn link_preview(
    db: &impl ConnectionTrait,
    link_token: &str,
) -> AppResult<Option<String>> {
    let Some(id) = access::enrollment_of_token(db, link_token).await? else {
        return Ok(None);
    };
    let Some(enrollment) = enrollments::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let camp = crate::entity::camps::Entity::find_by_id(enrollment.camp_id)
        .one(db)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let tail: String = enrollment
        .planet_id
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let first: String = enrollment.planet_nickname.chars().take(1).collect();
    Ok(Some(format!("「{camp}」· {first}**（星球ID 尾号 {tail}）")))
}

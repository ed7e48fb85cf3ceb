use chrono::Utc;
use imagesize::ImageType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Set,
};
use shared::api::{UploadDto, UploadKind};
use shared::roles::Area;
use shared::rules::{GROUP_QR_MAX_BYTES, POSTER_MAX_BYTES};

use crate::auth::Staff;
use crate::entity::{camps, uploads};
use crate::error::{AppError, AppResult};

/// Where an upload is served, by its public id.
pub fn url(public_id: &str) -> String {
    format!("/api/v1/uploads/{public_id}")
}

/// A fresh public id: 128 random bits as 32 hex characters.
fn new_public_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn max_bytes(kind: UploadKind) -> usize {
    match kind {
        UploadKind::Poster => POSTER_MAX_BYTES,
        UploadKind::GroupQr => GROUP_QR_MAX_BYTES,
    }
}

/// A JPEG or PNG, judged by its bytes, with its dimensions.
fn inspect(bytes: &[u8]) -> Option<(&'static str, u32, u32)> {
    let content_type = match imagesize::image_type(bytes).ok()? {
        ImageType::Jpeg => "image/jpeg",
        ImageType::Png => "image/png",
        _ => return None,
    };
    let size = imagesize::blob_size(bytes).ok()?;
    let width = u32::try_from(size.width).ok().filter(|w| *w > 0)?;
    let height = u32::try_from(size.height).ok().filter(|h| *h > 0)?;
    Some((content_type, width, height))
}

pub async fn store(
    db: &impl ConnectionTrait,
    kind: UploadKind,
    bytes: Vec<u8>,
    uploaded_by: i64,
) -> AppResult<UploadDto> {
    if bytes.is_empty() {
        return Err(AppError::field("file", "请选择要上传的图片"));
    }
    if bytes.len() > max_bytes(kind) {
        return Err(AppError::field("file", "图片不能超过2MB"));
    }
    let Some((content_type, width, height)) = inspect(&bytes) else {
        return Err(AppError::field("file", "仅支持JPG或PNG格式的图片"));
    };
    let size = i64::try_from(bytes.len()).map_err(anyhow::Error::from)?;
    let row = uploads::ActiveModel {
        public_id: Set(new_public_id()),
        kind: Set(kind.as_str().to_owned()),
        content_type: Set(content_type.to_owned()),
        size: Set(size),
        width: Set(i32::try_from(width).map_err(anyhow::Error::from)?),
        height: Set(i32::try_from(height).map_err(anyhow::Error::from)?),
        data: Set(bytes),
        uploaded_by: Set(Some(uploaded_by)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(UploadDto {
        url: url(&row.public_id),
        id: row.public_id,
        content_type: row.content_type,
        size,
        width,
        height,
    })
}

/// An upload by its database id.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> AppResult<uploads::Model> {
    uploads::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("图片"))
}

/// The public ids of uploads by their database ids (without loading the images).
pub async fn public_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<std::collections::HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(i64, String)> = uploads::Entity::find()
        .select_only()
        .column(uploads::Column::Id)
        .column(uploads::Column::PublicId)
        .filter(uploads::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// An upload by the public id browsers hold.
pub async fn find_public(db: &impl ConnectionTrait, public_id: &str) -> AppResult<uploads::Model> {
    uploads::Entity::find()
        .filter(uploads::Column::PublicId.eq(public_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("图片"))
}

/// Whether `staff` may see a group QR code: super admins and admins always
/// (they upload it before any camp uses it); coaches and volunteers only
/// when it is the group QR of one of their camps.
pub async fn staff_may_see_group_qr(
    db: &impl ConnectionTrait,
    staff: &Staff,
    upload_id: i64,
) -> AppResult<bool> {
    if staff.role.can(Area::CampManagement) {
        return Ok(true);
    }
    let Some(visible) = crate::camps::service::visible_camp_ids(db, staff, Area::CampView).await?
    else {
        return Ok(true);
    };
    let used_by = camps::Entity::find()
        .filter(camps::Column::GroupQrUploadId.eq(upload_id))
        .filter(camps::Column::Id.is_in(visible))
        .count(db)
        .await?;
    Ok(used_by > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_images_by_content() {
        // The smallest valid PNG header: signature + IHDR of a 2×3 image.
        let mut png = vec![
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
        ];
        png.extend_from_slice(&2u32.to_be_bytes());
        png.extend_from_slice(&3u32.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0]);
        assert_eq!(inspect(&png), Some(("image/png", 2, 3)));
        assert_eq!(
            inspect(b"hello, this is a text file renamed to poster.png"),
            None
        );
        assert_eq!(inspect(b"GIF89a\x01\x00\x01\x00"), None);
    }
}

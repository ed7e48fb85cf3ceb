use crate::db::WriteTransaction;
use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use shared::api::{
    CampDto, CampListQuery, CampRequest, CampStatus, CampStatusFilter, Page, Paging, PublicCamp,
    StaffOption, UploadKind,
};
use shared::error::{ApiError, ErrorCode};
use shared::roles::{Area, Role, Scope};
use shared::rules::{FrozenCampFields, validate_camp};

use super::CampError;
use crate::audit::{self, Action, Actor, Target};
use crate::auth::Staff;
use crate::entity::{camp_staff, camps, enrollments, uploads, users};
use crate::error::{AppError, AppResult};
use crate::search;
use crate::uploads::service::{public_ids as upload_public_ids, url as upload_url};

pub fn status(camp: &camps::Model, today: NaiveDate) -> CampStatus {
    CampStatus::of(camp.start_date, camp.end_date, today)
}

pub fn h5_url(public_url: &str, camp_id: i64) -> String {
    format!("{}/h5/camps/{camp_id}", public_url.trim_end_matches('/'))
}

/// Sanitized intro HTML: simple formatting only, no scripts, styles or images.
pub fn sanitize_intro(html: &str) -> String {
    ammonia::Builder::default()
        .tags(HashSet::from([
            "p",
            "br",
            "strong",
            "b",
            "em",
            "i",
            "u",
            "s",
            "ul",
            "ol",
            "li",
            "blockquote",
            "h3",
            "h4",
            "a",
        ]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(HashSet::from(["http", "https"]))
        .clean(html)
        .to_string()
}

async fn paid_counts(db: &impl ConnectionTrait, camp_ids: &[i64]) -> AppResult<HashMap<i64, u64>> {
    if camp_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = enrollments::Entity::find()
        .select_only()
        .column(enrollments::Column::CampId)
        .column_as(enrollments::Column::Id.count(), "count")
        .filter(enrollments::Column::CampId.is_in(camp_ids.to_vec()))
        .filter(enrollments::Column::Status.eq(enrollments::PAID))
        .group_by(enrollments::Column::CampId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, count)| (id, u64::try_from(count).unwrap_or(0)))
        .collect())
}

/// The public id of a camp's upload (an upload a camp uses always exists: foreign key).
fn public_id(ids: &HashMap<i64, String>, upload_id: i64) -> String {
    ids.get(&upload_id).cloned().unwrap_or_default()
}

fn public_dto(
    camp: camps::Model,
    enrolled_count: u64,
    today: NaiveDate,
    uploads: &HashMap<i64, String>,
) -> PublicCamp {
    PublicCamp {
        id: camp.id,
        status: status(&camp, today),
        poster_url: upload_url(&public_id(uploads, camp.poster_upload_id)),
        name: camp.name,
        deposit_fen: camp.deposit_fen,
        start_date: camp.start_date,
        end_date: camp.end_date,
        total_days: camp.total_days,
        required_days: camp.required_days,
        intro_html: camp.intro_html,
        enrolled_count,
    }
}

/// Ongoing and upcoming camps, soonest first.
pub async fn list_public(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> AppResult<Vec<PublicCamp>> {
    let camps = camps::Entity::find()
        .filter(camps::Column::EndDate.gte(today))
        .order_by_asc(camps::Column::StartDate)
        .order_by_asc(camps::Column::Id)
        .all(db)
        .await?;
    let counts = paid_counts(db, &camps.iter().map(|c| c.id).collect::<Vec<_>>()).await?;
    let uploads = upload_public_ids(db, camps.iter().map(|c| c.poster_upload_id)).await?;
    Ok(camps
        .into_iter()
        .map(|c| {
            let count = counts.get(&c.id).copied().unwrap_or(0);
            public_dto(c, count, today, &uploads)
        })
        .collect())
}

pub async fn get_public(
    db: &impl ConnectionTrait,
    id: i64,
    today: NaiveDate,
) -> AppResult<PublicCamp> {
    let camp = find(db, id).await?;
    let count = paid_counts(db, &[id]).await?.get(&id).copied().unwrap_or(0);
    let uploads = upload_public_ids(db, [camp.poster_upload_id]).await?;
    Ok(public_dto(camp, count, today, &uploads))
}

async fn find(db: &impl ConnectionTrait, id: i64) -> AppResult<camps::Model> {
    camps::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| CampError::NotFound.into())
}

/// The camps a person may see in `area`: `None` means all of them.
pub async fn visible_camp_ids(
    db: &impl ConnectionTrait,
    staff: &Staff,
    area: Area,
) -> AppResult<Option<Vec<i64>>> {
    match staff.require(area)? {
        Scope::All => Ok(None),
        Scope::OwnCamps | Scope::None => {
            let ids = camp_staff::Entity::find()
                .filter(camp_staff::Column::UserId.eq(staff.user.id))
                .all(db)
                .await?
                .into_iter()
                .map(|row| row.camp_id)
                .collect();
            Ok(Some(ids))
        }
    }
}

/// Loads a camp the person may see; another camp is "not found", not "forbidden",
/// so ids of camps one is not on reveal nothing.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    staff: &Staff,
    area: Area,
    id: i64,
) -> AppResult<camps::Model> {
    if let Some(ids) = visible_camp_ids(db, staff, area).await?
        && !ids.contains(&id)
    {
        return Err(CampError::NotFound.into());
    }
    find(db, id).await
}

async fn staff_of(
    db: &impl ConnectionTrait,
    camp_ids: &[i64],
) -> AppResult<HashMap<i64, (Vec<StaffOption>, Vec<StaffOption>)>> {
    let rows = camp_staff::Entity::find()
        .filter(camp_staff::Column::CampId.is_in(camp_ids.to_vec()))
        .all(db)
        .await?;
    let user_ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
    let users: HashMap<i64, users::Model> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut out: HashMap<i64, (Vec<StaffOption>, Vec<StaffOption>)> = HashMap::new();
    for row in rows {
        let Some(user) = users.get(&row.user_id) else {
            continue;
        };
        let option = StaffOption {
            id: user.id,
            username: user.username.clone(),
            role: Role::parse(&user.role).unwrap_or(Role::Volunteer),
        };
        let entry = out.entry(row.camp_id).or_default();
        if row.role == camp_staff::COACH {
            entry.0.push(option)
        } else {
            entry.1.push(option)
        }
    }
    for (coaches, volunteers) in out.values_mut() {
        coaches.sort_by(|a, b| a.username.cmp(&b.username));
        volunteers.sort_by(|a, b| a.username.cmp(&b.username));
    }
    Ok(out)
}

async fn to_dtos(
    db: &impl ConnectionTrait,
    camps: Vec<camps::Model>,
    today: NaiveDate,
    public_url: &str,
) -> AppResult<Vec<CampDto>> {
    let ids: Vec<i64> = camps.iter().map(|c| c.id).collect();
    let counts = paid_counts(db, &ids).await?;
    let mut staff = staff_of(db, &ids).await?;
    let uploads = upload_public_ids(
        db,
        camps
            .iter()
            .flat_map(|c| [c.poster_upload_id, c.group_qr_upload_id]),
    )
    .await?;
    Ok(camps
        .into_iter()
        .map(|camp| {
            let (coaches, volunteers) = staff.remove(&camp.id).unwrap_or_default();
            let poster_upload_id = public_id(&uploads, camp.poster_upload_id);
            let group_qr_upload_id = public_id(&uploads, camp.group_qr_upload_id);
            CampDto {
                id: camp.id,
                status: status(&camp, today),
                poster_url: upload_url(&poster_upload_id),
                group_qr_url: upload_url(&group_qr_upload_id),
                h5_url: h5_url(public_url, camp.id),
                enrolled_count: counts.get(&camp.id).copied().unwrap_or(0),
                coaches,
                volunteers,
                name: camp.name,
                poster_upload_id,
                group_qr_upload_id,
                deposit_fen: camp.deposit_fen,
                start_date: camp.start_date,
                end_date: camp.end_date,
                total_days: camp.total_days,
                required_days: camp.required_days,
                intro_html: camp.intro_html,
                planet_project_id: camp.planet_project_id,
                wecom_payee_id: camp.wecom_payee_id,
                created_at: camp.created_at,
                updated_at: camp.updated_at,
            }
        })
        .collect())
}

async fn to_dto(
    db: &impl ConnectionTrait,
    camp: camps::Model,
    today: NaiveDate,
    public_url: &str,
) -> AppResult<CampDto> {
    let mut dtos = to_dtos(db, vec![camp], today, public_url).await?;
    dtos.pop().ok_or_else(|| CampError::NotFound.into())
}

pub async fn list_admin(
    db: &impl ConnectionTrait,
    staff: &Staff,
    query: &CampListQuery,
    today: NaiveDate,
    public_url: &str,
) -> AppResult<Page<CampDto>> {
    let mut select = camps::Entity::find();
    if let Some(ids) = visible_camp_ids(db, staff, Area::CampView).await? {
        select = select.filter(camps::Column::Id.is_in(ids));
    }
    select = match query.status {
        CampStatusFilter::All => select,
        CampStatusFilter::NotStarted => select.filter(camps::Column::StartDate.gt(today)),
        CampStatusFilter::Ongoing => select
            .filter(camps::Column::StartDate.lte(today))
            .filter(camps::Column::EndDate.gte(today)),
        CampStatusFilter::Ended => select.filter(camps::Column::EndDate.lt(today)),
    };
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        select = select.filter(search::contains(
            db.get_database_backend(),
            camps::Column::Name,
            q,
        ));
    }
    if let Some(from) = query.from {
        select = select.filter(camps::Column::EndDate.gte(from));
    }
    if let Some(to) = query.to {
        select = select.filter(camps::Column::StartDate.lte(to));
    }
    let paging = Paging::parse(query.page, query.page_size)?;
    let paginator = select
        .order_by_desc(camps::Column::StartDate)
        .order_by_desc(camps::Column::Id)
        .paginate(db, paging.page_size);
    let total = paginator.num_items().await?;
    let camps = paginator.fetch_page(paging.index()).await?;
    Ok(paging.page_of(to_dtos(db, camps, today, public_url).await?, total))
}

pub async fn get_admin(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: i64,
    today: NaiveDate,
    public_url: &str,
) -> AppResult<CampDto> {
    let camp = find_visible(db, staff, Area::CampView, id).await?;
    to_dto(db, camp, today, public_url).await
}

/// The uploads a camp request names, as database ids: (poster, group QR).
struct UploadIds(i64, i64);

/// Everything about a request that needs the database: the uploads exist and
/// have the right use, and the chosen people have the right roles. Returns the
/// uploads' database ids for the request's public ones.
async fn check_references(
    db: &impl ConnectionTrait,
    request: &CampRequest,
) -> AppResult<UploadIds> {
    let mut errors = shared::error::FieldErrors::new();
    let mut found_ids = Vec::new();
    for (field, id, kind, label) in [
        (
            "poster_upload_id",
            request.poster_upload_id.as_deref(),
            UploadKind::Poster,
            "项目海报",
        ),
        (
            "group_qr_upload_id",
            request.group_qr_upload_id.as_deref(),
            UploadKind::GroupQr,
            "群二维码",
        ),
    ] {
        let Some(public_id) = id else { continue };
        let found = uploads::Entity::find()
            .select_only()
            .column(uploads::Column::Id)
            .column(uploads::Column::Kind)
            .filter(uploads::Column::PublicId.eq(public_id))
            .into_tuple::<(i64, String)>()
            .one(db)
            .await?;
        match found {
            Some((id, found_kind)) if found_kind == kind.as_str() => found_ids.push(id),
            _ => {
                errors.insert(field.into(), format!("{label}不存在，请重新上传"));
            }
        }
    }
    for (field, ids, role, label) in [
        ("coach_ids", &request.coach_ids, Role::Coach, "教练"),
        (
            "volunteer_ids",
            &request.volunteer_ids,
            Role::Volunteer,
            "志愿者",
        ),
    ] {
        let wanted: HashSet<i64> = ids.iter().copied().collect();
        if wanted.is_empty() {
            continue;
        }
        let found = users::Entity::find()
            .filter(users::Column::Id.is_in(wanted.iter().copied()))
            .filter(users::Column::Role.eq(role.as_str()))
            .filter(users::Column::Enabled.eq(true))
            .count(db)
            .await?;
        if found != wanted.len() as u64 {
            errors.insert(
                field.into(),
                format!("所选{label}不存在、已禁用或不是{label}角色"),
            );
        }
    }
    match found_ids[..] {
        [poster, group_qr] if errors.is_empty() => Ok(UploadIds(poster, group_qr)),
        _ if errors.is_empty() => Err(AppError::code(ErrorCode::Validation)),
        _ => Err(ApiError::fields(errors).into()),
    }
}

fn validate(
    request: &CampRequest,
    today: NaiveDate,
    existing: Option<&camps::Model>,
) -> AppResult<()> {
    let frozen = existing.map(|camp| FrozenCampFields {
        status: status(camp, today),
        start_date: camp.start_date,
        end_date: camp.end_date,
        total_days: camp.total_days,
        required_days: camp.required_days,
        deposit_fen: camp.deposit_fen,
    });
    let errors = validate_camp(request, today, frozen.as_ref());
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::fields(errors).into())
    }
}

async fn replace_staff(
    db: &impl ConnectionTrait,
    camp_id: i64,
    request: &CampRequest,
) -> AppResult<()> {
    camp_staff::Entity::delete_many()
        .filter(camp_staff::Column::CampId.eq(camp_id))
        .exec(db)
        .await?;
    let coaches = request.coach_ids.iter().map(|id| (*id, camp_staff::COACH));
    let volunteers = request
        .volunteer_ids
        .iter()
        .map(|id| (*id, camp_staff::VOLUNTEER));
    let mut seen = HashSet::new();
    let rows: Vec<camp_staff::ActiveModel> = coaches
        .chain(volunteers)
        .filter(|(id, _)| seen.insert(*id))
        .map(|(user_id, role)| camp_staff::ActiveModel {
            camp_id: Set(camp_id),
            user_id: Set(user_id),
            role: Set(role.to_owned()),
        })
        .collect();
    if !rows.is_empty() {
        camp_staff::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

fn apply(
    row: &mut camps::ActiveModel,
    request: &CampRequest,
    uploads: UploadIds,
    intro_html: String,
) -> AppResult<()> {
    let missing = || AppError::code(ErrorCode::Validation);
    row.name = Set(request.name.trim().to_owned());
    row.poster_upload_id = Set(uploads.0);
    row.group_qr_upload_id = Set(uploads.1);
    row.deposit_fen = Set(request.deposit_fen);
    row.start_date = Set(request.start_date.ok_or_else(missing)?);
    row.end_date = Set(request.end_date.ok_or_else(missing)?);
    row.total_days = Set(request.total_days);
    row.required_days = Set(request.required_days);
    row.intro_html = Set(intro_html);
    row.planet_project_id = Set(request.planet_project_id.trim().to_owned());
    row.wecom_payee_id = Set(request.wecom_payee_id.trim().to_owned());
    row.updated_at = Set(Utc::now());
    Ok(())
}

fn summary(camp: &camps::Model) -> String {
    format!(
        "押金{}，{} 至 {}，{}",
        shared::money::format_fen(camp.deposit_fen),
        camp.start_date,
        camp.end_date,
        shared::rules::requirement_label(camp.total_days, camp.required_days)
    )
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    mut request: CampRequest,
    today: NaiveDate,
    public_url: &str,
) -> AppResult<CampDto> {
    request.intro_html = sanitize_intro(&request.intro_html);
    validate(&request, today, None)?;
    let uploads = check_references(db, &request).await?;
    let txn = db.begin_write().await?;
    let mut row = camps::ActiveModel {
        created_by: Set(actor.id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    apply(&mut row, &request, uploads, request.intro_html.clone())?;
    let camp = row.insert(&txn).await?;
    replace_staff(&txn, camp.id, &request).await?;
    audit::record(
        &txn,
        actor,
        Action::CreateCamp,
        Target::camp(camp.id, &camp.name),
        summary(&camp),
    )
    .await?;
    txn.commit().await?;
    to_dto(db, camp, today, public_url).await
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    mut request: CampRequest,
    today: NaiveDate,
    public_url: &str,
) -> AppResult<CampDto> {
    request.intro_html = sanitize_intro(&request.intro_html);
    let txn = db.begin_write().await?;
    let existing = find(&txn, id).await?;
    validate(&request, today, Some(&existing))?;
    let uploads = check_references(&txn, &request).await?;
    let before = summary(&existing);
    let old_name = existing.name.clone();
    let mut row = existing.into_active_model();
    apply(&mut row, &request, uploads, request.intro_html.clone())?;
    let camp = row.update(&txn).await?;
    replace_staff(&txn, camp.id, &request).await?;
    let after = summary(&camp);
    let mut details = Vec::new();
    if old_name != camp.name {
        details.push(format!("名称：{old_name} → {}", camp.name));
    }
    if before != after {
        details.push(format!("{before} → {after}"));
    }
    if details.is_empty() {
        details.push("修改海报、介绍或人员".into());
    }
    audit::record(
        &txn,
        actor,
        Action::UpdateCamp,
        Target::camp(camp.id, &camp.name),
        details.join("；"),
    )
    .await?;
    txn.commit().await?;
    to_dto(db, camp, today, public_url).await
}

pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    today: NaiveDate,
) -> AppResult<()> {
    let txn = db.begin_write().await?;
    let camp = find(&txn, id).await?;
    if status(&camp, today) != CampStatus::NotStarted {
        return Err(CampError::Started.into());
    }
    let enrolled = enrollments::Entity::find()
        .filter(enrollments::Column::CampId.eq(id))
        .count(&txn)
        .await?;
    if enrolled > 0 {
        return Err(CampError::HasEnrollments.into());
    }
    camp_staff::Entity::delete_many()
        .filter(Condition::all().add(camp_staff::Column::CampId.eq(id)))
        .exec(&txn)
        .await?;
    camps::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        Action::DeleteCamp,
        Target::camp(id, &camp.name),
        summary(&camp),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

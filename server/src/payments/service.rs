use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;
use shared::api::{
    CampStatus, JsapiParams, MyEnrollment, OrderStatus, OrderView, PayAction, PayMethod,
    PayOptions, SignUpRequest, SignUpResponse,
};
use shared::dates::business_date;
use shared::error::{ApiError, ErrorCode};

use super::gateway::{self, Gateway};
use super::member::token_hash;
use crate::audit::{self, Action, Actor, Target};
use crate::camps;
use crate::entity::{enrollments, member_tokens, payment_orders};
use crate::error::{AppError, AppResult};
use crate::integrations::wechat_pay::{
    PrepayRequest, TradeState, Transaction, WechatPayError, jsapi_pay_params, nonce,
};
use crate::state::AppState;

/// How long an order can be paid: WeChat's prepay_id lasts two hours.
const ORDER_LIFETIME_HOURS: i64 = 2;

fn upstream(e: WechatPayError) -> AppError {
    tracing::warn!(error = %e, "WeChat Pay call failed");
    AppError::message(ErrorCode::Upstream, "发起支付失败，请稍后重试")
}

/// `CP` + Beijing time to the second + 12 random letters and digits: unique, 28
/// characters, within WeChat's 6–32 of `[0-9A-Za-z_-|*]`.
fn new_out_trade_no(now: DateTime<Utc>) -> String {
    let random: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(12)
        .map(char::from)
        .collect();
    format!(
        "CP{}{random}",
        now.with_timezone(&shared::dates::BUSINESS_TZ)
            .format("%y%m%d%H%M%S")
    )
}

pub async fn pay_options(state: &AppState, has_openid: bool) -> AppResult<PayOptions> {
    let gateway = gateway::current(state).await?;
    Ok(PayOptions {
        jsapi: gateway.jsapi_enabled,
        h5: gateway.h5_enabled,
        wechat_authorized: has_openid,
    })
}

async fn bind_token(db: &impl ConnectionTrait, hash: &str, enrollment_id: i64) -> AppResult<()> {
    member_tokens::Entity::insert(member_tokens::ActiveModel {
        token_hash: Set(hash.to_owned()),
        enrollment_id: Set(enrollment_id),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            member_tokens::Column::TokenHash,
            member_tokens::Column::EnrollmentId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

async fn is_bound(
    db: &impl ConnectionTrait,
    token: Option<&str>,
    enrollment_id: i64,
) -> AppResult<bool> {
    let Some(token) = token else { return Ok(false) };
    let found = member_tokens::Entity::find()
        .filter(member_tokens::Column::TokenHash.eq(token_hash(token)))
        .filter(member_tokens::Column::EnrollmentId.eq(enrollment_id))
        .count(db)
        .await?;
    Ok(found > 0)
}

/// The enrollment for (camp, 星球ID), created if missing; concurrent sign-ups for
/// the same ID meet at the unique index and share one row.
async fn upsert_enrollment(
    db: &impl ConnectionTrait,
    camp_id: i64,
    request: &SignUpRequest,
) -> AppResult<enrollments::Model> {
    let now = Utc::now();
    let planet_id = request.planet_id.trim().to_owned();
    enrollments::Entity::insert(enrollments::ActiveModel {
        camp_id: Set(camp_id),
        planet_id: Set(planet_id.clone()),
        planet_nickname: Set(request.planet_nickname.trim().to_owned()),
        wechat_nickname: Set(request.wechat_nickname.trim().to_owned()),
        status: Set(enrollments::AWAITING_PAYMENT.to_owned()),
        amount_fen: Set(0),
        paid_order_id: Set(None),
        paid_at: Set(None),
        joined_group: Set(false),
        joined_group_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([enrollments::Column::CampId, enrollments::Column::PlanetId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let enrollment = find_enrollment(db, camp_id, &planet_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("enrollment vanished"))?;
    if enrollment.status != enrollments::PAID {
        // The latest form wins while nothing is paid: the nicknames are what staff will match against.
        enrollments::Entity::update_many()
            .col_expr(
                enrollments::Column::PlanetNickname,
                Expr::value(request.planet_nickname.trim()),
            )
            .col_expr(
                enrollments::Column::WechatNickname,
                Expr::value(request.wechat_nickname.trim()),
            )
            .col_expr(enrollments::Column::UpdatedAt, Expr::value(now))
            .filter(enrollments::Column::Id.eq(enrollment.id))
            .filter(enrollments::Column::Status.ne(enrollments::PAID))
            .exec(db)
            .await?;
    }
    Ok(enrollment)
}

async fn find_enrollment(
    db: &impl ConnectionTrait,
    camp_id: i64,
    planet_id: &str,
) -> AppResult<Option<enrollments::Model>> {
    Ok(enrollments::Entity::find()
        .filter(enrollments::Column::CampId.eq(camp_id))
        .filter(enrollments::Column::PlanetId.eq(planet_id))
        .one(db)
        .await?)
}

/// PRD §4.1.2 and §9.1. Returns the response and, for a browser without one,
/// the new member token to set.
pub async fn sign_up(
    state: &AppState,
    camp_id: i64,
    request: SignUpRequest,
    token: Option<String>,
    openid: Option<String>,
    client_ip: &str,
) -> AppResult<(SignUpResponse, Option<String>)> {
    let errors = shared::rules::validate_sign_up(
        &request.planet_nickname,
        &request.planet_id,
        &request.wechat_nickname,
    );
    if !errors.is_empty() {
        return Err(ApiError::fields(errors).into());
    }
    let db = &state.db;
    let today = business_date(Utc::now());
    let camp = camps::service::get_public(db, camp_id, today).await?;
    if camp.status == CampStatus::Ended {
        return Err(AppError::message(
            ErrorCode::Conflict,
            "训练营已结束，报名已关闭",
        ));
    }
    let new_token = token.is_none().then(super::member::new_token);
    let token = token.or_else(|| new_token.clone()).unwrap_or_default();
    let hash = token_hash(&token);

    if let Some(existing) = find_enrollment(db, camp_id, request.planet_id.trim()).await?
        && existing.status == enrollments::PAID
    {
        let owner = is_bound(db, Some(&token), existing.id).await?
            || (existing.planet_nickname == request.planet_nickname.trim()
                && existing.wechat_nickname == request.wechat_nickname.trim());
        if !owner {
            return Err(AppError::message(
                ErrorCode::Conflict,
                "该星球ID已报名。如是本人，请核对星球昵称和微信昵称后重试",
            ));
        }
        bind_token(db, &hash, existing.id).await?;
        return Ok((
            SignUpResponse::AlreadyEnrolled {
                enrollment_id: existing.id,
            },
            new_token,
        ));
    }

    let gateway = gateway::current(state).await?;
    match request.pay_method {
        PayMethod::Jsapi if !gateway.jsapi_enabled || openid.is_none() => {
            return Err(AppError::message(
                ErrorCode::BadRequest,
                "请在微信中打开本页面后支付",
            ));
        }
        PayMethod::H5 if !gateway.h5_enabled => {
            return Err(AppError::message(
                ErrorCode::BadRequest,
                "暂不支持在此浏览器中支付，请在微信中打开",
            ));
        }
        _ => {}
    }

    let enrollment = upsert_enrollment(db, camp_id, &request).await?;
    bind_token(db, &hash, enrollment.id).await?;

    // Coming back to the page resumes this browser's open order.
    let now = Utc::now();
    let open = payment_orders::Entity::find()
        .filter(payment_orders::Column::EnrollmentId.eq(enrollment.id))
        .filter(payment_orders::Column::MemberTokenHash.eq(hash.as_str()))
        .filter(payment_orders::Column::Status.eq(payment_orders::CREATED))
        .filter(payment_orders::Column::TradeType.eq(request.pay_method.as_str()))
        .filter(payment_orders::Column::AmountFen.eq(camp.deposit_fen))
        .filter(payment_orders::Column::ExpiresAt.gt(now + Duration::minutes(10)))
        .filter(payment_orders::Column::PayData.is_not_null())
        .order_by_desc(payment_orders::Column::Id)
        .one(db)
        .await?;
    let order = match open {
        Some(order) => order,
        None => {
            let order = payment_orders::ActiveModel {
                out_trade_no: Set(new_out_trade_no(now)),
                camp_id: Set(camp_id),
                enrollment_id: Set(enrollment.id),
                amount_fen: Set(camp.deposit_fen),
                trade_type: Set(request.pay_method.as_str().to_owned()),
                status: Set(payment_orders::CREATED.to_owned()),
                member_token_hash: Set(hash.clone()),
                pay_data: Set(None),
                payer_openid: Set(openid.clone()),
                transaction_id: Set(None),
                paid_at: Set(None),
                expires_at: Set(now + Duration::hours(ORDER_LIFETIME_HOURS)),
                duplicate: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            let action = prepay(
                &gateway,
                &order,
                &camp.name,
                request.pay_method,
                openid.as_deref(),
                client_ip,
            )
            .await?;
            let mut row: payment_orders::ActiveModel = order.into();
            row.pay_data = Set(Some(
                serde_json::to_string(&action).map_err(anyhow::Error::from)?,
            ));
            row.updated_at = Set(Utc::now());
            row.update(db).await?
        }
    };
    let pay = pay_action(&gateway, &order)?
        .ok_or_else(|| anyhow::anyhow!("order {} has no pay data", order.out_trade_no))?;
    Ok((
        SignUpResponse::Pending {
            enrollment_id: enrollment.id,
            out_trade_no: order.out_trade_no,
            pay,
        },
        new_token,
    ))
}

/// What WeChat Pay's prepay answered, as stored (JSAPI keeps only its prepay_id).
#[derive(Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum StoredPay {
    Jsapi { prepay_id: String },
    Native { code_url: String },
    H5 { h5_url: String },
}

async fn prepay(
    gateway: &Gateway,
    order: &payment_orders::Model,
    camp_name: &str,
    method: PayMethod,
    openid: Option<&str>,
    client_ip: &str,
) -> AppResult<StoredPay> {
    let description: String = format!("训练营押金-{camp_name}").chars().take(60).collect();
    let request = PrepayRequest {
        description,
        out_trade_no: order.out_trade_no.clone(),
        amount_fen: order.amount_fen,
        time_expire: Some(
            order
                .expires_at
                .with_timezone(&shared::dates::BUSINESS_TZ)
                .to_rfc3339(),
        ),
        attach: Some(format!("enrollment:{}", order.enrollment_id)),
    };
    Ok(match method {
        PayMethod::Jsapi => StoredPay::Jsapi {
            prepay_id: gateway
                .client
                .prepay_jsapi(&request, openid.unwrap_or_default())
                .await
                .map_err(upstream)?,
        },
        PayMethod::Native => StoredPay::Native {
            code_url: gateway
                .client
                .prepay_native(&request)
                .await
                .map_err(upstream)?,
        },
        PayMethod::H5 => StoredPay::H5 {
            h5_url: gateway
                .client
                .prepay_h5(&request, client_ip)
                .await
                .map_err(upstream)?,
        },
    })
}

/// The stored prepay answer as the H5 needs it; JSAPI parameters are signed afresh.
fn pay_action(gateway: &Gateway, order: &payment_orders::Model) -> AppResult<Option<PayAction>> {
    let Some(data) = order.pay_data.as_deref() else {
        return Ok(None);
    };
    let stored: StoredPay = serde_json::from_str(data).map_err(anyhow::Error::from)?;
    Ok(Some(match stored {
        StoredPay::Native { code_url } => PayAction::Native { code_url },
        StoredPay::H5 { h5_url } => PayAction::H5 { h5_url },
        StoredPay::Jsapi { prepay_id } => {
            let params = jsapi_pay_params(
                &gateway.client.config().merchant,
                &gateway.app_id,
                &prepay_id,
                Utc::now().timestamp(),
                &nonce(),
            )
            .map_err(upstream)?;
            PayAction::Jsapi {
                params: JsapiParams {
                    app_id: params.app_id,
                    time_stamp: params.time_stamp,
                    nonce_str: params.nonce_str,
                    package: params.package,
                    sign_type: params.sign_type,
                    pay_sign: params.pay_sign,
                },
            }
        }
    }))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaidOutcome {
    Paid,
    AlreadyPaid,
    Duplicate,
}

/// Marks an order paid from a verified transaction (notification or query).
/// Exactly once: the conditional updates make a second delivery, a racing query
/// or a second instance a no-op.
pub async fn mark_paid(
    db: &DatabaseConnection,
    gateway: &Gateway,
    tx: &Transaction,
) -> AppResult<PaidOutcome> {
    let order = payment_orders::Entity::find()
        .filter(payment_orders::Column::OutTradeNo.eq(tx.out_trade_no.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("订单"))?;
    let amount = tx.amount.as_ref().map(|a| a.total);
    let mismatch = if tx.mchid != gateway.mch_id || tx.appid != gateway.app_id {
        Some(format!("商户号或应用ID不符：{} / {}", tx.mchid, tx.appid))
    } else if tx.state() != TradeState::Success {
        Some(format!("交易状态为 {}", tx.trade_state))
    } else if amount != Some(order.amount_fen)
        || tx.amount.as_ref().is_some_and(|a| a.currency != "CNY")
    {
        Some(format!(
            "金额不符：通知 {:?} 分，订单 {} 分",
            amount, order.amount_fen
        ))
    } else {
        None
    };
    if let Some(reason) = mismatch {
        audit::record(
            db,
            &Actor::system(),
            Action::PaymentRejected,
            Target::order(order.id, &order.out_trade_no),
            reason.clone(),
        )
        .await?;
        return Err(AppError::message(ErrorCode::BadRequest, reason));
    }

    let paid_at = tx
        .success_time
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let openid = tx.payer.as_ref().map(|p| p.openid.clone());
    let txn = db.begin().await?;
    let updated = payment_orders::Entity::update_many()
        .col_expr(
            payment_orders::Column::Status,
            Expr::value(payment_orders::PAID),
        )
        .col_expr(
            payment_orders::Column::TransactionId,
            Expr::value(tx.transaction_id.clone()),
        )
        .col_expr(payment_orders::Column::PaidAt, Expr::value(paid_at))
        .col_expr(payment_orders::Column::PayerOpenid, Expr::value(openid))
        .col_expr(payment_orders::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payment_orders::Column::Id.eq(order.id))
        .filter(payment_orders::Column::Status.ne(payment_orders::PAID))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(PaidOutcome::AlreadyPaid);
    }
    let enrolled = enrollments::Entity::update_many()
        .col_expr(enrollments::Column::Status, Expr::value(enrollments::PAID))
        .col_expr(enrollments::Column::PaidOrderId, Expr::value(order.id))
        .col_expr(enrollments::Column::PaidAt, Expr::value(paid_at))
        .col_expr(
            enrollments::Column::AmountFen,
            Expr::value(order.amount_fen),
        )
        .col_expr(enrollments::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(enrollments::Column::Id.eq(order.enrollment_id))
        .filter(enrollments::Column::Status.ne(enrollments::PAID))
        .exec(&txn)
        .await?;
    let outcome = if enrolled.rows_affected == 1 {
        PaidOutcome::Paid
    } else {
        payment_orders::Entity::update_many()
            .col_expr(payment_orders::Column::Duplicate, Expr::value(true))
            .filter(payment_orders::Column::Id.eq(order.id))
            .exec(&txn)
            .await?;
        let enrollment = enrollments::Entity::find_by_id(order.enrollment_id)
            .one(&txn)
            .await?;
        let who = enrollment
            .map(|e| format!("{}（星球ID {}）", e.planet_nickname, e.planet_id))
            .unwrap_or_default();
        let details = format!(
            "{who} 已报名后再次支付 {}，订单号 {}，请决定是否退款",
            shared::money::format_fen(order.amount_fen),
            order.out_trade_no
        );
        audit::record(
            &txn,
            &Actor::system(),
            Action::DuplicatePayment,
            Target::enrollment(order.enrollment_id, &who),
            details,
        )
        .await?;
        PaidOutcome::Duplicate
    };
    txn.commit().await?;
    Ok(outcome)
}

/// Asks WeChat Pay about an open order and applies the answer. `close_expired`
/// also closes an unpaid order past its lifetime.
pub async fn reconcile(
    db: &DatabaseConnection,
    gateway: &Gateway,
    order: &payment_orders::Model,
    close_expired: bool,
) -> AppResult<Option<PaidOutcome>> {
    let expired = order.expires_at <= Utc::now();
    match gateway.client.query_order(&order.out_trade_no).await {
        Ok(tx) => match tx.state() {
            TradeState::Success => Ok(Some(mark_paid(db, gateway, &tx).await?)),
            TradeState::Closed | TradeState::Revoked => {
                set_closed(db, order.id).await?;
                Ok(None)
            }
            _ if expired && close_expired => {
                gateway
                    .client
                    .close_order(&order.out_trade_no)
                    .await
                    .map_err(upstream)?;
                set_closed(db, order.id).await?;
                Ok(None)
            }
            _ => Ok(None),
        },
        // Never reached WeChat Pay (the prepay failed): nothing to pay, close it once expired.
        Err(WechatPayError::Api { status: 404, .. }) if expired && close_expired => {
            set_closed(db, order.id).await?;
            Ok(None)
        }
        Err(e) => Err(upstream(e)),
    }
}

async fn set_closed(db: &impl ConnectionTrait, order_id: i64) -> AppResult<()> {
    payment_orders::Entity::update_many()
        .col_expr(
            payment_orders::Column::Status,
            Expr::value(payment_orders::CLOSED),
        )
        .col_expr(payment_orders::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payment_orders::Column::Id.eq(order_id))
        .filter(payment_orders::Column::Status.eq(payment_orders::CREATED))
        .exec(db)
        .await?;
    Ok(())
}

#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PollReport {
    pub checked: u32,
    pub paid: u32,
    pub duplicates: u32,
    pub closed: u32,
    pub errors: u32,
}

/// The safety net for lost notifications (PRD §6.1.4): every order still open
/// for a minute is queried; paid ones are recorded, expired ones closed.
pub async fn poll_pending<S>(state: &S) -> AppResult<PollReport>
where
    gateway::PayState: axum::extract::FromRef<S>,
{
    let gateway = gateway::current(state).await?;
    let db = &<gateway::PayState as axum::extract::FromRef<S>>::from_ref(state).db;
    let orders = payment_orders::Entity::find()
        .filter(payment_orders::Column::Status.eq(payment_orders::CREATED))
        .filter(payment_orders::Column::CreatedAt.lt(Utc::now() - Duration::seconds(60)))
        .order_by_asc(payment_orders::Column::Id)
        .limit(1000)
        .all(db)
        .await?;
    let mut report = PollReport::default();
    for order in &orders {
        report.checked += 1;
        match reconcile(db, &gateway, order, true).await {
            Ok(Some(PaidOutcome::Paid)) => report.paid += 1,
            Ok(Some(PaidOutcome::Duplicate)) => report.duplicates += 1,
            Ok(Some(PaidOutcome::AlreadyPaid)) => {}
            Ok(None) => {
                let now = payment_orders::Entity::find_by_id(order.id).one(db).await?;
                if now.is_some_and(|o| o.status == payment_orders::CLOSED) {
                    report.closed += 1;
                }
            }
            Err(e) => {
                tracing::warn!(order = %order.out_trade_no, error = %e, "could not reconcile an order");
                report.errors += 1;
            }
        }
    }
    Ok(report)
}

async fn order_for_member(
    db: &impl ConnectionTrait,
    out_trade_no: &str,
    token: Option<&str>,
) -> AppResult<payment_orders::Model> {
    let order = payment_orders::Entity::find()
        .filter(payment_orders::Column::OutTradeNo.eq(out_trade_no))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("订单"))?;
    if !is_bound(db, token, order.enrollment_id).await? {
        return Err(AppError::not_found("订单"));
    }
    Ok(order)
}

/// The member's order; an open one is checked with WeChat Pay so the page
/// moves on even when the notification is late.
pub async fn order_view(
    state: &AppState,
    out_trade_no: &str,
    token: Option<&str>,
) -> AppResult<OrderView> {
    let mut order = order_for_member(&state.db, out_trade_no, token).await?;
    let gateway = gateway::current(state).await?;
    if order.status == payment_orders::CREATED && order.pay_data.is_some() {
        match reconcile(&state.db, &gateway, &order, false).await {
            Ok(_) => order = order_for_member(&state.db, out_trade_no, token).await?,
            Err(e) => tracing::debug!(error = %e, "order query failed; showing the stored state"),
        }
    }
    let camp = crate::entity::camps::Entity::find_by_id(order.camp_id)
        .one(&state.db)
        .await?;
    let status = match order.status.as_str() {
        payment_orders::PAID => OrderStatus::Paid,
        payment_orders::CLOSED => OrderStatus::Closed,
        _ => OrderStatus::Created,
    };
    let pay = if status == OrderStatus::Created {
        pay_action(&gateway, &order)?
    } else {
        None
    };
    Ok(OrderView {
        out_trade_no: order.out_trade_no,
        status,
        enrollment_id: order.enrollment_id,
        camp_id: order.camp_id,
        camp_name: camp.map(|c| c.name).unwrap_or_default(),
        amount_fen: order.amount_fen,
        pay,
    })
}

/// A QR code of an open Native order's `code_url`.
pub async fn order_qr_text(
    state: &AppState,
    out_trade_no: &str,
    token: Option<&str>,
) -> AppResult<String> {
    let order = order_for_member(&state.db, out_trade_no, token).await?;
    let gateway = gateway::current(state).await?;
    match pay_action(&gateway, &order)? {
        Some(PayAction::Native { code_url }) if order.status == payment_orders::CREATED => {
            Ok(code_url)
        }
        _ => Err(AppError::not_found("支付二维码")),
    }
}

async fn enrollment_for_member(
    db: &impl ConnectionTrait,
    id: i64,
    token: Option<&str>,
) -> AppResult<enrollments::Model> {
    let enrollment = enrollments::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("报名记录"))?;
    if !is_bound(db, token, id).await? {
        return Err(AppError::not_found("报名记录"));
    }
    Ok(enrollment)
}

pub async fn my_enrollment(
    state: &AppState,
    id: i64,
    token: Option<&str>,
) -> AppResult<MyEnrollment> {
    let enrollment = enrollment_for_member(&state.db, id, token).await?;
    let today = business_date(Utc::now());
    let camp = camps::service::get_public(&state.db, enrollment.camp_id, today).await?;
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
        personal_link: token
            .map(|t| format!("{}/h5/m/{t}", state.config.public_url.trim_end_matches('/'))),
        today,
    })
}

/// The camp group's QR image, for a browser bound to a paid enrollment only.
pub async fn group_qr(
    state: &AppState,
    id: i64,
    token: Option<&str>,
) -> AppResult<crate::entity::uploads::Model> {
    let enrollment = enrollment_for_member(&state.db, id, token).await?;
    if enrollment.status != enrollments::PAID {
        return Err(AppError::not_found("群二维码"));
    }
    let camp = crate::entity::camps::Entity::find_by_id(enrollment.camp_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("训练营"))?;
    crate::uploads::service::find(&state.db, camp.group_qr_upload_id).await
}

/// The newest enrollment a member token is bound to, for the personal link.
pub async fn enrollment_of_token(db: &impl ConnectionTrait, token: &str) -> AppResult<Option<i64>> {
    Ok(member_tokens::Entity::find()
        .filter(member_tokens::Column::TokenHash.eq(token_hash(token)))
        .order_by_desc(member_tokens::Column::EnrollmentId)
        .one(db)
        .await?
        .map(|t| t.enrollment_id))
}

//! Sign-up (PRD §4.1.2, §9.1): the enrollment for (camp, 星球ID), the browser's
//! order stored before WeChat Pay is called, and the prepay answer kept so a
//! returning member resumes the same order.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    SqlErr, TransactionTrait,
};
use serde::Serialize;
use shared::api::{
    CampStatus, JsapiParams, PayAction, PayMethod, PayOptions, SignUpRequest, SignUpResponse,
};
use shared::dates::business_date;
use shared::error::{ApiError, ErrorCode};

use super::access::{bind_token, is_bound};
use super::gateway::Gateway;
use super::member::token_hash;
use super::settlement::close_open_order;
use crate::camps;
use crate::entity::{enrollments, payment_orders};
use crate::error::{AppError, AppResult};
use crate::integrations::wechat_pay::{PrepayRequest, WechatPayError, jsapi_pay_params, nonce};

/// How long an order can be paid: WeChat's prepay_id lasts two hours.
const ORDER_LIFETIME_HOURS: i64 = 2;

/// A failed WeChat Pay call as the member sees it (the cause goes to the log).
pub(super) fn upstream(e: WechatPayError) -> AppError {
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

/// Which payment methods this browser is offered.
pub fn pay_options(gateway: &Gateway, has_openid: bool) -> PayOptions {
    PayOptions {
        jsapi: gateway.jsapi_enabled,
        h5: gateway.h5_enabled,
        wechat_authorized: has_openid,
    }
}

/// The enrollment for (camp, 星球ID), created if missing; concurrent sign-ups for
/// the same ID meet at the unique index and share one row.
async fn upsert_enrollment(
    db: &impl ConnectionTrait,
    camp_id: i64,
    request: &SignUpRequest,
) -> AppResult<enrollments::Model> {
    let now = Utc::now();
    enrollments::Entity::insert(enrollments::ActiveModel {
        camp_id: Set(camp_id),
        planet_id: Set(request.planet_id.clone()),
        planet_nickname: Set(request.planet_nickname.clone()),
        wechat_nickname: Set(request.wechat_nickname.clone()),
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
    let enrollment = find_enrollment(db, camp_id, &request.planet_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("enrollment vanished"))?;
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

/// The sign-up form checked and normalised by the rule the H5 also runs
/// ([`shared::rules::parse_sign_up`]); a 422 naming each bad field otherwise.
fn normalized(request: SignUpRequest) -> AppResult<SignUpRequest> {
    let fields = shared::rules::parse_sign_up(
        &request.planet_nickname,
        &request.planet_id,
        &request.wechat_nickname,
    )
    .map_err(ApiError::fields)?;
    Ok(SignUpRequest {
        planet_nickname: fields.planet_nickname,
        planet_id: fields.planet_id,
        wechat_nickname: fields.wechat_nickname,
        pay_method: request.pay_method,
    })
}

/// PRD §4.1.2 and §9.1. Returns the response and, for a browser without one,
/// the new member token to set.
pub async fn sign_up(
    db: &(impl ConnectionTrait + TransactionTrait),
    gateway: &Gateway,
    camp_id: i64,
    request: SignUpRequest,
    token: Option<String>,
    openid: Option<String>,
    client_ip: &str,
) -> AppResult<(SignUpResponse, Option<String>)> {
    // From here on the request holds the cleaned names and the canonical
    // 星球ID: that is what is stored and what existing enrollments are found by,
    // so `000346884121553` and `346884121553` are one member (issue 6 item 6).
    let request = normalized(request)?;
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

    if let Some(existing) = find_enrollment(db, camp_id, &request.planet_id).await?
        && existing.status == enrollments::PAID
    {
        // Only what proves payment opens a paid enrollment: a browser bound to
        // it (the paying one, or one that confirmed the personal link), or
        // inside WeChat the openid that paid. Names prove nothing: anyone can
        // type them (issue 6 item 5).
        let owner = is_bound(db, Some(&token), existing.id).await?
            || paid_by_openid(db, existing.id, openid.as_deref()).await?;
        if !owner {
            return Err(AppError::message(
                ErrorCode::Conflict,
                "该星球ID已报名。如是本人，请用支付时的浏览器或微信打开，或使用个人链接",
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

    // The enrollment is shared by everyone who types this 星球ID; nothing about
    // it changes and no browser is bound to it until an order is paid.
    let enrollment = upsert_enrollment(db, camp_id, &request).await?;
    let form = OrderForm {
        camp_name: &camp.name,
        deposit_fen: camp.deposit_fen,
        request: &request,
        token_hash: &hash,
        openid: openid.as_deref(),
        client_ip,
    };
    let order = match open_order(db, gateway, &enrollment, &form).await? {
        Opened::Order(order) => *order,
        Opened::PaidMeanwhile => {
            return Ok((
                SignUpResponse::AlreadyEnrolled {
                    enrollment_id: enrollment.id,
                },
                new_token,
            ));
        }
    };
    let pay = pay_action(gateway, &order)?
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

/// Whether the openid paid one of the enrollment's orders (inside WeChat, the
/// payer proves who they are by their openid).
async fn paid_by_openid(
    db: &impl ConnectionTrait,
    enrollment_id: i64,
    openid: Option<&str>,
) -> AppResult<bool> {
    let Some(openid) = openid else {
        return Ok(false);
    };
    let paid = payment_orders::Entity::find()
        .filter(payment_orders::Column::EnrollmentId.eq(enrollment_id))
        .filter(payment_orders::Column::Status.eq(payment_orders::PAID))
        .filter(payment_orders::Column::ReviewReason.is_null())
        .filter(payment_orders::Column::PayerOpenid.eq(openid))
        .count(db)
        .await?;
    Ok(paid > 0)
}

/// What a new order is made of.
struct OrderForm<'a> {
    camp_name: &'a str,
    deposit_fen: i64,
    request: &'a SignUpRequest,
    token_hash: &'a str,
    openid: Option<&'a str>,
    client_ip: &'a str,
}

enum Opened {
    Order(Box<payment_orders::Model>),
    /// The open order being superseded turned out to be paid: nothing new to pay.
    PaidMeanwhile,
}

/// How long a concurrent request of the same browser may take to prepay its order.
const CREATING_GRACE_SECS: i64 = 30;

/// This browser's one open order for the enrollment (issue 6 item 4). The
/// database allows one `created` order per (enrollment, browser) (partial
/// unique index `ux_payment_orders_open`); an open order that fits (same method,
/// current price, time left) is resumed, any other is closed — at WeChat Pay
/// first, so it can never be paid — before a new one is made. Two requests at
/// once meet at the index: the loser waits for the winner's order.
async fn open_order(
    db: &(impl ConnectionTrait + TransactionTrait),
    gateway: &Gateway,
    enrollment: &enrollments::Model,
    form: &OrderForm<'_>,
) -> AppResult<Opened> {
    let method = form.request.pay_method;
    for _ in 0..40 {
        let now = Utc::now();
        let open = payment_orders::Entity::find()
            .filter(payment_orders::Column::EnrollmentId.eq(enrollment.id))
            .filter(payment_orders::Column::MemberTokenHash.eq(form.token_hash))
            .filter(payment_orders::Column::Status.eq(payment_orders::CREATED))
            .one(db)
            .await?;
        if let Some(order) = open {
            if order.pay_data.is_none()
                && order.created_at > now - Duration::seconds(CREATING_GRACE_SECS)
            {
                // Another request of this browser is prepaying it right now.
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                continue;
            }
            let fits = order.pay_data.is_some()
                && order.trade_type == method.as_str()
                && order.amount_fen == form.deposit_fen
                && order.expires_at > now + Duration::minutes(10)
                && (method != PayMethod::Jsapi || order.payer_openid.as_deref() == form.openid);
            if fits {
                return Ok(Opened::Order(Box::new(order)));
            }
            if close_open_order(db, gateway, &order).await?.is_some() {
                return Ok(Opened::PaidMeanwhile);
            }
        }
        let inserted = new_order_row(gateway, enrollment, form, now)
            .insert(db)
            .await;
        let order = match inserted {
            Ok(order) => order,
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => continue,
            Err(e) => return Err(e.into()),
        };
        let action = prepay(
            gateway,
            &order,
            form.camp_name,
            method,
            form.openid,
            form.client_ip,
        )
        .await;
        let action = match action {
            Ok(action) => action,
            Err(e) => {
                // Never reached WeChat Pay: close it so the next attempt starts afresh.
                super::settlement::set_closed(db, order.id).await?;
                return Err(e);
            }
        };
        let mut row: payment_orders::ActiveModel = order.into();
        row.pay_data = Set(Some(
            serde_json::to_string(&action).map_err(anyhow::Error::from)?,
        ));
        row.updated_at = Set(Utc::now());
        return Ok(Opened::Order(Box::new(row.update(db).await?)));
    }
    Err(AppError::message(
        ErrorCode::Conflict,
        "正在创建订单，请稍后重试",
    ))
}

fn new_order_row(
    gateway: &Gateway,
    enrollment: &enrollments::Model,
    form: &OrderForm<'_>,
    now: DateTime<Utc>,
) -> payment_orders::ActiveModel {
    payment_orders::ActiveModel {
        out_trade_no: Set(new_out_trade_no(now)),
        camp_id: Set(enrollment.camp_id),
        enrollment_id: Set(enrollment.id),
        amount_fen: Set(form.deposit_fen),
        trade_type: Set(form.request.pay_method.as_str().to_owned()),
        status: Set(payment_orders::CREATED.to_owned()),
        member_token_hash: Set(form.token_hash.to_owned()),
        pay_data: Set(None),
        payer_openid: Set(form.openid.map(str::to_owned)),
        transaction_id: Set(None),
        paid_at: Set(None),
        expires_at: Set(now + Duration::hours(ORDER_LIFETIME_HOURS)),
        duplicate: Set(false),
        app_id: Set(Some(gateway.app_id.clone())),
        mch_id: Set(Some(gateway.mch_id.clone())),
        planet_nickname: Set(Some(form.request.planet_nickname.clone())),
        wechat_nickname: Set(Some(form.request.wechat_nickname.clone())),
        review_reason: Set(None),
        queried_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
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
        time_expire: Some(order.expires_at),
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

/// WeChat's H5 cashier returns the payer to `redirect_url` (urlencoded) when
/// the h5_url carries one; without it the payer lands back on the sign-up
/// form. Ours is the order page, on the address WeChat Pay reaches us at.
fn with_redirect(gateway: &Gateway, h5_url: &str, out_trade_no: &str) -> String {
    let target = format!("{}/h5/orders/{out_trade_no}", gateway.site_url);
    match reqwest::Url::parse(h5_url) {
        Ok(mut url) => {
            url.query_pairs_mut().append_pair("redirect_url", &target);
            url.to_string()
        }
        Err(_) => h5_url.to_owned(),
    }
}

/// The stored prepay answer as the H5 needs it; JSAPI parameters are signed afresh.
pub(super) fn pay_action(
    gateway: &Gateway,
    order: &payment_orders::Model,
) -> AppResult<Option<PayAction>> {
    let Some(data) = order.pay_data.as_deref() else {
        return Ok(None);
    };
    let stored: StoredPay = serde_json::from_str(data).map_err(anyhow::Error::from)?;
    Ok(Some(match stored {
        StoredPay::Native { code_url } => PayAction::Native { code_url },
        StoredPay::H5 { h5_url } => PayAction::H5 {
            h5_url: with_redirect(gateway, &h5_url, &order.out_trade_no),
        },
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

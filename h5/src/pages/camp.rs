//! A camp's page: everything a member needs before paying the deposit.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::client::ApiClient;
use shared::dates::format_month_day;
use shared::money::format_fen;
use shared::rules::requirement_label;

use leptos_router::hooks::use_navigate;
use shared::api::{CampStatus, PayAction, PayMethod, PublicCamp, SignUpRequest, SignUpResponse};
use shared::error::FieldErrors;
use shared::rules::parse_sign_up;

use crate::browser::{JsapiResult, go_to, invoke_jsapi_pay, is_mobile, is_wechat};
use crate::components::{NavBar, Toast, use_hydrated};

#[component]
pub fn CampPage() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let camp = Resource::new(id, move |id| {
        let client = client.clone();
        async move {
            match id {
                Some(id) => client.public_camp(id).await,
                None => Err(shared::error::ApiError::with_message(
                    shared::error::ErrorCode::NotFound,
                    "训练营不存在",
                )),
            }
        }
    });
    view! {
        <NavBar title="训练营详情" back="/h5" />
        <Suspense fallback=|| view! { <p class="h5-hint">"加载中…"</p> }>
            {move || Suspend::new(async move {
                match camp.await {
                    Ok(camp) => {
                        view! {
                            <leptos_meta::Title text=camp.name.clone() />
                            <img class="h5-detail-poster" src=camp.poster_url.clone() alt=camp.name.clone() />
                            <section class="h5-panel">
                                <h2 class="h5-detail-name">{camp.name.clone()}</h2>
                                <div class="h5-detail-deposit">
                                    "押金 " <strong class="h5-price h5-price-large">{format_fen(camp.deposit_fen)}</strong>
                                </div>
                                <dl class="h5-cells">
                                    <div class="h5-cell">
                                        <dt>"训练时间"</dt>
                                        <dd>
                                            {format!(
                                                "{} - {}",
                                                format_month_day(camp.start_date),
                                                format_month_day(camp.end_date),
                                            )}
                                        </dd>
                                    </div>
                                    <div class="h5-cell">
                                        <dt>"打卡要求"</dt>
                                        <dd>{requirement_label(camp.total_days, camp.required_days)}</dd>
                                    </div>
                                    <div class="h5-cell">
                                        <dt>"已报名"</dt>
                                        <dd>{format!("{} 人", camp.enrolled_count)}</dd>
                                    </div>
                                </dl>
                            </section>
                            <section class="h5-panel">
                                <h3 class="h5-panel-title">"项目介绍"</h3>
                                <div class="h5-rich" inner_html=camp.intro_html.clone()></div>
                            </section>
                            <SignUpForm camp=camp.clone() />
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="h5-error">{e.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// PRD §4.1.2: 星球昵称, 星球ID and 微信昵称, then "支付押金".
#[component]
fn SignUpForm(camp: PublicCamp) -> impl IntoView {
    if camp.status == CampStatus::Ended {
        return view! { <p class="h5-hint">"训练营已结束，报名已关闭"</p> }.into_any();
    }
    let client = expect_context::<ApiClient>();
    let navigate = use_navigate();
    let toast = Toast::new();
    let camp_id = camp.id;
    let planet_nickname = RwSignal::new(String::new());
    let planet_id = RwSignal::new(String::new());
    let wechat_nickname = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let show_help = RwSignal::new(false);
    let hydrated = use_hydrated();

    let options_client = client.clone();
    let options = Resource::new(
        || (),
        move |_| {
            let client = options_client.clone();
            async move { client.pay_options().await.ok() }
        },
    );
    // Inside WeChat, JSAPI needs the openid: the silent OAuth round trip comes first.
    Effect::new(move |_| {
        if let Some(Some(options)) = options.get()
            && is_wechat()
            && options.jsapi
            && !options.wechat_authorized
        {
            go_to(&format!("/h5/wechat-auth?return=/h5/camps/{camp_id}"));
        }
    });

    let submit = Action::new(move |request: &SignUpRequest| {
        let client = client.clone();
        let request = request.clone();
        async move { client.sign_up(camp_id, &request).await }
    });
    Effect::new(move |_| {
        let Some(result) = submit.value().get() else {
            return;
        };
        let navigate = navigate.clone();
        match result {
            Ok(SignUpResponse::Pending {
                out_trade_no, pay, ..
            }) => match pay {
                PayAction::Jsapi { params } => {
                    invoke_jsapi_pay(&params, move |outcome| match outcome {
                        JsapiResult::Ok => {
                            navigate(&format!("/h5/orders/{out_trade_no}"), Default::default())
                        }
                        JsapiResult::Cancelled => toast.show("已取消支付，可重新支付"),
                        JsapiResult::Failed => toast.show("支付未完成，请重试"),
                    })
                }
                PayAction::Native { .. } => {
                    navigate(&format!("/h5/orders/{out_trade_no}"), Default::default())
                }
                PayAction::H5 { h5_url } => go_to(&h5_url),
            },
            Ok(SignUpResponse::AlreadyEnrolled { enrollment_id }) => navigate(
                &format!("/h5/enrollments/{enrollment_id}?already=1"),
                Default::default(),
            ),
            Err(e) => {
                errors.set(
                    e.details
                        .as_ref()
                        .map(|d| d.fields.clone())
                        .unwrap_or_default(),
                );
                toast.show(e.message);
            }
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (nickname, id, wechat) = (
            planet_nickname.get_untracked(),
            planet_id.get_untracked(),
            wechat_nickname.get_untracked(),
        );
        // The server runs the same rule; what it stores is what is sent.
        let fields = match parse_sign_up(&nickname, &id, &wechat) {
            Ok(fields) => {
                errors.set(Default::default());
                fields
            }
            Err(found) => {
                if let Some(first) = found.values().next() {
                    toast.show(first.clone());
                }
                errors.set(found);
                return;
            }
        };
        let options = options.get_untracked().flatten();
        let pay_method = match options {
            Some(o) if is_wechat() && o.jsapi && o.wechat_authorized => PayMethod::Jsapi,
            Some(o) if !is_wechat() && is_mobile() && o.h5 => PayMethod::H5,
            _ => PayMethod::Native,
        };
        submit.dispatch(SignUpRequest {
            planet_nickname: fields.planet_nickname,
            planet_id: fields.planet_id,
            wechat_nickname: fields.wechat_nickname,
            pay_method,
        });
    };
    let field = move |name: &'static str| move || errors.with(|e| e.get(name).cloned());
    view! {
        <form class="h5-panel h5-form" method="post" on:submit=on_submit novalidate>
            <h3 class="h5-panel-title">"报名信息"</h3>
            <label class="h5-field">
                <span class="h5-field-label">"星球昵称"</span>
                <input class="h5-field-input" name="planet_nickname" placeholder="知识星球里显示的昵称" bind:value=planet_nickname />
            </label>
            {move || field("planet_nickname")().map(|m| view! { <p class="h5-field-error">{m}</p> })}
            <label class="h5-field">
                <span class="h5-field-label">"星球ID"</span>
                <input class="h5-field-input" name="planet_id" inputmode="numeric" placeholder="数字ID" bind:value=planet_id />
                <button type="button" class="h5-link" on:click=move |_| show_help.update(|v| *v = !*v)>
                    "如何获取"
                </button>
            </label>
            <Show when=move || show_help.get()>
                <p class="h5-help">"打开知识星球App →「我的」→ 点击头像进入个人主页，昵称下方的一串数字就是星球ID。"</p>
            </Show>
            {move || field("planet_id")().map(|m| view! { <p class="h5-field-error">{m}</p> })}
            <label class="h5-field">
                <span class="h5-field-label">"微信昵称"</span>
                <input class="h5-field-input" name="wechat_nickname" placeholder="用于核对进群身份" bind:value=wechat_nickname />
            </label>
            {move || field("wechat_nickname")().map(|m| view! { <p class="h5-field-error">{m}</p> })}
            <p class="h5-hint-small">"完成打卡要求后，押金将在训练营结束后原路退回。"</p>
            <div class="h5-submit-bar">
                <span class="h5-price">{shared::money::format_fen(camp.deposit_fen)}</span>
                <button class="h5-button h5-button-primary" type="submit" disabled=move || !hydrated.get() || submit.pending().get()>
                    {move || if submit.pending().get() { "正在下单…" } else { "支付押金" }}
                </button>
            </div>
        </form>
        {toast.view()}
    }
    .into_any()
}

//! PRD §4.1.3: paid — the camp group's QR code, to long-press and join; and
//! PRD §4.1.4's first part: where the camp stands (check-ins arrive nightly).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use shared::api::MyEnrollment;
use shared::checkin_api::MemberProgress;
use shared::client::ApiClient;
use shared::dates::{format_beijing, format_month_day};
use shared::rules::requirement_label;

use crate::components::{NavBar, PullRefresh};

/// The enrollment id of the route (`/h5/enrollments/:id…`); 0 when malformed,
/// which the server answers with 404.
fn use_enrollment_id() -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    }
}

fn use_enrollment() -> Resource<Result<MyEnrollment, shared::error::ApiError>> {
    let client = expect_context::<ApiClient>();
    Resource::new(use_enrollment_id(), move |id| {
        let client = client.clone();
        async move { client.my_enrollment(id).await }
    })
}

#[component]
pub fn EnrollmentPage() -> impl IntoView {
    let enrollment = use_enrollment();
    let query = use_query_map();
    let already = move || query.read().get("already").is_some();
    view! {
        <NavBar title="进群" back="/h5" />
        <Suspense fallback=|| view! { <p class="h5-hint">"加载中…"</p> }>
            {move || Suspend::new(async move {
                match enrollment.await {
                    Ok(mine) if mine.paid => {
                        let title = if already() { "您已报名" } else { "支付成功" };
                        view! {
                            <section class="h5-panel h5-center">
                                <div class="h5-result-icon h5-result-success">"✓"</div>
                                <h2 class="h5-result-title">{title}</h2>
                                <p class="h5-muted">{mine.camp.name.clone()}</p>
                                {mine.group_qr_url.clone().map(|src| view! { <img class="h5-group-qr" src=src alt="训练营群二维码" /> })}
                                <p class="h5-qr-tip">"请扫码进群开始学习"</p>
                                <p class="h5-hint-small">"长按二维码可保存图片或识别进群"</p>
                                <a class="h5-button h5-button-primary h5-button-block" href=format!("/h5/enrollments/{}/progress", mine.id)>
                                    "查看我的打卡进度"
                                </a>
                            </section>
                        }
                            .into_any()
                    }
                    Ok(mine) => view! {
                        <section class="h5-panel h5-center">
                            <h2 class="h5-result-title">"尚未完成支付"</h2>
                            <a class="h5-button h5-button-primary h5-button-block" href=format!("/h5/camps/{}", mine.camp.id)>"去支付"</a>
                        </section>
                    }
                    .into_any(),
                    Err(e) => view! { <p class="h5-error">{e.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ProgressPage() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let progress = Resource::new(use_enrollment_id(), move |id| {
        let client = client.clone();
        async move { client.my_progress(id).await }
    });
    view! {
        <NavBar title="我的打卡进度" back="/h5" />
        <PullRefresh on_refresh=move |_| progress.refetch()>
            <Transition fallback=|| view! { <p class="h5-hint">"加载中…"</p> }>
                {move || Suspend::new(async move {
                    match progress.await {
                        Ok(mine) => view! { <ProgressBody mine /> }.into_any(),
                        Err(e) => view! { <p class="h5-error">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </PullRefresh>
    }
}

/// PRD §4.1.4: the camp's time line, the member's days against the
/// requirement, whether the refund is within reach, and the days counted.
#[component]
fn ProgressBody(mine: MemberProgress) -> impl IntoView {
    let camp = &mine.camp;
    let p = mine.progress.clone();
    let time_percent = p.elapsed_days * 100 / p.total_days.max(1);
    let verdict = if p.eligible {
        "✅ 已满足退款条件".to_owned()
    } else if p.days_needed > p.days_left + i64::from(p.elapsed_days < p.total_days) {
        format!("❌ 还需打卡{}天，剩余天数已不足", p.days_needed)
    } else {
        format!("❌ 还需打卡{}天，剩余{}天", p.days_needed, p.days_left)
    };
    let refund = mine.refund_status.map(|status| status.label());
    let last_sync = mine
        .last_sync_at
        .map(|at| format!("最近更新：{}", format_beijing(at)))
        .unwrap_or_else(|| "尚未同步".to_owned());
    let refresh = format!("/h5/enrollments/{}/progress", mine.enrollment_id);
    let days = mine.days.clone();
    view! {
        <section class="h5-panel">
            <h2 class="h5-detail-name">{camp.name.clone()}</h2>
            <p class="h5-muted">
                {format!("{} - {} · {}", format_month_day(camp.start_date), format_month_day(camp.end_date), requirement_label(camp.total_days, camp.required_days))}
            </p>
            <div class="h5-progress" role="progressbar" aria-label="训练营进度" aria-valuenow=time_percent aria-valuemin="0" aria-valuemax="100">
                <div class="h5-progress-bar" style=format!("width:{time_percent}%")></div>
            </div>
            <p class="h5-hint-small">{format!("已进行{}天 / 共{}天", p.elapsed_days, p.total_days)}</p>
        </section>
        <section class="h5-panel">
            <h3 class="h5-panel-title">"打卡进度"</h3>
            <p class="h5-checkin-count">
                {format!("已打卡 {} 天", p.checked_days)}
                <span class="h5-muted">{format!(" / 要求 {} 天 · {}%", p.required_days, p.percent)}</span>
            </p>
            <div class="h5-progress" role="progressbar" aria-label="打卡进度" aria-valuenow=p.percent aria-valuemin="0" aria-valuemax="100">
                <div class=if p.eligible { "h5-progress-bar h5-progress-done" } else { "h5-progress-bar" } style=format!("width:{}%", p.percent)></div>
            </div>
            <p class="h5-verdict">{verdict}</p>
            {refund.map(|label| view! { <p class="h5-hint-small">{format!("退款状态：{label}")}</p> })}
            {(!mine.matched).then(|| view! {
                <p class="h5-hint-small">"尚未匹配到你的知识星球账号：请确认报名时填写的星球ID无误，在打卡项目中打卡后，下次同步会自动匹配。"</p>
            })}
        </section>
        <section class="h5-panel">
            <h3 class="h5-panel-title">"打卡记录"</h3>
            {if days.is_empty() {
                view! { <p class="h5-hint-small">"暂无打卡记录。"</p> }.into_any()
            } else {
                view! {
                    <ul class="h5-checkin-days">
                        {days.into_iter().map(|day| {
                            let times = day.times.iter().map(|t| format_beijing(*t).split_off(11)).collect::<Vec<_>>().join("、");
                            view! { <li><span>{format_month_day(day.date)}</span><span class="h5-muted">{times}</span></li> }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <p class="h5-hint-small">{format!("打卡数据每天01:00后更新 · {last_sync}")}</p>
            <a class="h5-link-block" href=refresh>"刷新"</a>
        </section>
    }
}

//! PRD §4.1.3: paid — the camp group's QR code, to long-press and join; and
//! PRD §4.1.4's first part: where the camp stands (check-ins arrive nightly).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use shared::api::MyEnrollment;
use shared::client::ApiClient;
use shared::dates::{format_month_day, span_days};
use shared::rules::requirement_label;

use crate::components::NavBar;

fn use_enrollment() -> Resource<Result<MyEnrollment, shared::error::ApiError>> {
    let client = expect_context::<ApiClient>();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    };
    Resource::new(id, move |id| {
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
    let enrollment = use_enrollment();
    view! {
        <NavBar title="我的打卡进度" back="/h5" />
        <Suspense fallback=|| view! { <p class="h5-hint">"加载中…"</p> }>
            {move || Suspend::new(async move {
                match enrollment.await {
                    Ok(mine) => {
                        let camp = &mine.camp;
                        let total = span_days(camp.start_date, camp.end_date).max(1);
                        let elapsed = span_days(camp.start_date, mine.today).clamp(0, total);
                        let percent = elapsed * 100 / total;
                        view! {
                            <section class="h5-panel">
                                <h2 class="h5-detail-name">{camp.name.clone()}</h2>
                                <p class="h5-muted">
                                    {format!("{} - {} · {}", format_month_day(camp.start_date), format_month_day(camp.end_date), requirement_label(camp.total_days, camp.required_days))}
                                </p>
                                <div class="h5-progress" role="progressbar" aria-valuenow=percent aria-valuemin="0" aria-valuemax="100">
                                    <div class="h5-progress-bar" style=format!("width:{percent}%")></div>
                                </div>
                                <p class="h5-hint-small">{format!("已进行{elapsed}天 / 共{total}天")}</p>
                            </section>
                            <section class="h5-panel">
                                <h3 class="h5-panel-title">"打卡记录"</h3>
                                <p class="h5-hint-small">"打卡数据每天01:00后更新，暂无记录。"</p>
                            </section>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="h5-error">{e.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

//! A camp's page: everything a member needs before paying the deposit.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::client::ApiClient;
use shared::dates::format_month_day;
use shared::money::format_fen;
use shared::rules::requirement_label;

use crate::components::NavBar;

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
                            <p class="h5-hint">"完成打卡要求后，押金将在训练营结束后原路退回。"</p>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="h5-error">{e.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

//! PRD §4.1.1: ongoing and upcoming camps with poster, deposit, dates,
//! requirement and enrolled count; pull down to refresh.

use leptos::prelude::*;
use shared::api::{CampStatus, PublicCamp};
use shared::client::ApiClient;
use shared::dates::format_month_day;
use shared::money::format_fen;
use shared::rules::requirement_label;

use crate::components::{NavBar, PullRefresh, Toast};

#[component]
pub fn CampListPage() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let toast = Toast::new();
    let camps = Resource::new(
        || (),
        move |_| {
            let client = client.clone();
            async move { client.public_camps().await }
        },
    );
    let refresh = move || {
        camps.refetch();
        toast.show("已刷新");
    };
    view! {
        <leptos_meta::Title text="训练营报名" />
        <NavBar title="训练营报名">
            <button class="h5-nav-action" on:click=move |_| refresh()>
                "刷新"
            </button>
        </NavBar>
        <PullRefresh on_refresh=move |_| refresh()>
            <Transition fallback=|| view! { <p class="h5-hint">"加载中…"</p> }>
                {move || Suspend::new(async move {
                    match camps.await {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="h5-empty">"暂无可报名的训练营，敬请期待"</p> }.into_any()
                        }
                        Ok(list) => {
                            view! {
                                <ul class="h5-camp-list">
                                    {list.into_iter().map(|camp| view! { <CampCard camp /> }).collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="h5-error">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </PullRefresh>
        {toast.view()}
    }
}

#[component]
fn CampCard(camp: PublicCamp) -> impl IntoView {
    let href = format!("/h5/camps/{}", camp.id);
    let tag_class = match camp.status {
        CampStatus::Ongoing => "h5-tag h5-tag-success",
        _ => "h5-tag h5-tag-primary",
    };
    view! {
        <li class="h5-card">
            <a class="h5-card-link" href=href.clone()>
                <img class="h5-card-poster" src=camp.poster_url alt=camp.name.clone() loading="lazy" />
                <div class="h5-card-body">
                    <div class="h5-card-title">
                        <span class=tag_class>{camp.status.member_label()}</span>
                        <span class="h5-card-name">{camp.name}</span>
                    </div>
                    <div class="h5-card-meta">
                        {format!("{} - {}", format_month_day(camp.start_date), format_month_day(camp.end_date))}
                        <span class="h5-dot">"·"</span>
                        {requirement_label(camp.total_days, camp.required_days)}
                    </div>
                    <div class="h5-card-foot">
                        <span class="h5-price">{format_fen(camp.deposit_fen)}</span>
                        <span class="h5-card-count">{format!("已报名 {} 人", camp.enrolled_count)}</span>
                        <span class="h5-button h5-button-small h5-button-primary">"立即报名"</span>
                    </div>
                </div>
            </a>
        </li>
    }
}

//! PRD §4.2.3, 打卡管理: the check-in records list (§4.2.3.1), the progress
//! statistics (§4.2.3.2) and the sync runs, as three tabs of one menu entry.
//! Coaches and volunteers see their own camps only (the server filters).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::checkin_api::CheckinQuery;
use shared::client::ApiClient;

use super::checkin_stats::CampStats;
use super::sync_runs::SyncRuns;
use crate::components::{CampSelect, Pagination, datetime, use_camp_options};

const PAGE_SIZE: u64 = 20;

/// The tab strip of 打卡管理; each tab is its own address, so a refresh keeps it.
#[component]
fn CheckinTabs(active: &'static str) -> impl IntoView {
    let tab = |href: &'static str, label: &'static str| {
        view! { <a class="el-tab" class:active={active == href} href=href>{label}</a> }
    };
    view! {
        <nav class="el-tabs" aria-label="打卡管理">
            {tab("/admin/checkins", "打卡记录")}
            {tab("/admin/checkins/stats", "进度统计")}
            {tab("/admin/checkins/sync-runs", "同步记录")}
        </nav>
    }
}

/// The `camp_id` of the address (`?camp_id=3`), as the initial camp filter.
fn initial_camp() -> Option<i64> {
    use_query_map()
        .read_untracked()
        .get("camp_id")
        .and_then(|id| id.parse().ok())
}

/// 打卡记录: filters by camp, member and date range; Excel export of the same list.
#[component]
pub fn CheckinsPage() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let camps = use_camp_options();
    let camp = RwSignal::new(initial_camp());
    let search = RwSignal::new(String::new());
    let applied = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let page = RwSignal::new(1u64);
    let query = move || CheckinQuery {
        camp_id: camp.get(),
        q: Some(applied.get()).filter(|q| !q.trim().is_empty()),
        from: from.get().parse().ok(),
        to: to.get().parse().ok(),
        page: Some(page.get()),
        page_size: Some(PAGE_SIZE),
    };
    let records = Resource::new(query, move |q| {
        let client = client.clone();
        async move { client.checkins(&q).await }
    });
    let export_href = move || {
        ApiClient::checkins_export_url(&CheckinQuery {
            page: None,
            page_size: None,
            ..query()
        })
    };
    let reset = move || page.set(1);
    view! {
        <leptos_meta::Title text="打卡记录" />
        <CheckinTabs active="/admin/checkins" />
        <div class="el-card">
            <div class="el-toolbar">
                <CampSelect camps camp all_label="全部训练营" on_change=move |_| reset() />
                <label class="el-form-inline">
                    "从"
                    <input class="el-input el-input-medium" type="date" aria-label="开始日期" bind:value=from on:change=move |_| reset() />
                </label>
                <label class="el-form-inline">
                    "至"
                    <input class="el-input el-input-medium" type="date" aria-label="结束日期" bind:value=to on:change=move |_| reset() />
                </label>
                <form class="el-form-inline" on:submit=move |ev| { ev.prevent_default(); applied.set(search.get_untracked()); reset(); }>
                    <input class="el-input" placeholder="星球昵称 / 星球ID" aria-label="会员" bind:value=search />
                    <button class="el-button" type="submit">"搜索"</button>
                </form>
                <span class="el-toolbar-spacer"></span>
                <a class="el-button el-button-primary" href=export_href rel="external" download="">"导出Excel"</a>
            </div>
            <Transition fallback=|| view! { <div class="el-table-empty">"加载中…"</div> }>
                <table class="el-table">
                    <thead>
                        <tr>
                            <th>"打卡时间"</th>
                            <th>"计入日期"</th>
                            <th>"星球昵称"</th>
                            <th>"星球ID"</th>
                            <th>"匹配会员"</th>
                            <th>"训练营"</th>
                            <th>"内容摘要"</th>
                            <th>"来源"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || Suspend::new(async move {
                            match records.await {
                                Ok(page) if page.items.is_empty() => view! { <tr><td colspan="8" class="el-table-empty">"暂无打卡记录"</td></tr> }.into_any(),
                                Ok(page) => page.items.into_iter().map(|r| {
                                    let member = match (r.enrollment_id, r.planet_nickname) {
                                        (Some(id), Some(name)) => view! { <a href=format!("/admin/members/{id}")>{name}</a> }.into_any(),
                                        _ => view! { <span class="el-tag el-tag-info">"未匹配"</span> }.into_any(),
                                    };
                                    view! {
                                        <tr>
                                            <td class="el-nowrap">{datetime(r.created_at)}</td>
                                            <td class="el-nowrap">{r.checkin_date.to_string()}</td>
                                            <td>{r.name}</td>
                                            <td>{r.user_id.to_string()}</td>
                                            <td>{member}</td>
                                            <td>{r.camp_name}</td>
                                            <td>
                                                {r.excerpt}
                                                {(r.images_count > 0).then(|| format!("（{}张图）", r.images_count))}
                                                {r.gone.then(|| view! { <span class="el-tag el-tag-danger" title="已在知识星球删除，不计入天数">"已删除"</span> })}
                                            </td>
                                            <td>{if r.source == "import" { "导入" } else { "同步" }}</td>
                                        </tr>
                                    }
                                }).collect_view().into_any(),
                                Err(e) => view! { <tr><td colspan="8" class="el-table-empty">{e.message}</td></tr> }.into_any(),
                            }
                        })}
                    </tbody>
                </table>
                {move || Suspend::new(async move {
                    let total = records.await.map(|p| p.total).unwrap_or(0);
                    view! { <Pagination page total=Signal::derive(move || total) page_size=PAGE_SIZE /> }
                })}
            </Transition>
        </div>
    }
}

/// 进度统计: a camp's cards and per-member calendar.
#[component]
pub fn CheckinStatsPage() -> impl IntoView {
    let camps = use_camp_options();
    let camp = RwSignal::new(initial_camp());
    view! {
        <leptos_meta::Title text="进度统计" />
        <CheckinTabs active="/admin/checkins/stats" />
        <div class="el-card">
            <div class="el-toolbar">
                <CampSelect camps camp />
            </div>
        </div>
        <Suspense fallback=|| view! { <div class="admin-loading">"加载中…"</div> }>
            {move || Suspend::new(async move {
                let chosen = camp.get();
                let first = camps.await.first().map(|(id, _)| *id);
                match chosen.or(first) {
                    Some(id) => view! { <CampStats camp_id=id /> }.into_any(),
                    None => view! { <div class="el-card el-table-empty">"还没有训练营"</div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// 同步记录: every camp's sync runs, newest first.
#[component]
pub fn SyncRunsPage() -> impl IntoView {
    let camps = use_camp_options();
    let camp = RwSignal::new(initial_camp());
    view! {
        <leptos_meta::Title text="同步记录" />
        <CheckinTabs active="/admin/checkins/sync-runs" />
        <div class="el-card">
            <div class="el-toolbar">
                <CampSelect camps camp all_label="全部训练营" />
            </div>
        </div>
        {move || view! { <SyncRuns camp_id=camp.get() /> }}
    }
}

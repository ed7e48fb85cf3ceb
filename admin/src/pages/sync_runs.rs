//! Knowledge Planet sync runs (PRD §6.2.4, §8.2) and "立即同步" with visible
//! progress: while a run is going the list is re-read every two seconds, and
//! its pages, requests and new records grow.

use leptos::prelude::*;
use shared::client::ApiClient;
use shared::planet::{SyncRunDto, SyncRunQuery};

use crate::components::{Message, datetime};

const POLL: std::time::Duration = std::time::Duration::from_secs(2);

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "full" => "全量核对",
        "ranking" => "排行榜核对",
        _ => "增量同步",
    }
}

fn trigger_label(trigger: &str) -> &'static str {
    match trigger {
        "schedule" => "定时",
        "manual" => "手动",
        _ => "自动",
    }
}

fn status_tag(run: &SyncRunDto) -> impl IntoView + use<> {
    let (class, label) = match run.status.as_str() {
        "succeeded" => ("el-tag el-tag-success", "成功"),
        "failed" => ("el-tag el-tag-danger", "失败"),
        _ => ("el-tag el-tag-primary", "同步中…"),
    };
    view! { <span class=class data-run-status=run.status.clone()>{label}</span> }
}

/// The runs of one camp (with the sync buttons) or of every visible camp.
/// `on_finished` runs when a run this view was watching ends (e.g. to reload
/// the statistics beside it).
#[component]
pub fn SyncRuns(
    camp_id: Option<i64>,
    #[prop(into, optional)] on_finished: Option<Callback<()>>,
) -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let message = Message::new();
    let tick = RwSignal::new(0u32);
    let list_client = client.clone();
    let runs = Resource::new(
        move || tick.get(),
        move |_| {
            let client = list_client.clone();
            async move {
                client
                    .sync_runs(&SyncRunQuery {
                        camp_id,
                        limit: Some(if camp_id.is_some() { 10 } else { 50 }),
                    })
                    .await
            }
        },
    );
    // Re-read while anything runs; tell the page once it has all finished.
    let watching = RwSignal::new(false);
    Effect::new(move |_| {
        let Some(Ok(list)) = runs.get() else { return };
        if list.iter().any(|r| r.status == "running") {
            watching.set(true);
            set_timeout(move || tick.update(|t| *t += 1), POLL);
        } else if watching.get_untracked() {
            watching.set(false);
            if let Some(on_finished) = on_finished {
                on_finished.run(());
            }
        }
    });
    let start = Action::new(move |kind: &&'static str| {
        let client = client.clone();
        let kind = *kind;
        async move {
            match camp_id {
                Some(id) => client.sync_camp(id, kind).await.map(|_| ()),
                None => Ok(()),
            }
        }
    });
    Effect::new(move |_| match start.value().get() {
        Some(Ok(())) => {
            message.success("已开始同步");
            tick.update(|t| *t += 1);
        }
        Some(Err(e)) => message.error(e.message),
        None => {}
    });
    let running = move || {
        runs.get()
            .and_then(Result::ok)
            .is_some_and(|list| list.iter().any(|r| r.status == "running"))
    };
    let busy = move || start.pending().get() || running();
    // The camp column shows only in the all-camps list.
    let columns = if camp_id.is_some() { "8" } else { "9" };
    view! {
        {message.view()}
        <div class="el-card">
            <div class="el-toolbar">
                <h3 class="el-card-title" style="margin:0">"同步记录"</h3>
                <span class="el-form-hint">"每天01:00（北京时间）自动同步进行中的训练营；结束次日再同步一次并核对排行榜。"</span>
                <span class="el-toolbar-spacer"></span>
                {camp_id.is_some().then(|| view! {
                    <button class="el-button el-button-primary" disabled=busy on:click=move |_| { start.dispatch("incremental"); }>
                        {move || if running() { "同步中…" } else { "立即同步" }}
                    </button>
                    <button class="el-button" disabled=busy title="重新读取全部打卡，标记已删除的帖子" on:click=move |_| { start.dispatch("full"); }>
                        "全量核对"
                    </button>
                    <button class="el-button" disabled=busy title="读取知识星球的累计打卡排行，标出天数不一致的会员" on:click=move |_| { start.dispatch("ranking"); }>
                        "核对排行榜"
                    </button>
                })}
                <button class="el-button" on:click=move |_| tick.update(|t| *t += 1)>"刷新"</button>
            </div>
            <Transition fallback=|| view! { <div class="el-table-empty">"加载中…"</div> }>
                <table class="el-table" data-testid="sync-runs">
                    <thead>
                        <tr>
                            {camp_id.is_none().then(|| view! { <th>"训练营"</th> })}
                            <th>"开始时间"</th>
                            <th>"结束时间"</th>
                            <th>"方式"</th>
                            <th>"类型"</th>
                            <th>"页数"</th>
                            <th>"请求数"</th>
                            <th>"新记录"</th>
                            <th>"结果"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || Suspend::new(async move {
                            match runs.await {
                                Ok(list) if list.is_empty() => view! { <tr><td colspan=columns class="el-table-empty">"还没有同步过"</td></tr> }.into_any(),
                                Ok(list) => list.into_iter().map(|run| view! {
                                    <tr>
                                        {camp_id.is_none().then(|| view! { <td><a href=format!("/admin/camps/{}", run.camp_id)>{run.camp_name.clone()}</a></td> })}
                                        <td>{datetime(run.started_at)}</td>
                                        <td>{run.finished_at.map(datetime).unwrap_or_default()}</td>
                                        <td>{trigger_label(&run.trigger)}</td>
                                        <td>{kind_label(&run.kind)}</td>
                                        <td>{run.pages}</td>
                                        <td>{run.requests}</td>
                                        <td>{run.new_records}</td>
                                        <td>
                                            {status_tag(&run)}
                                            {(!run.error.is_empty()).then(|| view! { <div class="el-form-error">{run.error.clone()}</div> })}
                                        </td>
                                    </tr>
                                }).collect_view().into_any(),
                                Err(e) => view! { <tr><td colspan=columns class="el-table-empty">{e.message}</td></tr> }.into_any(),
                            }
                        })}
                    </tbody>
                </table>
            </Transition>
        </div>
    }
}

//! PRD §4.2.6.3: the operation log, filtered by actor, type and time.

use leptos::prelude::*;
use shared::api::AuditLogQuery;
use shared::client::ApiClient;

use crate::components::{Pagination, datetime};

const PAGE_SIZE: u64 = 20;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let page = RwSignal::new(1u64);

    let options_client = client.clone();
    let options = Resource::new(
        || (),
        move |_| {
            let client = options_client.clone();
            async move {
                (
                    client.list_users().await.unwrap_or_default(),
                    client.audit_actions().await.unwrap_or_default(),
                )
            }
        },
    );
    let query = move || AuditLogQuery {
        actor_id: actor.get().parse().ok(),
        action: Some(action.get()).filter(|a| !a.is_empty()),
        from: from.get().parse().ok(),
        to: to.get().parse().ok(),
        page: Some(page.get()),
        page_size: Some(PAGE_SIZE),
    };
    let logs = Resource::new(query, move |query| {
        let client = client.clone();
        async move { client.audit_logs(&query).await }
    });
    let reset_page = move || page.set(1);
    view! {
        <leptos_meta::Title text="操作日志" />
        <div class="el-card">
            <div class="el-toolbar">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let (users, actions) = options.await;
                        view! {
                            <select class="el-select" aria-label="操作人" on:change=move |ev| { actor.set(event_target_value(&ev)); reset_page(); }>
                                <option value="">"全部操作人"</option>
                                {users.into_iter().map(|u| view! { <option value=u.id.to_string()>{u.username}</option> }).collect_view()}
                            </select>
                            <select class="el-select" aria-label="操作类型" on:change=move |ev| { action.set(event_target_value(&ev)); reset_page(); }>
                                <option value="">"全部操作类型"</option>
                                {actions.into_iter().map(|a| view! { <option value=a.action>{a.label}</option> }).collect_view()}
                            </select>
                        }
                    })}
                </Suspense>
                <input class="el-input" type="date" aria-label="开始日期" on:change=move |ev| { from.set(event_target_value(&ev)); reset_page(); } />
                <span>"至"</span>
                <input class="el-input" type="date" aria-label="结束日期" on:change=move |ev| { to.set(event_target_value(&ev)); reset_page(); } />
            </div>
            <Transition fallback=|| view! { <div class="el-table-empty">"加载中…"</div> }>
            <table class="el-table">
                <thead>
                    <tr>
                        <th>"时间"</th>
                        <th>"操作人"</th>
                        <th>"操作类型"</th>
                        <th>"操作对象"</th>
                        <th>"操作详情"</th>
                        <th>"IP地址"</th>
                    </tr>
                </thead>
                    <tbody>
                        {move || Suspend::new(async move {
                            match logs.await {
                                Ok(page) if page.items.is_empty() => view! { <tr><td colspan="6" class="el-table-empty">"暂无记录"</td></tr> }.into_any(),
                                Ok(page) => page
                                    .items
                                    .into_iter()
                                    .map(|entry| view! {
                                        <tr>
                                            <td>{datetime(entry.created_at)}</td>
                                            <td>{entry.actor_name}</td>
                                            <td>{entry.action_label}</td>
                                            <td>{entry.target}</td>
                                            <td>{entry.details}</td>
                                            <td>{entry.ip}</td>
                                        </tr>
                                    })
                                    .collect_view()
                                    .into_any(),
                                Err(e) => view! { <tr><td colspan="6" class="el-table-empty">{e.message}</td></tr> }.into_any(),
                            }
                        })}
                    </tbody>
            </table>
            {move || Suspend::new(async move {
                // Read inside the Transition: a resource read outside it would suspend the whole frame.
                let total = logs.await.map(|p| p.total).unwrap_or(0);
                view! { <Pagination page total=Signal::derive(move || total) page_size=PAGE_SIZE /> }
            })}
            </Transition>
        </div>
    }
}

//! System settings (super admin). Now: database backups; the WeChat Pay, Knowledge
//! Planet and WeCom settings join as those integrations arrive.

use leptos::prelude::*;
use shared::client::ApiClient;

use crate::components::{Message, datetime};

#[component]
pub fn SystemPage() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let message = Message::new();
    let list_client = client.clone();
    let backups = Resource::new(
        || (),
        move |_| {
            let client = list_client.clone();
            async move { client.list_backups().await }
        },
    );
    let run = Action::new(move |_: &()| {
        let client = client.clone();
        async move { client.run_backup().await }
    });
    Effect::new(move |_| match run.value().get() {
        Some(Ok(queued)) => {
            message.success(queued.message);
            set_timeout(move || backups.refetch(), std::time::Duration::from_secs(2));
        }
        Some(Err(e)) => message.error(e.message),
        None => {}
    });
    view! {
        <leptos_meta::Title text="系统设置" />
        {message.view()}
        <div class="el-card">
            <div class="el-toolbar">
                <h2 class="el-card-title" style="margin:0">"数据库备份"</h2>
                <span class="el-toolbar-spacer"></span>
                <button class="el-button" on:click=move |_| backups.refetch()>"刷新"</button>
                <button class="el-button el-button-primary" disabled=move || run.pending().get() on:click=move |_| { run.dispatch(()); }>
                    "立即备份"
                </button>
            </div>
            <p class="el-form-hint">"每天凌晨 3 点（北京时间）自动备份，保留最近的备份文件。备份文件位于数据目录的 backups 文件夹。"</p>
            <table class="el-table">
                <thead>
                    <tr>
                        <th>"文件名"</th>
                        <th>"大小"</th>
                        <th>"时间"</th>
                    </tr>
                </thead>
                <Transition fallback=|| view! { <tbody><tr><td colspan="3" class="el-table-empty">"加载中…"</td></tr></tbody> }>
                    <tbody>
                        {move || Suspend::new(async move {
                            match backups.await {
                                Ok(list) if list.is_empty() => view! { <tr><td colspan="3" class="el-table-empty">"暂无备份"</td></tr> }.into_any(),
                                Ok(list) => list
                                    .into_iter()
                                    .map(|b| view! {
                                        <tr>
                                            <td>{b.file_name}</td>
                                            <td>{format!("{:.1} KB", b.size as f64 / 1024.0)}</td>
                                            <td>{datetime(b.created_at)}</td>
                                        </tr>
                                    })
                                    .collect_view()
                                    .into_any(),
                                Err(e) => view! { <tr><td colspan="3" class="el-table-empty">{e.message}</td></tr> }.into_any(),
                            }
                        })}
                    </tbody>
                </Transition>
            </table>
        </div>
    }
}

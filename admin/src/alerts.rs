//! The admins' alert banner (issue 9: "知识星球Cookie已失效" must be visible, not
//! a silent empty sync; also duplicate payments and payments needing review):
//! every open alert above the page, each with what to do and "已处理".

use leptos::prelude::*;
use shared::client::ApiClient;
use shared::ops::AlertDto;

/// Where a person deals with an alert of this kind.
fn action(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "planet_cookie_expired" => ("/admin/system", "去系统设置更新Cookie"),
        _ => ("/admin/members", "去会员管理处理"),
    }
}

#[component]
pub fn AlertBanner() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let list_client = client.clone();
    let alerts = Resource::new(
        || (),
        move |_| {
            let client = list_client.clone();
            async move { client.alerts(Some(false)).await.unwrap_or_default() }
        },
    );
    let resolve = Action::new(move |id: &i64| {
        let client = client.clone();
        let id = *id;
        async move { client.resolve_alert(id).await }
    });
    Effect::new(move |_| {
        if resolve.value().get().is_some() {
            alerts.refetch();
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                alerts
                    .await
                    .into_iter()
                    .map(|alert| view! { <AlertRow alert resolve /> })
                    .collect_view()
            })}
        </Transition>
    }
}

#[component]
fn AlertRow(
    alert: AlertDto,
    resolve: Action<i64, Result<AlertDto, shared::error::ApiError>>,
) -> impl IntoView {
    let (href, label) = action(&alert.kind);
    let id = alert.id;
    view! {
        <div class="el-alert el-alert-error admin-alert" role="status" data-alert-kind=alert.kind.clone()>
            <span>{format!("⚠ {}（{}）", alert.message, alert.target)}</span>
            <span class="el-toolbar-spacer"></span>
            <a class="el-button-text" href=href>{label}</a>
            <button class="el-button-text" disabled=move || resolve.pending().get() on:click=move |_| { resolve.dispatch(id); }>
                "已处理"
            </button>
        </div>
    }
}

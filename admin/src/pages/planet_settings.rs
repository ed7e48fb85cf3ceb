//! PRD §4.2.6.2, the Knowledge Planet part of 系统设置: the planet's group id,
//! the owner's `zsxq_access_token` cookie (write-only, stored sealed), the
//! spacing between calls, and "测试连接" showing whose cookie it is.

use leptos::prelude::*;
use shared::client::ApiClient;
use shared::error::ApiError;
use shared::planet::{PlanetConnectionTest, PlanetSettingsUpdate, PlanetSettingsView};

use crate::components::{FieldError, Message};

#[component]
pub fn PlanetSettings() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let current = Resource::new(
        || (),
        move |_| {
            let client = client.clone();
            async move { client.planet_settings().await }
        },
    );
    view! {
        <Suspense fallback=|| view! { <div class="el-card">"加载中…"</div> }>
            {move || Suspend::new(async move {
                match current.await {
                    Ok(view) => view! { <PlanetForm view /> }.into_any(),
                    Err(e) => view! { <div class="el-alert el-alert-error">{e.message}</div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn test_result(result: &PlanetConnectionTest) -> String {
    if result.ok {
        format!(
            "连接正常：Cookie属于「{}」（星球ID {}），星球「{}」",
            result.user_name.clone().unwrap_or_default(),
            result.user_id.clone().unwrap_or_default(),
            result.group_name.clone().unwrap_or_default()
        )
    } else {
        result.message.clone()
    }
}

#[component]
fn PlanetForm(view: PlanetSettingsView) -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let message = Message::new();
    let error = RwSignal::new(None::<ApiError>);
    let base_url = RwSignal::new(view.base_url.clone());
    let group_id = RwSignal::new(view.group_id.clone());
    let spacing = RwSignal::new(view.spacing_ms.to_string());
    let token = RwSignal::new(String::new());
    let token_set = RwSignal::new(view.access_token_set);
    let tested = RwSignal::new(None::<PlanetConnectionTest>);
    let save_client = client.clone();
    let save = Action::new(move |update: &PlanetSettingsUpdate| {
        let client = save_client.clone();
        let update = update.clone();
        async move { client.update_planet_settings(&update).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => {
            error.set(None);
            token.set(String::new());
            token_set.set(saved.access_token_set);
            message.success("知识星球配置已保存");
        }
        Some(Err(e)) => {
            message.error(e.message.clone());
            error.set(Some(e));
        }
        None => {}
    });
    let test = Action::new(move |_: &()| {
        let client = client.clone();
        async move { client.test_planet().await }
    });
    Effect::new(move |_| match test.value().get() {
        Some(Ok(result)) => tested.set(Some(result)),
        Some(Err(e)) => message.error(e.message),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(spacing_ms) = spacing.get_untracked().trim().parse::<u64>() else {
            error.set(Some(ApiError::field(
                "spacing_ms",
                "请求间隔应为0到60000之间的整数（毫秒）",
            )));
            return;
        };
        save.dispatch(PlanetSettingsUpdate {
            base_url: base_url.get_untracked(),
            group_id: group_id.get_untracked(),
            access_token: token.get_untracked(),
            spacing_ms,
        });
    };
    view! {
        {message.view()}
        <form class="el-card el-form" on:submit=submit data-testid="planet-settings">
            <div class="el-toolbar">
                <h2 class="el-card-title" style="margin:0">"知识星球配置"</h2>
                {view.sandbox.then(|| view! { <span class="el-tag el-tag-warning">"沙箱模拟器"</span> })}
            </div>
            <label class="el-form-item">
                <span class="el-form-label required">"星球ID（group_id）"</span>
                <input class="el-input" name="group_id" inputmode="numeric" bind:value=group_id />
                <FieldError error field="group_id" />
            </label>
            <label class="el-form-item">
                <span class="el-form-label required">"星主 Cookie（zsxq_access_token）"</span>
                <input class="el-input" type="password" name="access_token" autocomplete="off" bind:value=token />
                <span class="el-secret-hint">
                    {move || if token_set.get() { "已设置（加密保存），留空则不修改" } else { "未设置" }}
                </span>
                <FieldError error field="access_token" />
            </label>
            <label class="el-form-item">
                <span class="el-form-label">"请求间隔（毫秒，建议不少于1000）"</span>
                <input class="el-input el-input-short" name="spacing_ms" inputmode="numeric" bind:value=spacing />
                <FieldError error field="spacing_ms" />
            </label>
            <label class="el-form-item">
                <span class="el-form-label">"接口地址（留空为官方地址）"</span>
                <input class="el-input" name="base_url" placeholder="https://api.zsxq.com" bind:value=base_url />
                <FieldError error field="base_url" />
            </label>
            <div class="el-form-actions">
                <button class="el-button el-button-primary" type="submit" disabled=move || save.pending().get()>"保存"</button>
                <button class="el-button" type="button" disabled=move || test.pending().get() on:click=move |_| { test.dispatch(()); }>
                    {move || if test.pending().get() { "测试中…" } else { "测试连接" }}
                </button>
            </div>
            {move || tested.get().map(|result| {
                let class = if result.ok { "el-alert el-alert-success" } else { "el-alert el-alert-error" };
                view! { <div class=class role="status" data-testid="planet-test">{test_result(&result)}</div> }
            })}
        </form>
    }
}

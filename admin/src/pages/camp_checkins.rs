//! PRD §4.2.1.3, the camp's 打卡情况 tab: sync runs with "立即同步", the
//! progress statistics, the spreadsheet import (PRD §13.1, when the API is
//! unavailable) and, in sandbox mode, the simulator's check-in tools.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{CampDto, Me, SystemInfo};
use shared::client::ApiClient;
use shared::error::ApiError;
use shared::planet::{SandboxCheckinsCreated, SandboxCheckinsRequest, SandboxGenerateRequest};
use shared::roles::{Area, Scope};

use super::checkin_stats::CampStats;
use super::sync_runs::SyncRuns;
use crate::components::Message;

#[component]
pub fn CampCheckins(camp: CampDto) -> impl IntoView {
    let me = expect_context::<Me>();
    let sandbox = expect_context::<SystemInfo>().sandbox;
    let can_import = me.role.scope(Area::Checkins) == Scope::All;
    let can_simulate = sandbox && me.role.can(Area::CampManagement);
    let reload = RwSignal::new(0u32);
    let refresh = move |_: ()| reload.update(|r| *r += 1);
    let camp_id = camp.id;
    view! {
        {camp.planet_project_id.trim().is_empty().then(|| view! {
            <div class="el-alert el-alert-info">"本训练营还没有知识星球项目ID：无法自动同步，可在编辑页填写或发布到知识星球，或导入打卡表格。"</div>
        })}
        <SyncRuns camp_id=Some(camp_id) on_finished=refresh />
        <CampStats camp_id reload />
        {can_import.then(|| view! { <ImportCard camp_id on_imported=refresh /> })}
        {can_simulate.then(|| view! { <SandboxCheckinTools camp=camp.clone() on_added=refresh /> })}
    }
}

/// Upload a CSV or .xlsx; nothing is applied unless every row is valid, and
/// the errors are listed by row and column.
#[component]
fn ImportCard(camp_id: i64, #[prop(into)] on_imported: Callback<()>) -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let message = Message::new();
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        input.set_value("");
        let client = client.clone();
        busy.set(true);
        spawn_local(async move {
            let name = file.name();
            let bytes = match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
                Err(_) => Vec::new(),
            };
            match client.import_checkins(camp_id, &name, bytes).await {
                Ok(outcome) => {
                    error.set(None);
                    message.success(format!(
                        "已导入：共{}行，新增{}条（其余已存在）",
                        outcome.rows, outcome.inserted
                    ));
                    on_imported.run(());
                }
                Err(e) => {
                    message.error(e.message.clone());
                    error.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    let problems = move || {
        error.with(|e| {
            let mut rows: Vec<(String, String)> = e
                .as_ref()
                .and_then(|e| e.details.as_ref())
                .map(|d| {
                    d.fields
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            rows.sort_by_key(|(place, _)| {
                let (row, column) = place.split_once(':').unwrap_or((place, ""));
                (row.parse::<u64>().unwrap_or(0), column.to_owned())
            });
            rows
        })
    };
    view! {
        {message.view()}
        <div class="el-card">
            <div class="el-toolbar">
                <h3 class="el-card-title" style="margin:0">"导入打卡记录"</h3>
                <span class="el-form-hint">"知识星球接口不可用时使用。列：星球ID、星球昵称、打卡时间，可选微信昵称、内容摘要；同一账号同一分钟视为同一条。"</span>
                <span class="el-toolbar-spacer"></span>
                <a class="el-button" href=ApiClient::import_template_url(camp_id) rel="external" download="">"下载模板"</a>
                <label class="el-button el-button-primary">
                    {move || if busy.get() { "导入中…" } else { "选择文件导入" }}
                    <input class="el-upload-input" type="file" name="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" on:change=on_change />
                </label>
            </div>
            {move || {
                let rows = problems();
                (!rows.is_empty()).then(|| view! {
                    <div class="el-alert el-alert-error">"文件有错误，未导入任何记录："</div>
                    <table class="el-table" data-testid="import-errors">
                        <thead><tr><th>"行:列"</th><th>"问题"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|(place, text)| view! { <tr><td>{place}</td><td>{text}</td></tr> }).collect_view()}
                        </tbody>
                    </table>
                })
            }}
        </div>
    }
}

/// Sandbox only: posts in the Knowledge Planet simulator, for one member on
/// chosen dates, or a realistic month for every paid member.
#[component]
fn SandboxCheckinTools(camp: CampDto, #[prop(into)] on_added: Callback<()>) -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let message = Message::new();
    let error = RwSignal::new(None::<ApiError>);
    let user_id = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let from = RwSignal::new(camp.start_date.to_string());
    let to = RwSignal::new(camp.start_date.to_string());
    let time = RwSignal::new("20:00".to_owned());
    let project = camp.planet_project_id.clone();
    let add_client = client.clone();
    let add = Action::new(move |request: &SandboxCheckinsRequest| {
        let client = add_client.clone();
        let request = request.clone();
        async move { client.sandbox_add_checkins(&request).await }
    });
    let camp_id = camp.id;
    let generate = Action::new(move |_: &()| {
        let client = client.clone();
        async move {
            client
                .sandbox_generate(&SandboxGenerateRequest { camp_id, seed: 0 })
                .await
        }
    });
    let report = move |outcome: Option<Result<SandboxCheckinsCreated, ApiError>>| match outcome {
        Some(Ok(created)) => {
            error.set(None);
            message.success(format!(
                "已在模拟器中添加{}条打卡，点击「立即同步」拉取",
                created.created
            ));
            on_added.run(());
        }
        Some(Err(e)) => {
            message.error(e.message.clone());
            error.set(Some(e));
        }
        None => {}
    };
    Effect::new(move |_| report(add.value().get()));
    Effect::new(move |_| report(generate.value().get()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Ok(first), Ok(last)) = (
            from.get_untracked().parse::<chrono::NaiveDate>(),
            to.get_untracked().parse::<chrono::NaiveDate>(),
        ) else {
            message.error("请选择日期");
            return;
        };
        let dates: Vec<_> = first
            .iter_days()
            .take_while(|d| *d <= last)
            .take(62)
            .collect();
        add.dispatch(SandboxCheckinsRequest {
            checkin_id: project.clone(),
            user_id: user_id.get_untracked().trim().to_owned(),
            name: name.get_untracked(),
            alias: String::new(),
            dates,
            time: Some(time.get_untracked()),
        });
    };
    view! {
        {message.view()}
        <form class="el-card" on:submit=submit data-testid="sandbox-checkins">
            <div class="el-toolbar">
                <h3 class="el-card-title" style="margin:0">"沙箱：模拟知识星球打卡"</h3>
                <span class="el-tag el-tag-warning">"仅沙箱模式"</span>
                <span class="el-toolbar-spacer"></span>
                <button class="el-button" type="button" disabled=move || generate.pending().get() on:click=move |_| { generate.dispatch(()); }>
                    "为全部会员生成一个月的打卡"
                </button>
            </div>
            <p class="el-form-hint">"为一位会员在所选日期每天发一条打卡帖（北京时间），然后点「立即同步」。"</p>
            <div class="el-form-inline">
                <label>"星球ID" <input class="el-input el-input-medium" name="user_id" inputmode="numeric" bind:value=user_id /></label>
                <label>"星球昵称" <input class="el-input el-input-medium" name="name" bind:value=name /></label>
                <label>"从" <input class="el-input el-input-medium" type="date" name="from" bind:value=from /></label>
                <label>"至" <input class="el-input el-input-medium" type="date" name="to" bind:value=to /></label>
                <label>"时间" <input class="el-input el-input-medium" type="time" name="time" bind:value=time /></label>
                <button class="el-button el-button-primary" type="submit" disabled=move || add.pending().get()>"添加打卡"</button>
            </div>
            {move || error.with(|e| e.as_ref().and_then(|e| e.details.as_ref()).map(|d| {
                d.fields.iter().map(|(k, v)| view! { <div class="el-form-error" data-field=k.clone()>{format!("{k}：{v}")}</div> }).collect_view()
            }))}
        </form>
    }
}

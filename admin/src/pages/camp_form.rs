//! PRD §4.2.1.2: create and edit a camp. Every field the PRD lists, checked here
//! for instant feedback and again (authoritatively) by the server.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::api::{CampDto, CampRequest, CampStatus, StaffOption, SystemInfo, UploadKind};
use shared::client::ApiClient;
use shared::error::ApiError;
use shared::money::{fen_to_yuan_input, parse_yuan};
use shared::roles::Role;
use shared::rules::{CAMP_INTRO_MAX, FrozenCampFields, html_text_len};
use wasm_bindgen::JsCast;

use super::camps::use_admin_camp;
use crate::components::{FieldError, Message};

#[component]
pub fn CampCreatePage() -> impl IntoView {
    view! {
        <leptos_meta::Title text="创建训练营" />
        <CampForm existing=None />
    }
}

#[component]
pub fn CampEditPage() -> impl IntoView {
    let camp = use_admin_camp();
    view! {
        <leptos_meta::Title text="编辑训练营" />
        <Suspense fallback=|| view! { <div class="admin-loading">"加载中…"</div> }>
            {move || Suspend::new(async move {
                match camp.await {
                    Ok(camp) => view! { <CampForm existing=Some(camp) /> }.into_any(),
                    Err(e) => view! { <div class="el-alert el-alert-error">{e.message}</div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// An uploaded image: its public id and where to show it.
type Uploaded = Option<(String, String)>;

#[component]
fn ImageUpload(
    kind: UploadKind,
    value: RwSignal<Uploaded>,
    error: RwSignal<Option<ApiError>>,
    field: &'static str,
) -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let uploading = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        let client = client.clone();
        uploading.set(true);
        spawn_local(async move {
            let content_type = file.type_();
            let bytes = match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
                Err(_) => Vec::new(),
            };
            match client.upload_image(kind, content_type, bytes).await {
                Ok(upload) => {
                    value.set(Some((upload.id, upload.url)));
                    error.update(|e| {
                        if let Some(details) = e.as_mut().and_then(|e| e.details.as_mut()) {
                            details.fields.remove(field);
                        }
                    });
                }
                Err(e) => {
                    let message = e
                        .field_message("file")
                        .map(str::to_owned)
                        .unwrap_or(e.message);
                    error.set(Some(ApiError::field(field, message)));
                }
            }
            uploading.set(false);
        });
    };
    let preview_class = if kind == UploadKind::GroupQr {
        "el-upload-preview el-upload-qr"
    } else {
        "el-upload-preview"
    };
    view! {
        <div class="el-upload">
            {move || match value.get() {
                Some((_, url)) => view! { <img class=preview_class src=url alt="预览" /> }.into_any(),
                None => view! { <div class=preview_class></div> }.into_any(),
            }}
            <div>
                <label class="el-button">
                    "选择图片"
                    <input class="el-upload-input" type="file" accept="image/png,image/jpeg" name=field on:change=on_change />
                </label>
                <div class="el-form-hint">
                    {move || if uploading.get() { "上传中…" } else { "支持 JPG/PNG，最大 2MB" }}
                </div>
            </div>
        </div>
    }
}

#[component]
fn IntroEditor(html: RwSignal<String>) -> impl IntoView {
    let editor = NodeRef::<leptos::html::Div>::new();
    let initial = html.get_untracked();
    let command = move |name: &'static str| {
        move |ev: leptos::ev::MouseEvent| {
            // Keep the selection inside the editor while the button is pressed.
            ev.prevent_default();
            if let Some(document) = document().dyn_ref::<web_sys::HtmlDocument>() {
                let _ = document.exec_command(name);
            }
            if let Some(el) = editor.get() {
                html.set(el.inner_html());
            }
        }
    };
    view! {
        <div class="el-editor">
            <div class="el-editor-toolbar">
                <button type="button" class="el-button el-button-small" on:mousedown=command("bold")>"加粗"</button>
                <button type="button" class="el-button el-button-small" on:mousedown=command("italic")>"斜体"</button>
                <button type="button" class="el-button el-button-small" on:mousedown=command("insertUnorderedList")>"列表"</button>
            </div>
            <div
                class="el-editor-body"
                contenteditable="true"
                role="textbox"
                aria-label="项目介绍"
                node_ref=editor
                inner_html=initial
                on:input=move |_| {
                    if let Some(el) = editor.get() {
                        html.set(el.inner_html());
                    }
                }
            ></div>
        </div>
        <div class="el-form-hint">{move || format!("{}/{} 字", html_text_len(&html.get()), CAMP_INTRO_MAX)}</div>
    }
}

#[component]
fn StaffChecks(
    options: Vec<StaffOption>,
    role: Role,
    selected: RwSignal<Vec<i64>>,
    name: &'static str,
) -> impl IntoView {
    let options: Vec<StaffOption> = options.into_iter().filter(|o| o.role == role).collect();
    if options.is_empty() {
        return view! { <div class="el-form-hint">{format!("还没有{}，请先在用户管理中添加", role.label())}</div> }.into_any();
    }
    view! {
        <div class="el-checks">
            {options
                .into_iter()
                .map(|option| {
                    let id = option.id;
                    view! {
                        <label>
                            <input
                                type="checkbox"
                                name=name
                                value=id.to_string()
                                prop:checked=move || selected.with(|s| s.contains(&id))
                                on:change=move |ev| {
                                    let checked = event_target_checked(&ev);
                                    selected.update(|s| {
                                        s.retain(|x| *x != id);
                                        if checked {
                                            s.push(id);
                                        }
                                    });
                                }
                            />
                            {option.username}
                        </label>
                    }
                })
                .collect_view()}
        </div>
    }
    .into_any()
}

#[component]
fn CampForm(existing: Option<CampDto>) -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let today = expect_context::<SystemInfo>().today;
    let navigate = use_navigate();
    let message = Message::new();
    let error = RwSignal::new(None::<ApiError>);
    let editing_id = existing.as_ref().map(|c| c.id);
    let frozen = existing
        .as_ref()
        .is_some_and(|c| c.status != CampStatus::NotStarted);
    let frozen_fields = existing.as_ref().map(|c| FrozenCampFields {
        status: c.status,
        start_date: c.start_date,
        end_date: c.end_date,
        total_days: c.total_days,
        required_days: c.required_days,
        deposit_fen: c.deposit_fen,
    });

    let text =
        |f: fn(&CampDto) -> String| RwSignal::new(existing.as_ref().map(f).unwrap_or_default());
    let name = text(|c| c.name.clone());
    let deposit = text(|c| fen_to_yuan_input(c.deposit_fen));
    let start = text(|c| c.start_date.to_string());
    let end = text(|c| c.end_date.to_string());
    let total = text(|c| c.total_days.to_string());
    let required = text(|c| c.required_days.to_string());
    let intro = text(|c| c.intro_html.clone());
    let planet = text(|c| c.planet_project_id.clone());
    let payee = text(|c| c.wecom_payee_id.clone());
    let poster = RwSignal::new(
        existing
            .as_ref()
            .map(|c| (c.poster_upload_id.clone(), c.poster_url.clone())),
    );
    let group_qr = RwSignal::new(
        existing
            .as_ref()
            .map(|c| (c.group_qr_upload_id.clone(), c.group_qr_url.clone())),
    );
    let coaches = RwSignal::new(
        existing
            .as_ref()
            .map(|c| c.coaches.iter().map(|s| s.id).collect())
            .unwrap_or_default(),
    );
    let volunteers = RwSignal::new(
        existing
            .as_ref()
            .map(|c| c.volunteers.iter().map(|s| s.id).collect())
            .unwrap_or_default(),
    );

    let options_client = client.clone();
    let staff = Resource::new(
        || (),
        move |_| {
            let client = options_client.clone();
            async move { client.staff_options().await }
        },
    );

    // "保存并发布知识星球" (PRD §4.2.1.2): save, then create the camp's check-in
    // project; a failed publish leaves the saved camp and says why.
    let publish = RwSignal::new(false);
    let save = Action::new(move |(request, publish): &(CampRequest, bool)| {
        let client = client.clone();
        let (request, publish) = (request.clone(), *publish);
        async move {
            let camp = match editing_id {
                Some(id) => client.update_camp(id, &request).await?,
                None => client.create_camp(&request).await?,
            };
            let published = if publish {
                client.publish_planet(camp.id).await.err()
            } else {
                None
            };
            Ok::<_, ApiError>((camp, published))
        }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok((camp, publish_error))) => {
            if let Some(e) = publish_error {
                let _ = window().alert_with_message(&format!(
                    "训练营已保存，但发布到知识星球失败：{}",
                    e.message
                ));
            }
            navigate(&format!("/admin/camps/{}", camp.id), Default::default())
        }
        Some(Err(e)) => {
            message.error(e.message.clone());
            error.set(Some(e));
        }
        None => {}
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(deposit_fen) = parse_yuan(&deposit.get_untracked()) else {
            let e = ApiError::field("deposit_fen", "请输入正确的押金金额（元，最多两位小数）");
            message.error(e.message.clone());
            error.set(Some(e));
            return;
        };
        let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<i32>().unwrap_or(0);
        let request = CampRequest {
            name: name.get_untracked(),
            poster_upload_id: poster.get_untracked().map(|(id, _)| id),
            group_qr_upload_id: group_qr.get_untracked().map(|(id, _)| id),
            deposit_fen,
            start_date: start.get_untracked().parse().ok(),
            end_date: end.get_untracked().parse().ok(),
            total_days: number(total),
            required_days: number(required),
            intro_html: intro.get_untracked(),
            coach_ids: coaches.get_untracked(),
            volunteer_ids: volunteers.get_untracked(),
            planet_project_id: planet.get_untracked(),
            wecom_payee_id: payee.get_untracked(),
        };
        let errors = shared::rules::validate_camp(&request, today, frozen_fields.as_ref());
        if !errors.is_empty() {
            let e = ApiError::fields(errors);
            message.error(e.message.clone());
            error.set(Some(e));
            return;
        }
        error.set(None);
        save.dispatch((request, publish.get_untracked()));
    };

    let label = |text: &'static str, required: bool| {
        view! { <span class="el-form-label" class:required=required>{text}</span> }
    };
    view! {
        {message.view()}
        <form class="el-card el-form" on:submit=submit novalidate>
            <h2 class="el-card-title">{if editing_id.is_some() { "编辑训练营" } else { "创建训练营" }}</h2>
            {frozen.then(|| view! { <div class="el-alert el-alert-info">"训练营已开始：日期、打卡要求和押金不能再修改。"</div> })}
            <div class="el-form-item">
                {label("训练营名称", true)}
                <input class="el-input" name="name" maxlength="50" placeholder="最多50字" bind:value=name />
                <FieldError error field="name" />
            </div>
            <div class="el-form-item">
                {label("项目海报", true)}
                <ImageUpload kind=UploadKind::Poster value=poster error field="poster_upload_id" />
                <FieldError error field="poster_upload_id" />
            </div>
            <div class="el-form-item">
                {label("押金金额（元）", true)}
                <input class="el-input" name="deposit" inputmode="decimal" placeholder="例如 99" disabled=frozen bind:value=deposit />
                <FieldError error field="deposit_fen" />
            </div>
            <div class="el-form-item">
                {label("训练时间", true)}
                <div class="el-form-inline">
                    <input class="el-input" type="date" name="start_date" min=today.to_string() disabled=frozen bind:value=start />
                    <span>"至"</span>
                    <input class="el-input" type="date" name="end_date" disabled=frozen bind:value=end />
                </div>
                <FieldError error field="start_date" />
                <FieldError error field="end_date" />
            </div>
            <div class="el-form-item">
                {label("打卡要求", true)}
                <div class="el-form-inline">
                    "总天数"
                    <input class="el-input el-input-short" name="total_days" inputmode="numeric" disabled=frozen bind:value=total />
                    "天，要求"
                    <input class="el-input el-input-short" name="required_days" inputmode="numeric" disabled=frozen bind:value=required />
                    "天"
                </div>
                <FieldError error field="total_days" />
                <FieldError error field="required_days" />
            </div>
            <div class="el-form-item">
                {label("群二维码", true)}
                <ImageUpload kind=UploadKind::GroupQr value=group_qr error field="group_qr_upload_id" />
                <FieldError error field="group_qr_upload_id" />
            </div>
            <div class="el-form-item">
                {label("项目介绍", false)}
                <IntroEditor html=intro />
                <FieldError error field="intro_html" />
            </div>
            <Suspense fallback=|| view! { <div class="el-form-hint">"加载人员…"</div> }>
                {move || Suspend::new(async move {
                    let options = staff.await.unwrap_or_default();
                    view! {
                        <div class="el-form-item">
                            {label("项目教练", true)}
                            <StaffChecks options=options.clone() role=Role::Coach selected=coaches name="coach_ids" />
                            <FieldError error field="coach_ids" />
                        </div>
                        <div class="el-form-item">
                            {label("志愿者", false)}
                            <StaffChecks options role=Role::Volunteer selected=volunteers name="volunteer_ids" />
                            <FieldError error field="volunteer_ids" />
                        </div>
                    }
                })}
            </Suspense>
            <div class="el-form-item">
                {label("知识星球项目ID", false)}
                <input class="el-input" name="planet_project_id" placeholder="关联的知识星球打卡项目ID；留空可用「保存并发布知识星球」创建" bind:value=planet />
                <FieldError error field="planet_project_id" />
            </div>
            <div class="el-form-item">
                {label("企业微信收款码ID", true)}
                <input class="el-input" name="wecom_payee_id" placeholder="用于识别支付记录" bind:value=payee />
                <FieldError error field="wecom_payee_id" />
            </div>
            <div class="el-form-actions">
                <button class="el-button el-button-primary" type="submit" disabled=move || save.pending().get() on:click=move |_| publish.set(false)>
                    {move || if save.pending().get() { "保存中…" } else { "保存" }}
                </button>
                {move || planet.with(|p| p.trim().is_empty()).then(|| view! {
                    <button class="el-button" type="submit" name="publish_planet" disabled=move || save.pending().get() on:click=move |_| publish.set(true)
                        title="保存后在知识星球创建打卡项目，并自动填入项目ID">
                        "保存并发布知识星球"
                    </button>
                })}
                <a class="el-button" href="/admin/camps">"取消"</a>
            </div>
        </form>
    }
}

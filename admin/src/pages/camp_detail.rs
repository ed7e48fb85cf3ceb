//! PRD §4.2.1.3, overview tab: the camp's facts, its numbers and its H5 link.

use leptos::prelude::*;
use shared::api::{CampDto, Me};
use shared::money::format_fen;
use shared::roles::Area;
use shared::rules::requirement_label;

use super::camp_checkins::CampCheckins;
use super::camps::{status_tag, use_admin_camp};
use super::members::MemberList;

#[component]
pub fn CampDetailPage() -> impl IntoView {
    let camp = use_admin_camp();
    view! {
        <Suspense fallback=|| view! { <div class="admin-loading">"加载中…"</div> }>
            {move || Suspend::new(async move {
                match camp.await {
                    Ok(camp) => view! { <Tabs camp /> }.into_any(),
                    Err(e) => view! { <div class="el-alert el-alert-error">{e.message}</div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// 概览, 报名列表 and 打卡情况; 退款情况 joins when refunds arrive.
#[component]
fn Tabs(camp: CampDto) -> impl IntoView {
    let tab = RwSignal::new("overview");
    let camp_id = camp.id;
    let button = move |key: &'static str, label: &'static str| {
        view! {
            <button class="el-tab" class:active=move || tab.get() == key on:click=move |_| tab.set(key)>
                {label}
            </button>
        }
    };
    view! {
        <div class="el-tabs" role="tablist">
            {button("overview", "概览")} {button("enrollments", "报名列表")} {button("checkins", "打卡情况")}
        </div>
        {move || match tab.get() {
            "enrollments" => view! { <MemberList fixed_camp=Some(camp_id) /> }.into_any(),
            "checkins" => view! { <CampCheckins camp=camp.clone() /> }.into_any(),
            _ => view! { <Overview camp=camp.clone() /> }.into_any(),
        }}
    }
}

#[component]
fn Overview(camp: CampDto) -> impl IntoView {
    let can_manage = expect_context::<Me>().role.can(Area::CampManagement);
    let names = |people: &[shared::api::StaffOption]| {
        if people.is_empty() {
            "—".to_owned()
        } else {
            people
                .iter()
                .map(|p| p.username.as_str())
                .collect::<Vec<_>>()
                .join("、")
        }
    };
    let qr = format!("/api/v1/admin/camps/{}/qrcode.png", camp.id);
    view! {
        <leptos_meta::Title text=camp.name.clone() />
        <div class="el-card">
            <div class="el-toolbar">
                <h2 class="el-card-title" style="margin:0">{camp.name.clone()}</h2>
                {status_tag(camp.status)}
                <span class="el-toolbar-spacer"></span>
                {can_manage.then(|| view! { <a class="el-button el-button-primary" href=format!("/admin/camps/{}/edit", camp.id)>"编辑"</a> })}
            </div>
            <div class="el-stats">
                <div class="el-stat">
                    <div class="el-stat-label">"报名人数"</div>
                    <div class="el-stat-value">{camp.enrolled_count}</div>
                </div>
                <div class="el-stat">
                    <div class="el-stat-label">"押金金额"</div>
                    <div class="el-stat-value">{format_fen(camp.deposit_fen)}</div>
                </div>
                <div class="el-stat">
                    <div class="el-stat-label">"打卡要求"</div>
                    <div class="el-stat-value">{requirement_label(camp.total_days, camp.required_days)}</div>
                </div>
            </div>
            <dl class="el-descriptions">
                <dt>"训练时间"</dt>
                <dd>{format!("{} 至 {}", camp.start_date, camp.end_date)}</dd>
                <dt>"项目教练"</dt>
                <dd>{names(&camp.coaches)}</dd>
                <dt>"志愿者"</dt>
                <dd>{names(&camp.volunteers)}</dd>
                <dt>"知识星球项目ID"</dt>
                <dd>{camp.planet_project_id.clone()}</dd>
                <dt>"企业微信收款码ID"</dt>
                <dd>{camp.wecom_payee_id.clone()}</dd>
                <dt>"项目海报"</dt>
                <dd><img class="el-upload-preview" src=camp.poster_url.clone() alt="海报" /></dd>
                <dt>"群二维码"</dt>
                <dd><img class="el-upload-preview el-upload-qr" src=camp.group_qr_url.clone() alt="群二维码" /></dd>
                <dt>"项目介绍"</dt>
                <dd inner_html=camp.intro_html.clone()></dd>
            </dl>
        </div>
        <div class="el-card">
            <h3 class="el-card-title">"H5 报名链接"</h3>
            <div class="qr-box" style="align-items:flex-start">
                <div class="qr-link">{camp.h5_url.clone()}</div>
                {can_manage.then(|| view! {
                    <img src=qr.clone() alt="报名二维码" />
                    <a class="el-button" href=qr download=format!("camp-{}-qrcode.png", camp.id)>"下载二维码"</a>
                })}
            </div>
        </div>
    }
}

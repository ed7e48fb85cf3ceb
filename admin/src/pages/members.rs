//! PRD §4.2.2: the member list (also the 报名列表 tab of a camp) and a member's
//! detail with payment records and "标记进群".

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::api::{
    EnrollmentDetail, EnrollmentQuery, EnrollmentRow, JoinedFilter, Me, OrderStatus,
};
use shared::checkin_api::CheckinRecordDto;
use shared::client::ApiClient;
use shared::matching::MatchStatus;
use shared::money::format_fen;
use shared::roles::{Area, Scope};

use super::match_panel::{MatchDialog, MatchPanelCard, MatchTarget, match_action};
use crate::components::{
    CampSelect, Message, Pagination, datetime, use_camp_options, use_id_param,
};

const PAGE_SIZE: u64 = 20;

fn joined_tag(joined: bool) -> impl IntoView {
    if joined {
        view! { <span class="el-tag el-tag-success">"已进群"</span> }
    } else {
        view! { <span class="el-tag el-tag-info">"未进群"</span> }
    }
}

fn match_tag(status: MatchStatus) -> impl IntoView {
    let class = if status.confirmed() {
        "el-tag el-tag-success"
    } else if status == MatchStatus::Failed {
        "el-tag el-tag-info"
    } else {
        "el-tag el-tag-warning"
    };
    view! { <span class=class data-match-status=status.as_str()>{status.label()}</span> }
}

type MarkJoined = Action<(i64, bool), Result<EnrollmentDetail, shared::error::ApiError>>;

/// "标记进群" / "取消进群": reports the outcome and refreshes what shows it.
fn mark_joined_action(
    client: ApiClient,
    message: Message,
    refresh: impl Fn() + Send + Sync + 'static,
) -> MarkJoined {
    let mark = Action::new(move |(id, joined): &(i64, bool)| {
        let client = client.clone();
        let (id, joined) = (*id, *joined);
        async move { client.mark_joined(id, joined).await }
    });
    Effect::new(move |_| match mark.value().get() {
        Some(Ok(_)) => {
            message.success("已更新进群状态");
            refresh();
        }
        Some(Err(e)) => message.error(e.message),
        None => {}
    });
    mark
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let query = use_query_map();
    let camp_id = query
        .read_untracked()
        .get("camp_id")
        .and_then(|id| id.parse().ok());
    view! {
        <leptos_meta::Title text="会员管理" />
        <MemberList fixed_camp=None initial_camp=camp_id />
    }
}

/// The filtered, paged member table; `fixed_camp` pins it to one camp (the camp's 报名列表 tab).
#[component]
pub fn MemberList(
    fixed_camp: Option<i64>,
    #[prop(default = None)] initial_camp: Option<i64>,
) -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let me = expect_context::<Me>();
    let can_change = me.role.scope(Area::Members) == Scope::All;
    let message = Message::new();
    let camp = RwSignal::new(fixed_camp.or(initial_camp));
    let joined = RwSignal::new(JoinedFilter::All);
    let match_status = RwSignal::new(None::<MatchStatus>);
    let search = RwSignal::new(String::new());
    let applied = RwSignal::new(String::new());
    let page = RwSignal::new(1u64);
    let query = move || EnrollmentQuery {
        camp_id: camp.get(),
        joined: joined.get(),
        q: Some(applied.get()).filter(|q| !q.trim().is_empty()),
        include_unpaid: false,
        match_status: match_status.get(),
        page: Some(page.get()),
        page_size: Some(PAGE_SIZE),
    };
    let list_client = client.clone();
    let members = Resource::new(query, move |q| {
        let client = list_client.clone();
        async move { client.enrollments(&q).await }
    });
    let poll_client = client.clone();
    let poll = Action::new(move |_: &()| {
        let client = poll_client.clone();
        async move { client.poll_payments().await }
    });
    Effect::new(move |_| match poll.value().get() {
        Some(Ok(report)) => {
            message.success(format!(
                "已核对{}笔未完成订单，补录{}笔",
                report["checked"], report["paid"]
            ));
            members.refetch();
        }
        Some(Err(e)) => message.error(e.message),
        None => {}
    });
    let mark = mark_joined_action(client, message, move || members.refetch());
    let chooser = RwSignal::new(None::<MatchTarget>);
    let matched = match_action(message, move |_| members.refetch());
    let export_href = move || {
        ApiClient::enrollments_export_url(&EnrollmentQuery {
            page: None,
            page_size: None,
            ..query()
        })
    };
    let reset = move || page.set(1);
    view! {
        {message.view()}
        <div class="el-card">
            <div class="el-toolbar">
                // The camp filter (and its list) only where the camp is not fixed.
                {fixed_camp.is_none().then(|| {
                    let camps = use_camp_options();
                    view! { <CampSelect camps camp all_label="全部训练营" on_change=move |_| reset() /> }
                })}
                <select
                    class="el-select"
                    aria-label="进群状态"
                    on:change=move |ev| {
                        joined.set(match event_target_value(&ev).as_str() {
                            "joined" => JoinedFilter::Joined,
                            "not_joined" => JoinedFilter::NotJoined,
                            _ => JoinedFilter::All,
                        });
                        reset();
                    }
                >
                    <option value="all">"全部进群状态"</option>
                    <option value="joined">"已进群"</option>
                    <option value="not_joined">"未进群"</option>
                </select>
                <select
                    class="el-select"
                    aria-label="匹配状态"
                    on:change=move |ev| {
                        match_status.set(MatchStatus::parse(&event_target_value(&ev)));
                        reset();
                    }
                >
                    <option value="">"全部匹配状态"</option>
                    {MatchStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                </select>
                <form class="el-form-inline" on:submit=move |ev| { ev.prevent_default(); applied.set(search.get_untracked()); reset(); }>
                    <input class="el-input" placeholder="星球昵称 / 星球ID / 微信昵称" bind:value=search />
                    <button class="el-button" type="submit">"搜索"</button>
                </form>
                <span class="el-toolbar-spacer"></span>
                {can_change.then(|| view! {
                    <button class="el-button" disabled=move || poll.pending().get() on:click=move |_| { poll.dispatch(()); }>"核对支付状态"</button>
                })}
                <a class="el-button el-button-primary" href=export_href rel="external" download="">"导出Excel"</a>
            </div>
            <Transition fallback=|| view! { <div class="el-table-empty">"加载中…"</div> }>
                <table class="el-table">
                    <thead>
                        <tr>
                            <th>"星球昵称"</th>
                            <th>"星球ID"</th>
                            <th>"微信昵称"</th>
                            <th>"训练营名称"</th>
                            <th>"支付金额"</th>
                            <th>"支付时间"</th>
                            <th>"匹配状态"</th>
                            <th>"匹配置信度"</th>
                            <th>"进群状态"</th>
                            <th>"操作"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || Suspend::new(async move {
                            match members.await {
                                Ok(page) if page.items.is_empty() => view! { <tr><td colspan="10" class="el-table-empty">"暂无已支付的会员"</td></tr> }.into_any(),
                                Ok(page) => page.items.into_iter().map(|row| view! { <MemberRow row can_change mark chooser /> }).collect_view().into_any(),
                                Err(e) => view! { <tr><td colspan="10" class="el-table-empty">{e.message}</td></tr> }.into_any(),
                            }
                        })}
                    </tbody>
                </table>
                {move || Suspend::new(async move {
                    let total = members.await.map(|p| p.total).unwrap_or(0);
                    view! { <Pagination page total=Signal::derive(move || total) page_size=PAGE_SIZE /> }
                })}
            </Transition>
        </div>
        <MatchDialog target=chooser action=matched />
    }
}

#[component]
fn MemberRow(
    row: EnrollmentRow,
    can_change: bool,
    mark: MarkJoined,
    chooser: RwSignal<Option<MatchTarget>>,
) -> impl IntoView {
    let (id, joined) = (row.id, row.joined_group);
    let target = MatchTarget {
        enrollment_id: id,
        camp_id: row.camp_id,
        planet_nickname: row.planet_nickname.clone(),
    };
    view! {
        <tr>
            <td>
                {row.planet_nickname.clone()}
                {(row.duplicate_payments > 0).then(|| view! { <span class="el-tag el-tag-danger" title="同一星球ID多次支付，请处理退款">"重复支付"</span> })}
            </td>
            <td>{row.planet_id.clone()}</td>
            <td>{row.wechat_nickname.clone()}</td>
            <td>{row.camp_name.clone()}</td>
            <td>{format_fen(row.amount_fen)}</td>
            <td>{row.paid_at.map(datetime).unwrap_or_default()}</td>
            <td>{match_tag(row.match_state)}</td>
            <td>{row.match_confidence.map(|c| format!("{c}%")).unwrap_or_else(|| "—".into())}</td>
            <td>{joined_tag(joined)}</td>
            <td>
                <div class="el-table-actions">
                    <a class="el-button-text" href=format!("/admin/members/{id}")>"查看详情"</a>
                    {can_change.then(|| view! {
                        <button class="el-button-text" on:click=move |_| { mark.dispatch((id, !joined)); }>
                            {if joined { "取消进群" } else { "标记进群" }}
                        </button>
                        <button class="el-button-text" on:click=move |_| chooser.set(Some(target.clone()))>"手动匹配"</button>
                    })}
                </div>
            </td>
        </tr>
    }
}

#[component]
pub fn MemberDetailPage() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let can_change = expect_context::<Me>().role.scope(Area::Members) == Scope::All;
    let message = Message::new();
    let detail_client = client.clone();
    let detail = Resource::new(use_id_param(), move |id| {
        let client = detail_client.clone();
        async move { client.enrollment(id).await }
    });
    let mark = mark_joined_action(client, message, move || detail.refetch());
    let chooser = RwSignal::new(None::<MatchTarget>);
    let matched = match_action(message, move |_| detail.refetch());
    view! {
        <leptos_meta::Title text="会员详情" />
        <MatchDialog target=chooser action=matched />
        {message.view()}
        <Transition fallback=|| view! { <div class="admin-loading">"加载中…"</div> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => {
                        let row = detail.enrollment.clone();
                        let (id, joined) = (row.id, row.joined_group);
                        let target = MatchTarget {
                            enrollment_id: id,
                            camp_id: row.camp_id,
                            planet_nickname: row.planet_nickname.clone(),
                        };
                        let panel = detail.checkins.panel.clone();
                        let records = detail.checkins.records.clone();
                        view! {
                            <div class="el-card">
                                <div class="el-toolbar">
                                    <h2 class="el-card-title" style="margin:0">{row.planet_nickname.clone()}</h2>
                                    {joined_tag(joined)}
                                    <span class="el-toolbar-spacer"></span>
                                    {can_change.then(|| view! {
                                        <button class="el-button el-button-primary" on:click=move |_| { mark.dispatch((id, !joined)); }>
                                            {if joined { "取消进群" } else { "标记进群" }}
                                        </button>
                                    })}
                                </div>
                                <dl class="el-descriptions">
                                    <dt>"星球昵称 / 星球ID / 微信昵称"</dt>
                                    <dd>{format!("{} / {} / {}", row.planet_nickname, row.planet_id, row.wechat_nickname)}</dd>
                                    <dt>"训练营"</dt>
                                    <dd><a href=format!("/admin/camps/{}", row.camp_id)>{row.camp_name.clone()}</a></dd>
                                    <dt>"进群状态"</dt>
                                    <dd>{if joined { format!("已进群（{}）", detail.joined_group_at.map(datetime).unwrap_or_default()) } else { "未进群".into() }}</dd>
                                </dl>
                            </div>
                            <div class="el-card">
                                <h3 class="el-card-title">"支付记录"</h3>
                                <table class="el-table">
                                    <thead>
                                        <tr><th>"时间"</th><th>"训练营"</th><th>"金额"</th><th>"订单号"</th><th>"状态"</th></tr>
                                    </thead>
                                    <tbody>
                                        {detail.payments.into_iter().map(|p| {
                                            let status = match (p.status, p.duplicate) {
                                                (OrderStatus::Paid, true) => view! { <span class="el-tag el-tag-danger">"重复支付，待处理退款"</span> }.into_any(),
                                                (OrderStatus::Paid, false) => view! { <span class="el-tag el-tag-success">"已支付"</span> }.into_any(),
                                                (OrderStatus::NeedsReview, _) => view! {
                                                    <span class="el-tag el-tag-danger">"已收款，待核对"</span>
                                                    <p class="el-form-hint">{p.review_reason.clone().unwrap_or_default()}</p>
                                                }.into_any(),
                                                (OrderStatus::Closed, _) => view! { <span class="el-tag el-tag-info">"已关闭"</span> }.into_any(),
                                                (OrderStatus::Created, _) => view! { <span class="el-tag el-tag-warning">"待支付"</span> }.into_any(),
                                            };
                                            view! {
                                                <tr>
                                                    <td>{datetime(p.paid_at.unwrap_or(p.created_at))}</td>
                                                    <td>{p.camp_name}</td>
                                                    <td>{format_fen(p.amount_fen)}</td>
                                                    <td>{p.out_trade_no}</td>
                                                    <td>{status}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <MatchPanelCard panel target can_change action=matched chooser />
                            <RecordsCard records />
                        }
                            .into_any()
                    }
                    Err(e) => view! { <div class="el-alert el-alert-error">{e.message}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The matched account's posts in the camp, newest first.
#[component]
fn RecordsCard(records: Vec<CheckinRecordDto>) -> impl IntoView {
    let rows = if records.is_empty() {
        view! { <tr><td colspan="4" class="el-table-empty">"暂无打卡记录（每天01:00同步，或在训练营的打卡情况中立即同步）"</td></tr> }.into_any()
    } else {
        records
            .into_iter()
            .map(|r| {
                view! {
                    <tr>
                        <td class="el-nowrap">{datetime(r.created_at)}</td>
                        <td class="el-nowrap">{r.checkin_date.to_string()}</td>
                        <td>
                            {r.excerpt}
                            {r.gone.then(|| view! { <span class="el-tag el-tag-danger" title="已在知识星球删除，不计入天数">"已删除"</span> })}
                        </td>
                        <td>{if r.source == "import" { "导入" } else { "同步" }}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <div class="el-card">
            <h3 class="el-card-title">"打卡记录"</h3>
            <table class="el-table">
                <thead><tr><th>"打卡时间"</th><th>"计入日期"</th><th>"内容摘要"</th><th>"来源"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

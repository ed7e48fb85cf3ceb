//! PRD §4.2.3.2, 进度统计 of one camp: the cards (总人数, 平均打卡率,
//! 满足退款条件人数) and the per-member calendar, ✓ / ✗ (the PRD's ✅ / ❌,
//! drawn as coloured text so no emoji font is needed) for each camp day so far. Used by 打卡管理 and by the camp's 打卡情况 tab.

use leptos::prelude::*;
use shared::checkin_api::{CampCheckinStats, MemberCalendar};
use shared::client::ApiClient;

/// The cards and the calendar of `camp_id`; refetches when `reload` changes.
#[component]
pub fn CampStats(camp_id: i64, #[prop(optional)] reload: Option<RwSignal<u32>>) -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let stats = Resource::new(
        move || reload.map(|r| r.get()),
        move |_| {
            let client = client.clone();
            async move { client.checkin_stats(camp_id).await }
        },
    );
    view! {
        <Transition fallback=|| view! { <div class="el-card admin-loading">"加载中…"</div> }>
            {move || Suspend::new(async move {
                match stats.await {
                    Ok(stats) => view! { <StatsCards stats /> }.into_any(),
                    Err(e) => view! { <div class="el-alert el-alert-error">{e.message}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StatsCards(stats: CampCheckinStats) -> impl IntoView {
    let total_days = stats.days.len();
    let elapsed = usize::try_from(stats.elapsed_days)
        .unwrap_or(0)
        .min(total_days);
    let export = ApiClient::checkin_stats_export_url(stats.camp_id);
    let title = format!("{} · 进度统计", stats.camp_name);
    let period = format!(
        "{} 至 {}，已进行{}天/共{}天",
        stats.start_date, stats.end_date, elapsed, total_days
    );
    let (total, eligible, required) = (
        stats.total_members,
        stats.eligible_members,
        stats.required_days,
    );
    let rate = format!("{:.1}%", stats.average_rate_percent);
    view! {
        <div class="el-card">
            <div class="el-toolbar">
                <h3 class="el-card-title" style="margin:0">{title}</h3>
                <span class="el-form-hint">{period}</span>
                <span class="el-toolbar-spacer"></span>
                <a class="el-button" href=export rel="external" download="">"导出Excel"</a>
            </div>
            <div class="el-stats">
                <div class="el-stat">
                    <div class="el-stat-label">"总人数"</div>
                    <div class="el-stat-value" data-stat="total">{total}</div>
                </div>
                <div class="el-stat">
                    <div class="el-stat-label">"平均打卡率"</div>
                    <div class="el-stat-value" data-stat="rate">{rate}</div>
                </div>
                <div class="el-stat">
                    <div class="el-stat-label">{format!("满足退款条件人数（≥{required}天）")}</div>
                    <div class="el-stat-value" data-stat="eligible">{eligible}</div>
                </div>
            </div>
            <Calendar stats elapsed />
        </div>
    }
}

/// One row per paid member, one column per camp day; days not yet reached are blank.
#[component]
fn Calendar(stats: CampCheckinStats, elapsed: usize) -> impl IntoView {
    if stats.members.is_empty() {
        return view! { <div class="el-table-empty">"暂无已支付的会员"</div> }.into_any();
    }
    let head = stats
        .days
        .iter()
        .map(|d| view! { <th class="el-calendar-day" title=d.to_string()>{d.format("%m-%d").to_string()}</th> })
        .collect_view();
    let required = stats.required_days;
    let rows = stats
        .members
        .into_iter()
        .map(|m| view! { <CalendarRow member=m elapsed required /> })
        .collect_view();
    view! {
        <div class="el-table-scroll">
            <table class="el-table el-calendar">
                <thead>
                    <tr>
                        <th>"会员"</th>
                        <th>"匹配状态"</th>
                        <th>"已打卡"</th>
                        {head}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn CalendarRow(member: MemberCalendar, elapsed: usize, required: i64) -> impl IntoView {
    let cells = member
        .checked
        .iter()
        .enumerate()
        .map(|(i, done)| match (i < elapsed, *done) {
            (_, true) => {
                view! { <td class="el-calendar-cell done" title="已打卡">"✓"</td> }.into_any()
            }
            (true, false) => {
                view! { <td class="el-calendar-cell missed" title="未打卡">"✗"</td> }.into_any()
            }
            (false, false) => view! { <td class="el-calendar-cell"></td> }.into_any(),
        })
        .collect_view();
    let status_class = if member.match_status.confirmed() {
        "el-tag el-tag-success"
    } else {
        "el-tag el-tag-warning"
    };
    view! {
        <tr>
            <td>
                <a href=format!("/admin/members/{}", member.enrollment_id)>{member.planet_nickname}</a>
                <div class="el-form-hint">{member.planet_id}</div>
            </td>
            <td><span class=status_class>{member.match_status.label()}</span></td>
            <td>
                {format!("{}/{}", member.checked_days, required)}
                {member.eligible.then(|| view! { <span class="el-tag el-tag-success">"达标"</span> })}
            </td>
            {cells}
        </tr>
    }
}

//! PRD §7 in the admin: the member detail's match panel (status, confidence,
//! the account found, a rename, the ranking cross-check, 同名 candidates) and
//! "手动匹配" — choosing one of the camp's planet accounts with its post count.
//! Staff's choice is audited and never overwritten by automatic matching.

use leptos::prelude::*;
use shared::api::EnrollmentDetail;
use shared::checkin_api::{MatchPanel, PlanetAccountDto};
use shared::client::ApiClient;
use shared::error::ApiError;

use crate::components::{Dialog, Message, datetime};

/// Who is being matched: enrollment id, camp id and the member's 星球昵称.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchTarget {
    pub enrollment_id: i64,
    pub camp_id: i64,
    pub planet_nickname: String,
}

type MatchAction = Action<(i64, Option<i64>), Result<EnrollmentDetail, ApiError>>;

/// Sets (`Some(user_id)`) or undoes (`None`) a manual match, reports the
/// outcome and hands the updated detail to `done`.
pub fn match_action(
    message: Message,
    done: impl Fn(EnrollmentDetail) + Send + Sync + 'static,
) -> MatchAction {
    let client = expect_context::<ApiClient>();
    let action = Action::new(move |(enrollment_id, user_id): &(i64, Option<i64>)| {
        let client = client.clone();
        let (enrollment_id, user_id) = (*enrollment_id, *user_id);
        async move {
            match user_id {
                Some(user_id) => client.set_match(enrollment_id, user_id).await,
                None => client.clear_match(enrollment_id).await,
            }
        }
    });
    Effect::new(move |_| match action.value().get() {
        Some(Ok(detail)) => {
            message.success(if detail.checkins.panel.manual {
                "已手动匹配"
            } else {
                "已撤销手动匹配，恢复自动匹配"
            });
            done(detail);
        }
        Some(Err(e)) => message.error(e.message),
        None => {}
    });
    action
}

/// The chooser: the camp's planet accounts, each with its posts and whom it
/// is matched to now.
#[component]
pub fn MatchDialog(target: RwSignal<Option<MatchTarget>>, action: MatchAction) -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let open = RwSignal::new(false);
    // Opening is setting the target (again, for the same member); choosing closes.
    Effect::new(move |_| {
        if target.get().is_some() {
            open.set(true);
        }
    });
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            open.set(false);
        }
    });
    let accounts = Resource::new(
        move || target.get().map(|t| t.camp_id),
        move |camp_id| {
            let client = client.clone();
            async move {
                match camp_id {
                    Some(id) => client.planet_accounts(id).await,
                    None => Ok(Vec::new()),
                }
            }
        },
    );
    let filter = RwSignal::new(String::new());
    let title = Signal::derive(move || {
        target
            .get()
            .map(|t| format!("手动匹配：{}", t.planet_nickname))
            .unwrap_or_default()
    });
    view! {
        <Dialog open title>
            <p class="el-form-hint">"从本训练营打卡过的知识星球账号中选择。手动匹配不会被自动匹配覆盖，可随时撤销。"</p>
            <input class="el-input" placeholder="按昵称或星球ID筛选" aria-label="筛选账号" bind:value=filter />
            <Transition fallback=|| view! { <div class="el-table-empty">"加载中…"</div> }>
                {move || Suspend::new(async move {
                    let enrollment_id = target.get().map(|t| t.enrollment_id).unwrap_or_default();
                    let text = filter.get().trim().to_lowercase();
                    match accounts.await {
                        Ok(list) if list.is_empty() => view! { <div class="el-table-empty">"本训练营还没有打卡记录，请先同步或导入"</div> }.into_any(),
                        Ok(list) => {
                            let rows = list
                                .into_iter()
                                .filter(|a| text.is_empty() || account_text(a).contains(&text))
                                .map(|a| view! { <AccountRow account=a enrollment_id action /> })
                                .collect_view();
                            view! {
                                <table class="el-table">
                                    <thead><tr><th>"星球昵称"</th><th>"星球ID"</th><th>"打卡帖数"</th><th>"当前匹配"</th><th>"操作"</th></tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <div class="el-alert el-alert-error">{e.message}</div> }.into_any(),
                    }
                })}
            </Transition>
        </Dialog>
    }
}

fn account_text(account: &PlanetAccountDto) -> String {
    format!(
        "{} {} {}",
        account.name,
        account.alias.as_deref().unwrap_or_default(),
        account.user_id
    )
    .to_lowercase()
}

#[component]
fn AccountRow(account: PlanetAccountDto, enrollment_id: i64, action: MatchAction) -> impl IntoView {
    let user_id = account.user_id;
    let current = match account.matched_enrollment_id {
        Some(id) if id == enrollment_id => {
            view! { <span class="el-tag el-tag-success">"当前会员"</span> }.into_any()
        }
        Some(id) => {
            view! { <a href=format!("/admin/members/{id}")>"已匹配其他会员"</a> }.into_any()
        }
        None => view! { <span class="el-form-hint">"—"</span> }.into_any(),
    };
    view! {
        <tr>
            <td>
                {account.name}
                {account.alias.map(|a| view! { <div class="el-form-hint">{format!("备注名：{a}")}</div> })}
            </td>
            <td>{user_id.to_string()}</td>
            <td>{account.posts}</td>
            <td>{current}</td>
            <td>
                <button class="el-button el-button-small el-button-primary" disabled=move || action.pending().get()
                    on:click=move |_| { action.dispatch((enrollment_id, Some(user_id))); }>
                    "选择"
                </button>
            </td>
        </tr>
    }
}

/// The member detail's 匹配信息 card.
#[component]
pub fn MatchPanelCard(
    panel: MatchPanel,
    target: MatchTarget,
    can_change: bool,
    action: MatchAction,
    chooser: RwSignal<Option<MatchTarget>>,
) -> impl IntoView {
    let enrollment_id = target.enrollment_id;
    let renamed = match (&panel.matched_name, &panel.current_name) {
        (Some(then), Some(now)) if then != now => {
            Some(format!("星球昵称已由「{then}」改为「{now}」"))
        }
        _ => None,
    };
    let ranking = panel.ranking_days.map(|days| {
        let at = panel.ranking_checked_at.map(datetime).unwrap_or_default();
        if days == panel.checkin_days {
            view! { <span>{format!("知识星球累计{days}天，与本系统一致（{at}核对）")}</span> }.into_any()
        } else {
            view! {
                <span class="el-tag el-tag-danger" data-flag="ranking-mismatch">
                    {format!("不一致：知识星球累计{days}天，本系统计{}天（{at}核对）", panel.checkin_days)}
                </span>
            }
            .into_any()
        }
    });
    let account = match (panel.user_id, &panel.current_name) {
        (Some(id), name) => format!(
            "{}（星球ID {id}）{}",
            name.clone().unwrap_or_default(),
            panel
                .current_alias
                .as_ref()
                .map(|a| format!("，备注名：{a}"))
                .unwrap_or_default()
        ),
        (None, _) => "未找到".to_owned(),
    };
    let candidates = panel
        .candidates
        .iter()
        .map(|c| {
            let user_id = c.user_id;
            view! {
                <li>
                    {format!("{}（星球ID {}，{}帖）", c.name, c.user_id, c.posts)}
                    {can_change.then(|| view! {
                        <button class="el-button-text" on:click=move |_| { action.dispatch((enrollment_id, Some(user_id))); }>"选这个"</button>
                    })}
                </li>
            }
        })
        .collect_view();
    let has_candidates = !panel.candidates.is_empty();
    let status_class = if panel.status.confirmed() {
        "el-tag el-tag-success"
    } else {
        "el-tag el-tag-warning"
    };
    let manual = panel.manual;
    view! {
        <div class="el-card" id="match">
            <div class="el-toolbar">
                <h3 class="el-card-title" style="margin:0">"匹配信息"</h3>
                <span class=status_class data-match-status=panel.status.as_str()>{panel.status.label()}</span>
                <span class="el-form-hint">{format!("置信度 {}%", panel.confidence)}</span>
                <span class="el-toolbar-spacer"></span>
                {can_change.then(|| view! {
                    <button class="el-button el-button-primary" on:click=move |_| chooser.set(Some(target.clone()))>"手动修正匹配"</button>
                    {manual.then(|| view! {
                        <button class="el-button" disabled=move || action.pending().get() on:click=move |_| { action.dispatch((enrollment_id, None)); }>"撤销手动匹配"</button>
                    })}
                })}
            </div>
            <dl class="el-descriptions">
                <dt>"知识星球账号"</dt>
                <dd>{account}</dd>
                <dt>"匹配时间"</dt>
                <dd>{panel.matched_at.map(datetime).unwrap_or_else(|| "—".into())}{manual.then_some("（手动）")}</dd>
                <dt>"已打卡天数"</dt>
                <dd data-testid="checkin-days">{format!("{}天", panel.checkin_days)}</dd>
                <dt>"排行榜核对"</dt>
                <dd>{ranking.unwrap_or_else(|| view! { <span>"尚未核对"</span> }.into_any())}</dd>
            </dl>
            {renamed.map(|text| view! { <div class="el-alert el-alert-info">{text}</div> })}
            {has_candidates.then(|| view! {
                <div class="el-alert el-alert-info">
                    "以下账号同样符合，请确认是哪一个："
                    <ul>{candidates}</ul>
                </div>
            })}
        </div>
    }
}

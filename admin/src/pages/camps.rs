//! PRD §4.2.1.1: the camp list with status, period and name filters, and the
//! H5 link + QR code dialog.

use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;
use shared::api::{CampDto, CampListQuery, CampStatus, CampStatusFilter, Me, SystemInfo};
use shared::client::ApiClient;
use shared::money::format_fen;
use shared::roles::Area;
use shared::rules::requirement_label;

use crate::components::{Dialog, Message, Pagination, use_id_param};

const PAGE_SIZE: u64 = 20;

fn month_range(today: NaiveDate, months_back: u32) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let first = today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(chrono::Months::new(months_back)));
    let last = first
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .and_then(|d| d.pred_opt());
    (first, last)
}

/// The camp named by the route's `:id`, as staff see it.
pub fn use_admin_camp() -> Resource<Result<CampDto, shared::error::ApiError>> {
    let client = expect_context::<ApiClient>();
    Resource::new(use_id_param(), move |id| {
        let client = client.clone();
        async move { client.admin_camp(id).await }
    })
}

pub fn status_tag(status: CampStatus) -> impl IntoView {
    let class = match status {
        CampStatus::NotStarted => "el-tag el-tag-primary",
        CampStatus::Ongoing => "el-tag el-tag-success",
        CampStatus::Ended => "el-tag el-tag-info",
    };
    view! { <span class=class>{status.label()}</span> }
}

#[component]
pub fn CampListPage() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let me = expect_context::<Me>();
    let today = expect_context::<SystemInfo>().today;
    let can_manage = me.role.can(Area::CampManagement);
    let message = Message::new();

    let status = RwSignal::new(CampStatusFilter::All);
    let period = RwSignal::new("all".to_owned());
    let custom_from = RwSignal::new(String::new());
    let custom_to = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let applied_search = RwSignal::new(String::new());
    let page = RwSignal::new(1u64);

    let query = move || {
        let (from, to) = match period.get().as_str() {
            "this_month" => month_range(today, 0),
            "last_month" => month_range(today, 1),
            "custom" => (custom_from.get().parse().ok(), custom_to.get().parse().ok()),
            _ => (None, None),
        };
        let q = applied_search.get();
        CampListQuery {
            status: status.get(),
            q: (!q.trim().is_empty()).then_some(q),
            from,
            to,
            page: Some(page.get()),
            page_size: Some(PAGE_SIZE),
        }
    };
    let list_client = client.clone();
    let camps = Resource::new(query, move |query| {
        let client = list_client.clone();
        async move { client.admin_camps(&query).await }
    });

    let qr_open = RwSignal::new(false);
    let qr_camp = RwSignal::new(None::<CampDto>);
    let show_qr = move |camp: CampDto| {
        qr_camp.set(Some(camp));
        qr_open.set(true);
    };
    let delete = Action::new(move |id: &i64| {
        let client = client.clone();
        let id = *id;
        async move { client.delete_camp(id).await }
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            message.success("已删除");
            camps.refetch();
        }
        Some(Err(e)) => message.error(e.message),
        None => {}
    });
    let confirm_delete = move |camp: &CampDto| {
        if window()
            .confirm_with_message(&format!("确定删除训练营「{}」吗？", camp.name))
            .unwrap_or(false)
        {
            delete.dispatch(camp.id);
        }
    };

    let filter_changed = move || page.set(1);
    view! {
        <leptos_meta::Title text="训练营管理" />
        {message.view()}
        <div class="el-card">
            <div class="el-toolbar">
                <select
                    class="el-select"
                    aria-label="状态"
                    on:change=move |ev| {
                        status.set(match event_target_value(&ev).as_str() {
                            "not_started" => CampStatusFilter::NotStarted,
                            "ongoing" => CampStatusFilter::Ongoing,
                            "ended" => CampStatusFilter::Ended,
                            _ => CampStatusFilter::All,
                        });
                        filter_changed();
                    }
                >
                    <option value="all">"全部状态"</option>
                    <option value="not_started">"未开始"</option>
                    <option value="ongoing">"进行中"</option>
                    <option value="ended">"已结束"</option>
                </select>
                <select
                    class="el-select"
                    aria-label="时间"
                    on:change=move |ev| {
                        period.set(event_target_value(&ev));
                        filter_changed();
                    }
                >
                    <option value="all">"全部时间"</option>
                    <option value="this_month">"本月"</option>
                    <option value="last_month">"上月"</option>
                    <option value="custom">"自定义"</option>
                </select>
                <Show when=move || period.get() == "custom">
                    <input class="el-input" type="date" aria-label="开始日期" bind:value=custom_from />
                    <span>"至"</span>
                    <input class="el-input" type="date" aria-label="结束日期" bind:value=custom_to />
                </Show>
                <form
                    class="el-form-inline"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        applied_search.set(search.get_untracked());
                        filter_changed();
                    }
                >
                    <input class="el-input" placeholder="搜索训练营名称" bind:value=search />
                    <button class="el-button" type="submit">
                        "搜索"
                    </button>
                </form>
                <span class="el-toolbar-spacer"></span>
                {can_manage
                    .then(|| {
                        view! {
                            <a class="el-button el-button-primary" href="/admin/camps/new">
                                "+ 创建训练营"
                            </a>
                        }
                    })}
            </div>
            <Transition fallback=|| view! { <div class="el-table-empty">"加载中…"</div> }>
            <table class="el-table">
                <thead>
                    <tr>
                        <th>"训练营名称"</th>
                        <th>"海报"</th>
                        <th>"押金"</th>
                        <th>"开始日期 | 结束日期"</th>
                        <th>"打卡要求"</th>
                        <th>"报名人数"</th>
                        <th>"状态"</th>
                        <th>"操作"</th>
                    </tr>
                </thead>
                    <tbody>
                        {move || Suspend::new(async move {
                            match camps.await {
                                Ok(page) if page.items.is_empty() => {
                                    view! { <tr><td colspan="8" class="el-table-empty">"暂无训练营"</td></tr> }.into_any()
                                }
                                Ok(page) => {
                                    page.items
                                        .into_iter()
                                        .map(|camp| {
                                            let editable = camp.status == CampStatus::NotStarted;
                                            let for_qr = camp.clone();
                                            let for_delete = camp.clone();
                                            view! {
                                                <tr>
                                                    <td>{camp.name.clone()}</td>
                                                    <td><img class="el-table-thumb" src=camp.poster_url.clone() alt="" /></td>
                                                    <td>{format_fen(camp.deposit_fen)}</td>
                                                    <td>{format!("{} | {}", camp.start_date, camp.end_date)}</td>
                                                    <td>{requirement_label(camp.total_days, camp.required_days)}</td>
                                                    <td>{camp.enrolled_count}</td>
                                                    <td>{status_tag(camp.status)}</td>
                                                    <td>
                                                        <div class="el-table-actions">
                                                            <a class="el-button-text" href=format!("/admin/camps/{}", camp.id)>"查看"</a>
                                                            {can_manage.then(|| view! {
                                                                <a
                                                                    class="el-button-text"
                                                                    href=format!("/admin/camps/{}/edit", camp.id)
                                                                    title=if editable { "" } else { "已开始的训练营只能修改名称、海报、介绍和人员" }
                                                                >
                                                                    "编辑"
                                                                </a>
                                                                <button class="el-button-text" on:click=move |_| show_qr(for_qr.clone())>"生成二维码"</button>
                                                                {editable.then(|| view! {
                                                                    <button class="el-button-text danger" on:click=move |_| confirm_delete(&for_delete)>"删除"</button>
                                                                })}
                                                            })}
                                                        </div>
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()
                                        .into_any()
                                }
                                Err(e) => view! { <tr><td colspan="8" class="el-table-empty">{e.message}</td></tr> }.into_any(),
                            }
                        })}
                    </tbody>
            </table>
            {move || Suspend::new(async move {
                // Read inside the Transition: a resource read outside it would suspend the whole frame.
                let total = camps.await.map(|p| p.total).unwrap_or(0);
                view! { <Pagination page total=Signal::derive(move || total) page_size=PAGE_SIZE /> }
            })}
            </Transition>
        </div>
        <Dialog open=qr_open title=Signal::derive(move || qr_camp.with(|c| c.as_ref().map(|c| format!("{} 报名二维码", c.name)).unwrap_or_default()))>
            {move || qr_camp.get().map(|camp| {
                let png = format!("/api/v1/admin/camps/{}/qrcode.png", camp.id);
                view! {
                    <div class="qr-box">
                        <img src=png.clone() alt="报名二维码" />
                        <div class="qr-link">{camp.h5_url.clone()}</div>
                        <div class="el-form-actions">
                            <a class="el-button el-button-primary" href=png download=format!("camp-{}-qrcode.png", camp.id)>"下载二维码"</a>
                            <a class="el-button" href=camp.h5_url.clone() target="_blank" rel="noopener">"打开链接"</a>
                        </div>
                    </div>
                }
            })}
        </Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_ranges_cover_whole_months() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap_or_default();
        let (from, to) = month_range(today, 0);
        assert_eq!(from, NaiveDate::from_ymd_opt(2026, 3, 1));
        assert_eq!(to, NaiveDate::from_ymd_opt(2026, 3, 31));
        let (from, to) = month_range(today, 1);
        assert_eq!(from, NaiveDate::from_ymd_opt(2026, 2, 1));
        assert_eq!(to, NaiveDate::from_ymd_opt(2026, 2, 28));
    }
}

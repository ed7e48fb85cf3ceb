//! The admin frame: sidebar menu filtered by role, header with breadcrumbs and
//! the user menu. Visitors without a session are sent to the sign-in page.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::{use_location, use_navigate};
use shared::api::{Me, SystemInfo};
use shared::client::ApiClient;
use shared::roles::Area;

struct MenuItem {
    href: &'static str,
    label: &'static str,
    icon: &'static str,
    area: Area,
}

const MENU: [MenuItem; 6] = [
    MenuItem {
        href: "/admin/camps",
        label: "训练营管理",
        icon: "▦",
        area: Area::CampView,
    },
    MenuItem {
        href: "/admin/members",
        label: "会员管理",
        icon: "◎",
        area: Area::Members,
    },
    MenuItem {
        href: "/admin/checkins",
        label: "打卡管理",
        icon: "✓",
        area: Area::Checkins,
    },
    MenuItem {
        href: "/admin/users",
        label: "用户管理",
        icon: "☺",
        area: Area::Users,
    },
    MenuItem {
        href: "/admin/audit-logs",
        label: "操作日志",
        icon: "☰",
        area: Area::AuditLog,
    },
    MenuItem {
        href: "/admin/system",
        label: "系统设置",
        icon: "⚙",
        area: Area::SystemConfig,
    },
];

#[component]
pub fn Layout() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let me = Resource::new(
        || (),
        move |_| {
            let client = client.clone();
            async move {
                let me = client.me().await?;
                let info = client.system_info().await?;
                Ok::<_, shared::error::ApiError>(me.map(|me| (me, info)))
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <div class="admin-loading">"加载中…"</div> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some((me, info))) => view! { <Frame me info /> }.into_any(),
                    Ok(None) => view! { <Redirect path="/admin/login" /> }.into_any(),
                    Err(e) => view! { <div class="admin-loading">{e.message}</div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Breadcrumb trail for a path.
fn crumbs(path: &str) -> Vec<(&'static str, Option<&'static str>)> {
    let mut trail = Vec::new();
    if path.starts_with("/admin/camps") {
        trail.push(("训练营管理", Some("/admin/camps")));
        if path.ends_with("/new") {
            trail.push(("创建训练营", None));
        } else if path.ends_with("/edit") {
            trail.push(("编辑训练营", None));
        } else if path.trim_end_matches('/') != "/admin/camps" {
            trail.push(("训练营详情", None));
        }
    } else if path.starts_with("/admin/members") {
        trail.push(("会员管理", Some("/admin/members")));
        if path.trim_end_matches('/') != "/admin/members" {
            trail.push(("会员详情", None));
        }
    } else if path.starts_with("/admin/checkins") {
        trail.push(("打卡管理", Some("/admin/checkins")));
        if path.ends_with("/stats") {
            trail.push(("进度统计", None));
        } else if path.ends_with("/sync-runs") {
            trail.push(("同步记录", None));
        } else {
            trail.push(("打卡记录", None));
        }
    } else if path.starts_with("/admin/users") {
        trail.push(("系统管理", None));
        trail.push(("用户管理", None));
    } else if path.starts_with("/admin/audit-logs") {
        trail.push(("系统管理", None));
        trail.push(("操作日志", None));
    } else if path.starts_with("/admin/system") {
        trail.push(("系统管理", None));
        trail.push(("系统设置", None));
    }
    trail
}

#[component]
fn Frame(me: Me, info: SystemInfo) -> impl IntoView {
    provide_context(me.clone());
    provide_context(info);
    let client = expect_context::<ApiClient>();
    let location = use_location();
    let navigate = use_navigate();
    let logout = Action::new(move |_: &()| {
        let client = client.clone();
        async move { client.logout().await }
    });
    Effect::new(move |_| {
        if logout.value().get().is_some() {
            navigate("/admin/login", Default::default());
        }
    });
    let role = me.role;
    let menu = MENU
        .iter()
        .filter(|item| role.can(item.area))
        .map(|item| {
            let href = item.href;
            let active = move || location.pathname.get().starts_with(href);
            view! {
                <li>
                    <a href=href class="admin-menu-item" class:active=active>
                        <span class="admin-menu-icon">{item.icon}</span>
                        {item.label}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="admin">
            <aside class="admin-sidebar">
                <div class="admin-brand">"训练营押金管理"</div>
                <nav>
                    <ul class="admin-menu">{menu}</ul>
                </nav>
            </aside>
            <div class="admin-main">
                <header class="admin-header">
                    <nav class="admin-breadcrumb" aria-label="面包屑">
                        <a href="/admin/camps">"首页"</a>
                        {move || {
                            crumbs(&location.pathname.get())
                                .into_iter()
                                .map(|(label, href)| {
                                    view! {
                                        <span class="admin-breadcrumb-sep">"/"</span>
                                        {match href {
                                            Some(href) => view! { <a href=href>{label}</a> }.into_any(),
                                            None => view! { <span>{label}</span> }.into_any(),
                                        }}
                                    }
                                })
                                .collect_view()
                        }}
                    </nav>
                    <div class="admin-user">
                        <span class="admin-user-name">{me.username.clone()}</span>
                        <span class="el-tag el-tag-info">{me.role.label()}</span>
                        <button class="el-button el-button-text" on:click=move |_| { logout.dispatch(()); }>
                            "退出登录"
                        </button>
                    </div>
                </header>
                <main class="admin-content">
                    {role.can(Area::Operations).then(|| view! { <crate::alerts::AlertBanner /> })}
                    <Outlet />
                </main>
            </div>
        </div>
    }
}

//! The Leptos root: the HTML shell, the router that mounts the member H5 under
//! `/h5` and the staff admin under `/admin`, the browser transport of the API
//! client, and the `hydrate` entry point of the wasm bundle.
#![recursion_limit = "256"]

#[cfg(feature = "hydrate")]
mod browser;

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;
use shared::client::ApiClient;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="zh-CN">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The API client for this render: provided by the server during SSR (calling
/// its router in-process), built over `fetch` in the browser.
fn provide_api_client() {
    #[cfg(feature = "hydrate")]
    if use_context::<ApiClient>().is_none() {
        provide_context(browser::client());
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_api_client();
    view! {
        <Stylesheet id="leptos" href="/pkg/camp.css" />
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Meta name="format-detection" content="telephone=no" />
        <Title text="训练营押金管理" />
        <SandboxBanner />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/h5" /> } />
                <ParentRoute path=path!("/h5") view=h5::Layout>
                    <Route path=path!("") view=h5::CampListPage />
                    <Route path=path!("camps/:id") view=h5::CampPage />
                    <Route path=path!("orders/:no") view=h5::OrderPage />
                    <Route path=path!("enrollments/:id") view=h5::EnrollmentPage />
                    <Route path=path!("enrollments/:id/progress") view=h5::ProgressPage />
                </ParentRoute>
                <Route path=path!("/admin/login") view=admin::LoginPage />
                <ParentRoute path=path!("/admin") view=admin::Layout>
                    <Route path=path!("") view=|| view! { <Redirect path="/admin/camps" /> } />
                    <Route path=path!("camps") view=admin::CampListPage />
                    <Route path=path!("camps/new") view=admin::CampCreatePage />
                    <Route path=path!("camps/:id") view=admin::CampDetailPage />
                    <Route path=path!("camps/:id/edit") view=admin::CampEditPage />
                    <Route path=path!("members") view=admin::MembersPage />
                    <Route path=path!("members/:id") view=admin::MemberDetailPage />
                    <Route path=path!("users") view=admin::UsersPage />
                    <Route path=path!("audit-logs") view=admin::AuditLogPage />
                    <Route path=path!("system") view=admin::SystemPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// "沙箱模式" across the top of both apps while the built-in fakes stand in for
/// WeChat Pay, Knowledge Planet and WeCom.
#[component]
fn SandboxBanner() -> impl IntoView {
    // Absent only while the server lists the routes, which renders no data.
    let Some(client) = use_context::<ApiClient>() else {
        return ().into_any();
    };
    let info = Resource::new(
        || (),
        move |_| {
            let client = client.clone();
            async move {
                client
                    .system_info()
                    .await
                    .map(|info| info.sandbox)
                    .unwrap_or(false)
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                info.await
                    .then(|| {
                        view! {
                            <div class="sandbox-banner" role="status">
                                "沙箱模式：支付、打卡与通知均为模拟，不会产生真实交易"
                            </div>
                        }
                    })
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <div class="not-found">
            <h1>"页面不存在"</h1>
            <p>
                <a href="/h5">"返回训练营列表"</a>
            </p>
        </div>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}

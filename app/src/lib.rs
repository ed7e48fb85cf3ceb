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

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="zh-CN" data-sandbox=sandbox_mode().then_some("true")>
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
    if use_context::<shared::client::ApiClient>().is_none() {
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
                    <Route path=path!("checkins") view=admin::CheckinsPage />
                    <Route path=path!("checkins/stats") view=admin::CheckinStatsPage />
                    <Route path=path!("checkins/sync-runs") view=admin::SyncRunsPage />
                    <Route path=path!("users") view=admin::UsersPage />
                    <Route path=path!("audit-logs") view=admin::AuditLogPage />
                    <Route path=path!("system") view=admin::SystemPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Whether the built-in fakes stand in for the outside services (`config.sandbox`).
/// The server provides it for each render; the shell writes it on `<html>` as
/// `data-sandbox`, where the browser reads it back before hydrating, so both
/// sides render the banner alike without an API call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SandboxMode(pub bool);

fn sandbox_mode() -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.document_element())
            .is_some_and(|html| html.has_attribute("data-sandbox"))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        use_context::<SandboxMode>().is_some_and(|mode| mode.0)
    }
}

/// "沙箱模式" across the top of both apps while the built-in fakes stand in for
/// WeChat Pay, Knowledge Planet and WeCom. Synchronous on purpose: it once read
/// the flag through a Resource (an API call and a Suspense on every page), and an
/// SSR panic was once seen there under fuzzing (issue 6 item 16; suspected: a
/// render abandoned mid-stream polling the disposed Resource, not reproduced).
#[component]
fn SandboxBanner() -> impl IntoView {
    sandbox_mode().then(|| {
        view! {
            <div class="sandbox-banner" role="status">
                "沙箱模式：支付、打卡与通知均为模拟，不会产生真实交易"
            </div>
        }
    })
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

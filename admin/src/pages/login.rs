//! Staff sign-in.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use shared::api::LoginRequest;
use shared::client::ApiClient;

use crate::components::use_hydrated;

#[component]
pub fn LoginPage() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let hydrated = use_hydrated();
    let login = Action::new(move |request: &LoginRequest| {
        let client = client.clone();
        let request = request.clone();
        async move { client.login(&request).await }
    });
    Effect::new(move |_| match login.value().get() {
        Some(Ok(_)) => navigate("/admin/camps", Default::default()),
        Some(Err(e)) => error.set(Some(e.message)),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (name, pass) = (username.get_untracked(), password.get_untracked());
        if name.trim().is_empty() || pass.is_empty() {
            error.set(Some("请输入用户名和密码".into()));
            return;
        }
        error.set(None);
        login.dispatch(LoginRequest {
            username: name,
            password: pass,
        });
    };
    view! {
        <leptos_meta::Title text="登录 - 训练营押金管理" />
        <div class="login-page">
            <form class="login-card" method="post" on:submit=submit>
                <h1 class="login-title">"训练营押金管理后台"</h1>
                <label class="el-form-item">
                    <span class="el-form-label">"用户名"</span>
                    <input class="el-input" name="username" autocomplete="username" bind:value=username />
                </label>
                <label class="el-form-item">
                    <span class="el-form-label">"密码"</span>
                    <input
                        class="el-input"
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        bind:value=password
                    />
                </label>
                {move || error.get().map(|e| view! { <div class="el-alert el-alert-error" role="alert">{e}</div> })}
                <button class="el-button el-button-primary el-button-block" type="submit" disabled=move || !hydrated.get() || login.pending().get()>
                    {move || if login.pending().get() { "登录中…" } else { "登录" }}
                </button>
            </form>
        </div>
    }
}

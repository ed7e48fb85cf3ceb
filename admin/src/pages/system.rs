//! System settings (super admin): WeChat Pay, Knowledge Planet
//! (`planet_settings`) and database backups; WeCom joins with notifications.

use leptos::prelude::*;
use shared::client::ApiClient;

use shared::api::{WechatPaySettingsUpdate, WechatPaySettingsView};
use shared::error::ApiError;

use super::planet_settings::PlanetSettings;
use crate::components::{FieldError, Message, datetime};

#[component]
pub fn SystemPage() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let message = Message::new();
    let list_client = client.clone();
    let backups = Resource::new(
        || (),
        move |_| {
            let client = list_client.clone();
            async move { client.list_backups().await }
        },
    );
    let run = Action::new(move |_: &()| {
        let client = client.clone();
        async move { client.run_backup().await }
    });
    Effect::new(move |_| match run.value().get() {
        Some(Ok(queued)) => {
            message.success(queued.message);
            set_timeout(move || backups.refetch(), std::time::Duration::from_secs(2));
        }
        Some(Err(e)) => message.error(e.message),
        None => {}
    });
    view! {
        <leptos_meta::Title text="系统设置" />
        {message.view()}
        <WechatPaySettings />
        <PlanetSettings />
        <div class="el-card">
            <div class="el-toolbar">
                <h2 class="el-card-title" style="margin:0">"数据库备份"</h2>
                <span class="el-toolbar-spacer"></span>
                <button class="el-button" on:click=move |_| backups.refetch()>"刷新"</button>
                <button class="el-button el-button-primary" disabled=move || run.pending().get() on:click=move |_| { run.dispatch(()); }>
                    "立即备份"
                </button>
            </div>
            <p class="el-form-hint">"每天凌晨 3 点（北京时间）自动备份，保留最近的备份文件。备份文件位于数据目录的 backups 文件夹。"</p>
            <table class="el-table">
                <thead>
                    <tr>
                        <th>"文件名"</th>
                        <th>"大小"</th>
                        <th>"时间"</th>
                    </tr>
                </thead>
                <Transition fallback=|| view! { <tbody><tr><td colspan="3" class="el-table-empty">"加载中…"</td></tr></tbody> }>
                    <tbody>
                        {move || Suspend::new(async move {
                            match backups.await {
                                Ok(list) if list.is_empty() => view! { <tr><td colspan="3" class="el-table-empty">"暂无备份"</td></tr> }.into_any(),
                                Ok(list) => list
                                    .into_iter()
                                    .map(|b| view! {
                                        <tr>
                                            <td>{b.file_name}</td>
                                            <td>{format!("{:.1} KB", b.size as f64 / 1024.0)}</td>
                                            <td>{datetime(b.created_at)}</td>
                                        </tr>
                                    })
                                    .collect_view()
                                    .into_any(),
                                Err(e) => view! { <tr><td colspan="3" class="el-table-empty">{e.message}</td></tr> }.into_any(),
                            }
                        })}
                    </tbody>
                </Transition>
            </table>
        </div>
    }
}

/// PRD §4.2.6.2, the WeChat Pay part: merchant fields, secrets (write-only), the
/// notify URL to paste into the merchant console, and "测试连接".
#[component]
fn WechatPaySettings() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let load_client = client.clone();
    let current = Resource::new(
        || (),
        move |_| {
            let client = load_client.clone();
            async move { client.wechat_pay_settings().await }
        },
    );
    view! {
        <Suspense fallback=|| view! { <div class="el-card">"加载中…"</div> }>
            {move || Suspend::new(async move {
                match current.await {
                    Ok(view) => view! { <WechatPayForm view /> }.into_any(),
                    Err(e) => view! { <div class="el-alert el-alert-error">{e.message}</div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn WechatPayForm(view: WechatPaySettingsView) -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let message = Message::new();
    let error = RwSignal::new(None::<ApiError>);
    let text = |v: &str| RwSignal::new(v.to_owned());
    let mch_id = text(&view.mch_id);
    let app_id = text(&view.app_id);
    let serial = text(&view.merchant_serial);
    let key_id = text(&view.platform_public_key_id);
    let public_pem = text(&view.platform_public_key_pem);
    let certificates = text(&view.platform_certificates);
    let base_url = text(&view.base_url);
    let oauth_authorize_url = text(&view.oauth_authorize_url);
    let oauth_api_url = text(&view.oauth_api_url);
    let api_v3_key = RwSignal::new(String::new());
    let private_pem = RwSignal::new(String::new());
    let app_secret = RwSignal::new(String::new());
    let jsapi = RwSignal::new(view.jsapi_enabled);
    let h5 = RwSignal::new(view.h5_enabled);
    let flags = RwSignal::new((
        view.api_v3_key_set,
        view.merchant_private_key_set,
        view.app_secret_set,
        view.sandbox_keys,
    ));

    let save_client = client.clone();
    let save = Action::new(move |update: &WechatPaySettingsUpdate| {
        let client = save_client.clone();
        let update = update.clone();
        async move { client.update_wechat_pay_settings(&update).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => {
            error.set(None);
            api_v3_key.set(String::new());
            private_pem.set(String::new());
            app_secret.set(String::new());
            flags.set((
                saved.api_v3_key_set,
                saved.merchant_private_key_set,
                saved.app_secret_set,
                saved.sandbox_keys,
            ));
            message.success("支付配置已保存");
        }
        Some(Err(e)) => {
            message.error(e.message.clone());
            error.set(Some(e));
        }
        None => {}
    });
    let test = Action::new(move |_: &()| {
        let client = client.clone();
        async move { client.test_wechat_pay().await }
    });
    Effect::new(move |_| match test.value().get() {
        Some(Ok(result)) if result.ok => message.success(result.message),
        Some(Ok(result)) => message.error(result.message),
        Some(Err(e)) => message.error(e.message),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(WechatPaySettingsUpdate {
            mch_id: mch_id.get_untracked(),
            app_id: app_id.get_untracked(),
            merchant_serial: serial.get_untracked(),
            platform_public_key_id: key_id.get_untracked(),
            platform_public_key_pem: public_pem.get_untracked(),
            platform_certificates: certificates.get_untracked(),
            base_url: base_url.get_untracked(),
            oauth_authorize_url: oauth_authorize_url.get_untracked(),
            oauth_api_url: oauth_api_url.get_untracked(),
            jsapi_enabled: jsapi.get_untracked(),
            h5_enabled: h5.get_untracked(),
            api_v3_key: api_v3_key.get_untracked(),
            merchant_private_key_pem: private_pem.get_untracked(),
            app_secret: app_secret.get_untracked(),
        });
    };
    let secret_hint = move |set: fn((bool, bool, bool, bool)) -> bool| {
        move || {
            if set(flags.get()) {
                "已设置（加密保存），留空则不修改"
            } else {
                "未设置"
            }
        }
    };
    view! {
        {message.view()}
        <form class="el-card el-form" on:submit=submit>
            <div class="el-toolbar">
                <h2 class="el-card-title" style="margin:0">"微信支付配置"</h2>
                {move || flags.get().3.then(|| view! { <span class="el-tag el-tag-warning">"沙箱密钥"</span> })}
            </div>
            <label class="el-form-item">
                <span class="el-form-label">"支付通知地址（只读，填入商户平台）"</span>
                <input class="el-input" readonly value=view.notify_url.clone() />
            </label>
            <label class="el-form-item">
                <span class="el-form-label required">"商户号"</span>
                <input class="el-input" name="mch_id" bind:value=mch_id />
                <FieldError error field="mch_id" />
            </label>
            <label class="el-form-item">
                <span class="el-form-label required">"公众号 AppID"</span>
                <input class="el-input" name="app_id" bind:value=app_id />
                <FieldError error field="app_id" />
            </label>
            <label class="el-form-item">
                <span class="el-form-label">"公众号 AppSecret（网页授权获取 openid）"</span>
                <input class="el-input" type="password" name="app_secret" autocomplete="off" bind:value=app_secret />
                <span class="el-secret-hint">{secret_hint(|f| f.2)}</span>
            </label>
            <label class="el-form-item">
                <span class="el-form-label required">"APIv3 密钥"</span>
                <input class="el-input" type="password" name="api_v3_key" autocomplete="off" bind:value=api_v3_key />
                <span class="el-secret-hint">{secret_hint(|f| f.0)}</span>
                <FieldError error field="api_v3_key" />
            </label>
            <label class="el-form-item">
                <span class="el-form-label required">"商户证书序列号"</span>
                <input class="el-input" name="merchant_serial" bind:value=serial />
                <FieldError error field="merchant_serial" />
            </label>
            <label class="el-form-item">
                <span class="el-form-label required">"商户 API 私钥（apiclient_key.pem）"</span>
                <textarea class="el-textarea el-textarea-pem" name="merchant_private_key_pem" bind:value=private_pem></textarea>
                <span class="el-secret-hint">{secret_hint(|f| f.1)}</span>
                <FieldError error field="merchant_private_key_pem" />
            </label>
            <p class="el-form-hint">"验签密钥：填写微信支付公钥，或平台证书，或两者（切换期间按通知的 Wechatpay-Serial 选用）。"</p>
            <label class="el-form-item">
                <span class="el-form-label">"微信支付公钥 ID"</span>
                <input class="el-input" name="platform_public_key_id" placeholder="PUB_KEY_ID_…" bind:value=key_id />
            </label>
            <label class="el-form-item">
                <span class="el-form-label">"微信支付公钥"</span>
                <textarea class="el-textarea el-textarea-pem" name="platform_public_key_pem" bind:value=public_pem></textarea>
                <FieldError error field="platform_public_key_pem" />
            </label>
            <label class="el-form-item">
                <span class="el-form-label">"平台证书（每个证书：序列号一行，其后为证书公钥 PEM）"</span>
                <textarea class="el-textarea el-textarea-pem" name="platform_certificates" placeholder="7132D72A03E93CDDF8C03BBD1F37EEDF204E4B3C
-----BEGIN PUBLIC KEY-----
…
-----END PUBLIC KEY-----" bind:value=certificates></textarea>
                <FieldError error field="platform_certificates" />
            </label>
            <label class="el-form-item">
                <span class="el-form-label">"接口地址（留空为官方地址）"</span>
                <input class="el-input" name="base_url" placeholder="https://api.mch.weixin.qq.com" bind:value=base_url />
                <FieldError error field="base_url" />
            </label>
            <label class="el-form-item">
                <span class="el-form-label">"网页授权地址（留空为官方地址）"</span>
                <input class="el-input" name="oauth_authorize_url" placeholder="https://open.weixin.qq.com/connect/oauth2/authorize" bind:value=oauth_authorize_url />
                <FieldError error field="oauth_authorize_url" />
            </label>
            <label class="el-form-item">
                <span class="el-form-label">"公众号接口地址（留空为官方地址）"</span>
                <input class="el-input" name="oauth_api_url" placeholder="https://api.weixin.qq.com" bind:value=oauth_api_url />
                <FieldError error field="oauth_api_url" />
            </label>
            <div class="el-form-item">
                <span class="el-form-label">"支付方式"</span>
                <div class="el-checks">
                    <label><input type="checkbox" bind:checked=jsapi />"微信内 JSAPI 支付"</label>
                    <label><input type="checkbox" bind:checked=h5 />"其他手机浏览器 H5 支付"</label>
                </div>
            </div>
            <div class="el-form-actions">
                <button class="el-button el-button-primary" type="submit" disabled=move || save.pending().get()>"保存"</button>
                <button class="el-button" type="button" disabled=move || test.pending().get() on:click=move |_| { test.dispatch(()); }>
                    {move || if test.pending().get() { "测试中…" } else { "测试连接" }}
                </button>
            </div>
        </form>
    }
}

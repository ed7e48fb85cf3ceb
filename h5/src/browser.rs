//! What only the browser can tell or do: which browser this is, WeChat's JSAPI
//! payment bridge, full-page navigation. Harmless no-ops during SSR.

use shared::api::JsapiParams;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

fn user_agent() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default()
}

/// WeChat's built-in browser.
pub fn is_wechat() -> bool {
    user_agent().contains("MicroMessenger")
}

pub fn is_mobile() -> bool {
    let ua = user_agent();
    ["Android", "iPhone", "iPad", "Mobile"]
        .iter()
        .any(|m| ua.contains(m))
}

/// Leaves the app for another page (WeChat OAuth, WeChat's H5 cashier).
pub fn go_to(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(url);
    }
}

/// The outcome of `getBrandWCPayRequest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsapiResult {
    Ok,
    Cancelled,
    Failed,
}

/// Calls `WeixinJSBridge.invoke('getBrandWCPayRequest', params, callback)` and
/// reports the result through `done`. Even "ok" is confirmed with the server.
pub fn invoke_jsapi_pay(params: &JsapiParams, done: impl FnOnce(JsapiResult) + 'static) {
    let bridge = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"WeixinJSBridge".into()).ok())
        .filter(|b| !b.is_undefined());
    let invoke = bridge
        .as_ref()
        .and_then(|b| js_sys::Reflect::get(b, &"invoke".into()).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let args = serde_json::to_string(params)
        .ok()
        .and_then(|json| js_sys::JSON::parse(&json).ok());
    let (Some(bridge), Some(invoke), Some(args)) = (bridge, invoke, args) else {
        done(JsapiResult::Failed);
        return;
    };
    let callback = Closure::once_into_js(move |response: wasm_bindgen::JsValue| {
        let message = js_sys::Reflect::get(&response, &"err_msg".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        done(match message.as_str() {
            "get_brand_wcpay_request:ok" => JsapiResult::Ok,
            "get_brand_wcpay_request:cancel" => JsapiResult::Cancelled,
            _ => JsapiResult::Failed,
        });
    });
    if invoke
        .call3(&bridge, &"getBrandWCPayRequest".into(), &args, &callback)
        .is_err()
    {
        tracing_fallback();
    }
}

fn tracing_fallback() {
    web_sys::console::warn_1(&"WeixinJSBridge.invoke failed".into());
}

//! The API client's transport in the browser: `fetch` with the session cookie,
//! echoing the CSRF cookie in `x-csrf-token` on state-changing requests.

use std::sync::Arc;

use send_wrapper::SendWrapper;
use shared::client::{ApiClient, Method, RawRequest, RawResponse, Transport, TransportFuture};
use shared::error::{ApiError, ErrorCode};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlDocument, RequestCredentials, RequestInit, Response};

const CSRF_COOKIE: &str = "camp_csrf";
const CSRF_HEADER: &str = "x-csrf-token";

pub fn client() -> ApiClient {
    ApiClient::new(Arc::new(BrowserTransport))
}

struct BrowserTransport;

impl Transport for BrowserTransport {
    fn send(&self, request: RawRequest) -> TransportFuture {
        // Browser futures are not `Send`; they never leave the one wasm thread.
        Box::pin(SendWrapper::new(async move {
            fetch(request)
                .await
                .map_err(|_| ApiError::new(ErrorCode::Transport))
        }))
    }
}

fn csrf_token() -> Option<String> {
    let document = web_sys::window()?
        .document()?
        .dyn_into::<HtmlDocument>()
        .ok()?;
    let cookies = document.cookie().ok()?;
    cookies.split(';').find_map(|pair| {
        pair.trim()
            .strip_prefix(CSRF_COOKIE)?
            .strip_prefix('=')
            .map(str::to_owned)
    })
}

async fn fetch(request: RawRequest) -> Result<RawResponse, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let init = RequestInit::new();
    init.set_method(request.method.as_str());
    init.set_credentials(RequestCredentials::SameOrigin);
    let headers = web_sys::Headers::new()?;
    headers.set("accept", "application/json")?;
    if let Some(content_type) = &request.content_type {
        headers.set("content-type", content_type)?;
    }
    if request.method != Method::Get
        && let Some(token) = csrf_token()
    {
        headers.set(CSRF_HEADER, &token)?;
    }
    init.set_headers(&headers);
    if !request.body.is_empty() {
        let body = js_sys::Uint8Array::from(request.body.as_slice());
        init.set_body(&body);
    }
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(&request.path, &init))
        .await?
        .dyn_into()?;
    let retry_after_secs = response
        .headers()
        .get("retry-after")?
        .and_then(|value| value.trim().parse().ok());
    let buffer = JsFuture::from(response.array_buffer()?).await?;
    let body = js_sys::Uint8Array::new(&buffer).to_vec();
    Ok(RawResponse {
        status: response.status(),
        body,
        retry_after_secs,
    })
}

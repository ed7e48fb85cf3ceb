//! Server-side rendering of the Leptos apps. Pages fetch their data through the
//! same typed API client as in the browser; here its transport calls the API
//! router in-process (no socket), carrying the visitor's cookies and address, so
//! a rendered page sees exactly what that visitor's browser would.

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Request, header};
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use shared::client::{ApiClient, RawRequest, RawResponse, Transport, TransportFuture};
use shared::error::{ApiError, ErrorCode};
use tower::ServiceExt;

use crate::extract::{ForwardedClientIp, client_ip};
use crate::state::AppState;

/// Responses larger than this are not API answers a page renders.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

struct InProcessTransport {
    api: Router,
    cookie: Option<HeaderValue>,
    client_ip: Option<IpAddr>,
}

impl Transport for InProcessTransport {
    fn send(&self, request: RawRequest) -> TransportFuture {
        let api = self.api.clone();
        let cookie = self.cookie.clone();
        let client_ip = self.client_ip;
        Box::pin(async move {
            let failed = |_| ApiError::new(ErrorCode::Internal);
            let mut builder = Request::builder()
                .method(request.method.as_str())
                .uri(&request.path);
            if let Some(cookie) = cookie {
                builder = builder.header(header::COOKIE, cookie);
            }
            if let Some(content_type) = request.content_type {
                builder = builder.header(header::CONTENT_TYPE, content_type);
            }
            let mut http_request = builder
                .body(Body::from(request.body))
                .map_err(|_| ApiError::new(ErrorCode::Internal))?;
            if let Some(ip) = client_ip {
                http_request.extensions_mut().insert(ForwardedClientIp(ip));
            }
            let response = api.oneshot(http_request).await.map_err(failed)?;
            let status = response.status().as_u16();
            let retry_after_secs = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok()?.trim().parse().ok());
            let body = axum::body::to_bytes(response.into_body(), MAX_RESPONSE_BYTES)
                .await
                .map_err(|_| ApiError::new(ErrorCode::Internal))?;
            Ok(RawResponse {
                status,
                body: body.to_vec(),
                retry_after_secs,
            })
        })
    }
}

/// Adds the page routes of both apps and the static files of the wasm bundle.
pub fn mount(
    router: Router<AppState>,
    api: Router<AppState>,
    state: &AppState,
) -> Router<AppState> {
    let api = api.with_state(state.clone());
    let context_state = state.clone();
    let provide_client = move || {
        let parts = use_context::<Parts>();
        let cookie = parts
            .as_ref()
            .and_then(|p| p.headers.get(header::COOKIE).cloned());
        let client_ip = parts.as_ref().and_then(|p| client_ip(p, &context_state));
        provide_context(app::SandboxMode(context_state.config.sandbox));
        provide_context(ApiClient::new(Arc::new(InProcessTransport {
            api: api.clone(),
            cookie,
            client_ip,
        })));
    };
    let options = state.leptos.clone();
    let routes = generate_route_list(app::App);
    router
        .leptos_routes_with_context(state, routes, provide_client, move || {
            app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
}

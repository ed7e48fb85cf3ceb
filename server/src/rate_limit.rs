//! PRD §5.2 "接口防刷": each client address may make `server.rate_limit_per_minute`
//! API requests a minute (a burst of that size, refilled evenly). The address is
//! the one the audit log records (see `extract::client_ip`), so pages rendered
//! on the server count for their visitor. Webhooks are not behind it: WeChat Pay
//! must always get through.
//!
//! One exception to "per address": a member's own order status
//! (`GET /api/v1/orders/{out_trade_no}`), which the payment page polls, counts
//! against its order instead. Members behind one carrier NAT share an address,
//! and eight of them polling every two seconds would spend that address's
//! budget in a minute (issue 6 item 8). The status is one indexed read; WeChat
//! Pay is asked at most once per order per few seconds however often it is polled
//! (`payments::orders`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::IntoResponse;
use governor::middleware::NoOpMiddleware;
use shared::error::{ApiError, ErrorCode};
use tower_governor::GovernorError;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;

use crate::client_addr::TrustedProxies;
use crate::error::AppError;
use crate::extract::ForwardedClientIp;

#[derive(Clone)]
pub struct ClientIpKey {
    trusted_proxies: TrustedProxies,
}

/// Whose budget a request spends.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BudgetKey {
    /// The client address (every request but the one below).
    Addr(IpAddr),
    /// One order's status polls: the out_trade_no.
    OrderStatus(String),
}

impl KeyExtractor for ClientIpKey {
    type Key = BudgetKey;

    fn extract<T>(&self, req: &Request<T>) -> Result<BudgetKey, GovernorError> {
        if let Some(out_trade_no) = order_status_poll(req) {
            return Ok(BudgetKey::OrderStatus(out_trade_no.to_owned()));
        }
        if let Some(ForwardedClientIp(ip)) = req.extensions().get::<ForwardedClientIp>() {
            return Ok(BudgetKey::Addr(*ip));
        }
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |ConnectInfo(addr)| {
                addr.ip()
            });
        Ok(BudgetKey::Addr(
            self.trusted_proxies.client_addr(peer, req.headers()),
        ))
    }
}

/// The out_trade_no of `GET /api/v1/orders/{out_trade_no}`, if that is the
/// request and the number has the shape we issue (so made-up paths cannot mint
/// budgets: anything else counts against the address).
fn order_status_poll<T>(req: &Request<T>) -> Option<&str> {
    if req.method() != axum::http::Method::GET {
        return None;
    }
    let out_trade_no = req.uri().path().strip_prefix("/api/v1/orders/")?;
    let well_formed = (6..=32).contains(&out_trade_no.len())
        && out_trade_no.bytes().all(|b| b.is_ascii_alphanumeric());
    well_formed.then_some(out_trade_no)
}

pub type Layer = tower_governor::GovernorLayer<ClientIpKey, NoOpMiddleware, axum::body::Body>;

/// `None` when the limit is 0 (off).
pub fn layer(per_minute: u32, trusted_proxies: TrustedProxies) -> Option<Layer> {
    if per_minute == 0 {
        return None;
    }
    let config = GovernorConfigBuilder::default()
        .period(Duration::from_secs(60) / per_minute)
        .burst_size(per_minute)
        .key_extractor(ClientIpKey { trusted_proxies })
        .finish()?;
    let limiter = config.limiter().clone();
    // Forget addresses that have been quiet, so the table does not grow forever.
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limiter.retain_recent();
        }
    });
    Some(
        tower_governor::GovernorLayer::new(config).error_handler(|error| {
            let mut response = AppError::Api(ApiError::new(ErrorCode::RateLimited)).into_response();
            if let GovernorError::TooManyRequests { wait_time, .. } = error
                && let Ok(value) = wait_time.to_string().parse()
            {
                response.headers_mut().insert("retry-after", value);
            }
            response
        }),
    )
}

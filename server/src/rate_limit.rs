//! PRD §5.2 "接口防刷": each client address may make `server.rate_limit_per_minute`
//! API requests a minute (a burst of that size, refilled evenly). The address is
//! the one the audit log records (see `extract::client_ip`), so pages rendered
//! on the server count for their visitor. Webhooks are not behind it: WeChat Pay
//! must always get through.

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

impl KeyExtractor for ClientIpKey {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        if let Some(ForwardedClientIp(ip)) = req.extensions().get::<ForwardedClientIp>() {
            return Ok(*ip);
        }
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |ConnectInfo(addr)| {
                addr.ip()
            });
        Ok(self.trusted_proxies.client_addr(peer, req.headers()))
    }
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

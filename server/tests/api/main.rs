//! Integration tests: the real server over HTTP.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod auth;
mod camps;
mod checkins;
mod edge;
mod errors;
mod helpers;
mod members;
mod merchant_settings;
mod openapi;
mod operations;
mod pages;
mod payments;
mod permissions;
mod refunds_client;
mod schema;
mod search;
mod secrets_in_logs;
mod sessions;
mod sign_up_input;
mod system;
mod users;
mod wechat_oauth;
mod wechatpay_sdk;
mod zsxq_sync;

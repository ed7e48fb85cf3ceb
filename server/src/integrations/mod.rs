//! Clients of the outside services, each speaking its real protocol. Base URLs
//! and keys are configuration, so the same client talks to the real service or to
//! the built-in sandbox.

pub mod wechat_oauth;
pub mod wechat_pay;
pub mod zsxq;

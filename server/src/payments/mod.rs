//! Enrollment payment (PRD §4.1.2–4.1.3, §6.1, §9.1): a member signs up, an
//! order is stored and then prepaid with WeChat Pay, and the order becomes paid
//! exactly once — by the signed notification or by a query, whichever is first.
//!
//! Invariants: one enrollment per (camp, 星球ID); `out_trade_no` is stored before
//! WeChat Pay is called and reused; an order is marked paid only for the right
//! merchant, app and amount; a second paid order for an already paid enrollment
//! is flagged `duplicate` for a refund decision and reported, never silently
//! counted; a group QR code is shown only to a browser bound to a paid enrollment.
//!
//! - `signup`: the sign-up, the order and its prepay;
//! - `settlement`: mark paid, reconcile with a query, the lost-notification poll;
//! - `orders`: the member's order page;
//! - `access`: which browser may see which enrollment and order;
//! - `member`: the member token and openid cookies;
//! - `gateway`: the configured WeChat Pay client;
//! - `handlers`: the member and staff HTTP edge;
//! - `webhook`: WeChat Pay's payment notification.

pub mod access;
pub mod gateway;
pub mod handlers;
pub mod member;
pub mod orders;
pub mod settlement;
pub mod signup;
pub mod webhook;

//! Enrollment and payment (PRD §4.1.2–4.1.3, §6.1, §9.1): a member signs up, an
//! order is stored and then prepaid with WeChat Pay, and the order becomes paid
//! exactly once — by the signed notification or by a query, whichever is first.
//!
//! Invariants: one enrollment per (camp, 星球ID); `out_trade_no` is stored before
//! WeChat Pay is called and reused; an order is marked paid only for the right
//! merchant, app and amount; a second paid order for an already paid enrollment
//! is flagged `duplicate` for a refund decision and reported, never silently
//! counted; a group QR code is shown only to a browser bound to a paid enrollment.

pub mod gateway;
pub mod handlers;
pub mod member;
pub mod service;

//! Refunds of paid orders through WeChat Pay (issue 10 "Execution",
//! ARCHITECTURE §4 "Refund"; protocol: wechatpay.md §2.6–2.7).
//!
//! Invariants:
//! - a refund row and its `out_refund_no` are written (in the caller's
//!   transaction, e.g. the approval) before any call, and that number is the
//!   only one ever sent for the row;
//! - the refunds of an order that hold money never add up to more than the
//!   order paid — checked under the order's lock in [`service::create_for_order`]
//!   and again by the database itself (a trigger, see the migration);
//! - a status changes only through `shared::refunds::RefundStatus::apply`;
//! - an unknown outcome is queried before anything is sent again.
//!
//! - `service`: create a refund row, apply events to it;
//! - `execute`: send one refund, settle an unknown outcome by a query;
//! - `webhook`: WeChat Pay's refund notification.

pub mod execute;
pub mod service;
pub mod webhook;

pub use service::{NewRefund, RefundError, create_for_order};

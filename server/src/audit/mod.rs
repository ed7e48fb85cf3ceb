//! The operation log (PRD §4.2.6.3): who did what to which object, from where.
//! Entries are written in the same transaction as the change they describe.

pub mod handlers;
pub mod service;

pub use service::{Action, Actor, Target, record};

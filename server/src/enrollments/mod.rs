//! Member management for staff (PRD §4.2.1.3 报名列表, §4.2.2): who signed up
//! and paid, their payment records, the joined-group flag, and the Excel export.
//! Coaches and volunteers see only their own camps; only admins change anything.

pub mod handlers;
pub mod service;

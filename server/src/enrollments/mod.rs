//! Enrollments. For staff (PRD §4.2.1.3 报名列表, §4.2.2): who signed up and
//! paid, their payment records, the joined-group flag, and the Excel export;
//! coaches and volunteers see only their own camps; only admins change
//! anything. For members (PRD §4.1.3): their own enrollment, the group QR code
//! and the personal link (`member`).

pub mod handlers;
pub mod member;
pub mod service;

//! Camps (PRD §4.2.1, §9.4): the public list members pick from, and staff
//! management. Invariants: every rule of `shared::rules::validate_camp`; a
//! started camp keeps its dates, requirement and deposit and cannot be deleted;
//! coaches and volunteers see only the camps they are assigned to.

pub mod handlers;
pub mod qr;
pub mod service;

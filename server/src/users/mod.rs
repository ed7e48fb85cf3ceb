//! Staff accounts (PRD §4.2.6.1). Invariants: user names are unique; there is
//! always at least one enabled super admin; nobody disables, demotes or deletes
//! themselves; a camp never loses its last coach.

pub mod handlers;
pub mod service;

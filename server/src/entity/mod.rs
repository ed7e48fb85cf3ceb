//! SeaORM entities, one per table, kept apart from behaviour (which lives in the
//! domain modules).

pub mod audit_logs;
pub mod camp_staff;
pub mod camps;
pub mod enrollments;
pub mod uploads;
pub mod users;

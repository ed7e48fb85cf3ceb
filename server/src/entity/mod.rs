//! SeaORM entities, one per table, kept apart from behaviour (which lives in the
//! domain modules).

pub mod alerts;
pub mod audit_logs;
pub mod camp_staff;
pub mod camps;
pub mod checkin_records;
pub mod enrollments;
pub mod job_runs;
pub mod login_throttles;
pub mod member_tokens;
pub mod outbox;
pub mod payment_notifications;
pub mod payment_orders;
pub mod planet_accounts;
pub mod planet_rankings;
pub mod refunds;
pub mod sandbox_wechat_orders;
pub mod sandbox_wechat_refunds;
pub mod sandbox_zsxq_projects;
pub mod sandbox_zsxq_topics;
pub mod settings;
pub mod sync_runs;
pub mod uploads;
pub mod users;

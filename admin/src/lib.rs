//! The staff app (Element-like, desktop): sign-in, the frame with a role-filtered
//! menu, and the management pages. It reaches the domain only through the API
//! client; the server enforces every permission the menu hides.
#![recursion_limit = "256"]

mod alerts;
mod components;
mod layout;
mod pages;

pub use layout::Layout;
pub use pages::audit::AuditLogPage;
pub use pages::camp_detail::CampDetailPage;
pub use pages::camp_form::{CampCreatePage, CampEditPage};
pub use pages::camps::CampListPage;
pub use pages::checkins::{CheckinStatsPage, CheckinsPage, SyncRunsPage};
pub use pages::login::LoginPage;
pub use pages::members::{MemberDetailPage, MembersPage};
pub use pages::system::SystemPage;
pub use pages::users::UsersPage;

//! Staff authentication: password sign-in with lock-out, signed session tokens in
//! an HttpOnly cookie, a CSRF token bound to the session, and the `Staff`
//! extractor every staff endpoint starts with.

pub mod handlers;
pub mod password;
pub mod service;
pub mod session;

pub use session::Staff;

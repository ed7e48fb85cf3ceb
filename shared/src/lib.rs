//! Plain Rust shared by the server and the two Leptos apps (native and wasm):
//! the JSON API's types, error codes, roles and permissions, money and business
//! dates, the pure camp rules, and the typed API client over an abstract transport.

pub mod api;
pub mod checkin_api;
pub mod checkins;
pub mod client;
pub mod dates;
pub mod error;
pub mod matching;
pub mod money;
pub mod normalize;
pub mod ops;
pub mod planet;
pub mod refunds;
pub mod roles;
pub mod rules;

//! Plain Rust shared by the server and the two Leptos apps (native and wasm):
//! the JSON API's types, error codes, roles and permissions, money and business
//! dates, the pure camp rules, and the typed API client over an abstract transport.

pub mod api;
pub mod client;
pub mod dates;
pub mod error;
pub mod money;
pub mod ops;
pub mod planet;
pub mod roles;
pub mod rules;

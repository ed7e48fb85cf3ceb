//! Uploaded images (posters, group QR codes), stored in the database so several
//! server instances need no shared disk. Checked by content, never by name.
//! Posters are public; a group QR code is shown only to staff (and, later, to
//! the member who paid).

pub mod handlers;
pub mod service;

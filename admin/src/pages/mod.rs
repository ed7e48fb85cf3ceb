pub mod audit;
pub mod camp_detail;
pub mod camp_form;
pub mod camps;
pub mod login;
pub mod members;
pub mod system;
pub mod users;

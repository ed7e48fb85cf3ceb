pub mod camp;
pub mod camp_list;

pub mod camp;
pub mod camp_list;
pub mod enrollment;
pub mod order;

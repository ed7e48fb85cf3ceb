//! The member app (Vant-like, for WeChat's browser at 375 px): the camp list and
//! a camp's page. Every screen is rendered on the server with real data first.
#![recursion_limit = "256"]

mod browser;
mod components;
mod pages;

pub use pages::camp::CampPage;
pub use pages::camp_list::CampListPage;
pub use pages::enrollment::{EnrollmentPage, ProgressPage};
pub use pages::order::OrderPage;

use leptos::prelude::*;
use leptos_router::components::Outlet;

#[component]
pub fn Layout() -> impl IntoView {
    view! {
        <div class="h5">
            <Outlet />
        </div>
    }
}

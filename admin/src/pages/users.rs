use leptos::prelude::*;
#[component]
pub fn UsersPage() -> impl IntoView { view! { <p>"用户管理"</p> } }

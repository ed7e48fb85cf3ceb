use leptos::prelude::*;
#[component]
pub fn CampCreatePage() -> impl IntoView { view! { <p>"创建"</p> } }
#[component]
pub fn CampEditPage() -> impl IntoView { view! { <p>"编辑"</p> } }

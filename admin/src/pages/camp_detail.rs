use leptos::prelude::*;
#[component]
pub fn CampDetailPage() -> impl IntoView { view! { <p>"训练营详情"</p> } }

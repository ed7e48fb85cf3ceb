use leptos::prelude::*;
#[component]
pub fn CampListPage() -> impl IntoView { view! { <p>"训练营"</p> } }

use leptos::prelude::*;
#[component]
pub fn SystemPage() -> impl IntoView { view! { <p>"系统设置"</p> } }

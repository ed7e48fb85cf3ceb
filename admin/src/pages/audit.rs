use leptos::prelude::*;
#[component]
pub fn AuditLogPage() -> impl IntoView { view! { <p>"操作日志"</p> } }

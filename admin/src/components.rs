//! Element-like building blocks shared by the admin pages.

use leptos::prelude::*;
use shared::error::ApiError;

/// A transient message at the top of the page, like Element's `ElMessage`.
#[derive(Clone, Copy)]
pub struct Message(RwSignal<Option<(bool, String)>>);

impl Message {
    pub fn new() -> Self {
        Self(RwSignal::new(None))
    }

    pub fn success(self, text: impl Into<String>) {
        self.show(true, text.into());
    }

    pub fn error(self, text: impl Into<String>) {
        self.show(false, text.into());
    }

    fn show(self, ok: bool, text: String) {
        self.0.set(Some((ok, text)));
        set_timeout(move || self.0.set(None), std::time::Duration::from_secs(3));
    }

    pub fn view(self) -> impl IntoView {
        move || {
            self.0.get().map(|(ok, text)| {
                let class = if ok {
                    "el-message el-message-success"
                } else {
                    "el-message el-message-error"
                };
                view! { <div class=class role="alert">{text}</div> }
            })
        }
    }
}

impl Default for Message {
    fn default() -> Self {
        Self::new()
    }
}

/// The server's message for one form field, under that field.
#[component]
pub fn FieldError(error: RwSignal<Option<ApiError>>, field: &'static str) -> impl IntoView {
    move || {
        error
            .with(|e| {
                e.as_ref()
                    .and_then(|e| e.field_message(field))
                    .map(str::to_owned)
            })
            .map(|m| {
                view! { <div class="el-form-error" data-field=field>{m}</div> }
            })
    }
}

/// A modal dialog shown while `open` is true.
#[component]
pub fn Dialog(open: RwSignal<bool>, title: Signal<String>, children: ChildrenFn) -> impl IntoView {
    move || {
        open.get().then(|| {
            view! {
                <div class="el-overlay" on:click=move |_| open.set(false)>
                    <div class="el-dialog" role="dialog" aria-modal="true" on:click=|ev| ev.stop_propagation()>
                        <header class="el-dialog-header">
                            <span class="el-dialog-title">{move || title.get()}</span>
                            <button class="el-dialog-close" aria-label="关闭" on:click=move |_| open.set(false)>
                                "×"
                            </button>
                        </header>
                        <div class="el-dialog-body">{children()}</div>
                    </div>
                </div>
            }
        })
    }
}

/// Page numbers under a table.
#[component]
pub fn Pagination(page: RwSignal<u64>, total: Signal<u64>, page_size: u64) -> impl IntoView {
    let pages = move || total.get().div_ceil(page_size).max(1);
    view! {
        <div class="el-pagination">
            <span class="el-pagination-total">{move || format!("共 {} 条", total.get())}</span>
            <button class="el-button el-button-small" disabled=move || { page.get() <= 1 } on:click=move |_| page.update(|p| *p -= 1)>
                "上一页"
            </button>
            <span class="el-pagination-page">{move || format!("{} / {}", page.get(), pages())}</span>
            <button
                class="el-button el-button-small"
                disabled=move || { page.get() >= pages() }
                on:click=move |_| page.update(|p| *p += 1)
            >
                "下一页"
            </button>
        </div>
    }
}

/// Beijing wall-clock text of an instant.
pub fn datetime(at: chrono::DateTime<chrono::Utc>) -> String {
    shared::dates::format_beijing(at)
}

/// The `:id` of the current route (0 when missing or malformed: the API then answers "not found").
pub fn use_id_param() -> impl Fn() -> i64 + Clone + Send + Sync + 'static {
    let params = leptos_router::hooks::use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    }
}

/// The camps staff may filter by (their own for coaches and volunteers; the
/// server decides), newest first: `(id, name)`.
pub type CampOptions = Resource<Vec<(i64, String)>>;

/// Loads [`CampOptions`] once for a page.
pub fn use_camp_options() -> CampOptions {
    let client = expect_context::<shared::client::ApiClient>();
    Resource::new(
        || (),
        move |_| {
            let client = client.clone();
            async move {
                let all = shared::api::CampListQuery {
                    page_size: Some(100),
                    ..Default::default()
                };
                client
                    .admin_camps(&all)
                    .await
                    .map(|p| p.items.into_iter().map(|c| (c.id, c.name)).collect())
                    .unwrap_or_default()
            }
        },
    )
}

/// A camp filter. With `all_label` it offers "all camps" (`None`); without,
/// `None` stands for the first camp in the list.
#[component]
pub fn CampSelect(
    camps: CampOptions,
    camp: RwSignal<Option<i64>>,
    #[prop(optional)] all_label: Option<&'static str>,
    #[prop(into, optional)] on_change: Option<Callback<()>>,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let list = camps.await;
                view! {
                    <select
                        class="el-select"
                        aria-label="训练营"
                        on:change=move |ev| {
                            camp.set(event_target_value(&ev).parse().ok());
                            if let Some(on_change) = on_change {
                                on_change.run(());
                            }
                        }
                    >
                        {all_label.map(|label| view! { <option value="">{label}</option> })}
                        {list.into_iter().map(|(id, name)| {
                            let selected = camp.get_untracked() == Some(id);
                            view! { <option value=id.to_string() selected=selected>{name}</option> }
                        }).collect_view()}
                    </select>
                }
            })}
        </Suspense>
    }
}

/// False in the server's HTML and until this page has hydrated, then true.
/// Submit buttons are disabled until then: a click before hydration would
/// otherwise submit the form natively as a GET, putting its fields (a
/// password) in the URL and reloading the page (issue 7).
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

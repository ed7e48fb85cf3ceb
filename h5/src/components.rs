//! Small mobile building blocks: nav bar, pull-to-refresh, toast, tags.

use leptos::prelude::*;

#[component]
pub fn NavBar(
    title: &'static str,
    #[prop(optional)] back: Option<&'static str>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <header class="h5-nav">
            {back.map(|href| view! { <a class="h5-nav-back" href=href aria-label="返回">"‹"</a> })}
            <h1 class="h5-nav-title">{title}</h1>
            <div class="h5-nav-right">{children.map(|c| c())}</div>
        </header>
    }
}

/// Drag down at the top of the page to refresh, as in Vant's PullRefresh.
#[component]
pub fn PullRefresh(#[prop(into)] on_refresh: Callback<()>, children: Children) -> impl IntoView {
    const TRIGGER_PX: i32 = 60;
    let start = StoredValue::new(None::<i32>);
    let (distance, set_distance) = signal(0i32);
    let touch_y = |ev: &leptos::ev::TouchEvent| ev.touches().get(0).map(|t| t.client_y());
    let at_top = || window().scroll_y().map(|y| y <= 0.0).unwrap_or(true);
    let hint = move || match distance.get() {
        0 => "",
        d if d >= TRIGGER_PX => "释放即可刷新",
        _ => "下拉即可刷新",
    };
    view! {
        <div
            class="h5-pull"
            on:touchstart=move |ev| {
                if at_top() {
                    start.set_value(touch_y(&ev));
                }
            }
            on:touchmove=move |ev| {
                if let (Some(from), Some(now)) = (start.get_value(), touch_y(&ev)) {
                    set_distance.set((now - from).clamp(0, 100));
                }
            }
            on:touchend=move |_| {
                if distance.get_untracked() >= TRIGGER_PX {
                    on_refresh.run(());
                }
                start.set_value(None);
                set_distance.set(0);
            }
        >
            <div class="h5-pull-hint" style:height=move || format!("{}px", distance.get() / 2)>
                {hint}
            </div>
            {children()}
        </div>
    }
}

/// A message that fades after two seconds.
#[derive(Clone, Copy)]
pub struct Toast(RwSignal<Option<String>>);

impl Toast {
    pub fn new() -> Self {
        Self(RwSignal::new(None))
    }

    pub fn show(self, message: impl Into<String>) {
        self.0.set(Some(message.into()));
        set_timeout(move || self.0.set(None), std::time::Duration::from_secs(2));
    }

    pub fn view(self) -> impl IntoView {
        move || {
            self.0
                .get()
                .map(|message| view! { <div class="h5-toast" role="alert">{message}</div> })
        }
    }
}

impl Default for Toast {
    fn default() -> Self {
        Self::new()
    }
}

/// False in the server's HTML and until this page has hydrated, then true.
/// Submit buttons are disabled until then: a tap before hydration would
/// otherwise submit the form natively as a GET, putting the member's details
/// in the URL and emptying the form (issue 7).
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

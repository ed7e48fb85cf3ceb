//! After "支付押金": the payment QR (Native) or the wait for WeChat's answer.
//! The page asks the server every two seconds (backing off after failures); the
//! server asks WeChat Pay when the notification is late, so the member moves on
//! as soon as the money is in.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::api::{OrderStatus, OrderView, PayAction};
use shared::client::ApiClient;
use shared::money::format_fen;

use crate::components::NavBar;

#[component]
pub fn OrderPage() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let params = use_params_map();
    let no = move || params.read().get("no").unwrap_or_default();
    let order = Resource::new(no, move |no| {
        let client = client.clone();
        async move { client.order(&no).await }
    });
    // Poll until paid or closed (browser only: Effects do not run on the server).
    // A failed poll (a 429 from a shared carrier address, a dropped connection)
    // never ends the polling: wait as the server asked (Retry-After) or back
    // off, keep showing the last answer, and offer an immediate retry.
    let failures = RwSignal::new(0u32);
    let last_good = RwSignal::new(None::<OrderView>);
    Effect::new(move |_| {
        let delay = match order.get() {
            Some(Ok(view)) => {
                failures.set(0);
                let waiting = view.status == OrderStatus::Created;
                last_good.set(Some(view));
                if !waiting {
                    return;
                }
                POLL_EVERY
            }
            Some(Err(error)) => {
                let failed = failures.get_untracked() + 1;
                failures.set(failed);
                retry_delay(failed, error.retry_after_secs)
            }
            None => return,
        };
        if let Ok(handle) = set_timeout_with_handle(move || order.refetch(), delay) {
            on_cleanup(move || handle.clear());
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(view)) = order.get()
            && view.status == OrderStatus::Paid
        {
            navigate(
                &format!("/h5/enrollments/{}", view.enrollment_id),
                Default::default(),
            );
        }
    });
    let retry_now = move || order.refetch();
    view! {
        <NavBar title="支付押金" back="/h5" />
        <Transition fallback=|| view! { <p class="h5-hint">"加载中…"</p> }>
            {move || Suspend::new(async move {
                match (order.await, last_good.get_untracked()) {
                    (Ok(view), _) => view! { <OrderBody view refresh=retry_now /> }.into_any(),
                    (Err(_), Some(view)) => view! {
                        <p class="h5-notice" role="status">
                            "网络不稳定，正在自动重试… "
                            <button class="h5-link" on:click=move |_| retry_now()>"立即重试"</button>
                        </p>
                        <OrderBody view refresh=retry_now />
                    }
                    .into_any(),
                    (Err(e), None) => view! {
                        <section class="h5-panel h5-center">
                            <p class="h5-error">{e.message}</p>
                            <button class="h5-button h5-button-primary h5-button-block" on:click=move |_| retry_now()>
                                "重试"
                            </button>
                        </section>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// How often the page asks while the order waits for payment.
const POLL_EVERY: Duration = Duration::from_secs(2);
/// The longest wait between two attempts after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The wait before the next poll after `failures` (≥ 1) failed ones in a row:
/// what the server asked for (`Retry-After`), else the poll interval doubled
/// per further failure, never more than [`MAX_BACKOFF`] unless the server asked.
fn retry_delay(failures: u32, retry_after_secs: Option<u32>) -> Duration {
    let backoff = POLL_EVERY
        .saturating_mul(1 << failures.saturating_sub(1).min(5))
        .min(MAX_BACKOFF);
    match retry_after_secs {
        Some(secs) => Duration::from_secs(secs.into()).max(POLL_EVERY),
        None => backoff,
    }
}

#[component]
fn OrderBody(view: OrderView, refresh: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let camp_link = format!("/h5/camps/{}", view.camp_id);
    let amount = format_fen(view.amount_fen);
    match view.status {
        OrderStatus::Paid => view! {
            <section class="h5-panel h5-center">
                <div class="h5-result-icon h5-result-success">"✓"</div>
                <h2 class="h5-result-title">"支付成功"</h2>
                <a class="h5-button h5-button-primary h5-button-block" href=format!("/h5/enrollments/{}", view.enrollment_id)>
                    "查看群二维码"
                </a>
            </section>
        }
        .into_any(),
        OrderStatus::NeedsReview => view! {
            <section class="h5-panel h5-center">
                <h2 class="h5-result-title">"已收到付款，待人工核对"</h2>
                <p class="h5-hint-small">"这笔付款与订单信息不一致（例如押金已调整），工作人员核对后会联系你或原路退款。"</p>
            </section>
        }
        .into_any(),
        OrderStatus::Closed => view! {
            <section class="h5-panel h5-center">
                <h2 class="h5-result-title">"订单已关闭"</h2>
                <p class="h5-hint-small">"超时未支付的订单会自动关闭，请重新报名支付。"</p>
                <a class="h5-button h5-button-primary h5-button-block" href=camp_link>"重新支付"</a>
            </section>
        }
        .into_any(),
        OrderStatus::Created => {
            let qr = match &view.pay {
                Some(PayAction::Native { code_url }) => {
                    // The sandbox cashier is a page; a real code_url (weixin://) only works scanned.
                    let cashier = code_url.starts_with("http").then(|| code_url.clone());
                    Some(view! {
                        <img class="h5-pay-qr" src=format!("/api/v1/orders/{}/qrcode.png", view.out_trade_no) alt="支付二维码" />
                        <p class="h5-hint-small">"请用微信扫一扫，或长按二维码识别后支付"</p>
                        {cashier.map(|href| view! { <a class="h5-button h5-button-block" href=href rel="external">"打开支付页面"</a> })}
                    })
                }
                _ => None,
            };
            view! {
                <section class="h5-panel h5-center">
                    <p class="h5-muted">{view.camp_name.clone()}</p>
                    <p class="h5-price h5-price-large">{amount}</p>
                    {qr}
                    <p class="h5-waiting">"等待支付结果…"</p>
                    <button class="h5-button h5-button-primary h5-button-block" on:click=move |_| refresh()>
                        "我已完成支付"
                    </button>
                    <a class="h5-link-block" href=camp_link>"支付遇到问题？返回重新支付"</a>
                </section>
            }
            .into_any()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_waits_as_asked_else_backs_off_up_to_a_cap() {
        assert_eq!(retry_delay(1, Some(7)), Duration::from_secs(7));
        assert_eq!(retry_delay(1, Some(0)), POLL_EVERY);
        assert_eq!(retry_delay(1, None), POLL_EVERY);
        assert_eq!(retry_delay(2, None), Duration::from_secs(4));
        assert_eq!(retry_delay(3, None), Duration::from_secs(8));
        assert_eq!(retry_delay(40, None), MAX_BACKOFF);
    }
}

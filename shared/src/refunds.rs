//! The life of one refund row — one `out_refund_no` — as a pure state machine
//! (issue 10 "Execution"; ARCHITECTURE §4 "Refund"; wechatpay.md §2.6–2.7 and
//! the 2026-11 refund notes). The server, the jobs and the webhook change a
//! refund's status only through [`RefundStatus::apply`], so what may follow
//! what is decided here once and tested exhaustively.
//!
//! What it keeps, and why:
//! - A call is sent only from [`RefundStatus::Pending`] or
//!   [`RefundStatus::Retrying`], and the row says [`RefundStatus::Submitting`]
//!   (committed) *before* the call leaves: a crash mid-call is then seen as
//!   an unknown outcome, never as "not sent yet".
//! - An unknown outcome (timeout, connection error, unverifiable answer) leads
//!   to [`RefundStatus::Unknown`], from which the only way back to sending is a
//!   query that found nothing ([`RefundEvent::NotFound`]): never create blind.
//! - A retryable error (SYSTEM_ERROR, FREQUENCY_LIMITED, NOT_ENOUGH) is retried
//!   once automatically with the same number (issue 10, PRD); after that, or on
//!   a final error, the refund is [`RefundStatus::NeedsManual`] (需人工处理).
//! - WeChat Pay's word about a number that was sent (create answer, query,
//!   notification) is applied whatever we thought, because it is the truth
//!   about the money; it cannot undo [`RefundStatus::Succeeded`] or
//!   [`RefundStatus::Closed`], which are final for that number.
//! - Nothing ever sends a succeeded or closed number again. A CLOSED refund is
//!   re-issued only under a new number (a new row) by an admin.

use serde::{Deserialize, Serialize};

/// Where one refund (one `out_refund_no`) stands. Stored as [`Self::as_str`]
/// in `refunds.status` (a CHECK keeps the column to these values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Row and `out_refund_no` written (in the approval transaction), not sent.
    Pending,
    /// The create call is being sent, or was sent and has not been answered.
    /// Committed before the call, so a crash leaves a number to query.
    Submitting,
    /// The call's outcome is unknown (timeout, connection error, answer that
    /// did not verify): query before anything else.
    Unknown,
    /// A retryable error was answered; the one automatic retry (same number) is due.
    Retrying,
    /// WeChat Pay accepted the refund and is paying it (status PROCESSING).
    Processing,
    /// Paid back (status SUCCESS). Final.
    Succeeded,
    /// WeChat Pay gave up on this number (status CLOSED: funds stayed short for
    /// 7 days, or the funds account did not match). Final for this number; no
    /// money moved, so it does not count against the order's paid amount.
    Closed,
    /// The member's account refused the money (status ABNORMAL). Not final:
    /// resolved in the merchant console or by the abnormal-refund API, never
    /// by a new number (that risks paying twice).
    Abnormal,
    /// 需人工处理: the automatic retry was used up or WeChat Pay answered a final
    /// error. A person checks the merchant console; an admin may retry (after a
    /// query) or cancel.
    NeedsManual,
    /// An admin withdrew a needs-manual refund after a query showed WeChat Pay
    /// has no refund under this number. Never sent again, but its amount stays
    /// held and WeChat Pay's later word about it still applies: a number that
    /// left may yet be paid (a "not found" can be stale), so withdrawing it must
    /// never make room for a second number for the same money. Freeing it takes
    /// reconciliation against WeChat Pay's refund bill (not built yet).
    Cancelled,
}

/// What happens to a refund. The `Reported*` events are WeChat Pay's word about
/// the number: the create call's answer, a query, or a refund notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundEvent {
    /// The create call is about to leave (the new status is committed first).
    Send,
    /// No usable answer: timeout, connection error, or an answer that did not
    /// verify. The refund may or may not exist at WeChat Pay.
    OutcomeUnknown,
    /// A retryable error (SYSTEM_ERROR, FREQUENCY_LIMITED, NOT_ENOUGH).
    /// `retry_left` is whether the one automatic retry is still unused.
    RetryableError { retry_left: bool },
    /// A final error (PARAM_ERROR, INVALID_REQUEST, NO_AUTH,
    /// USER_ACCOUNT_ABNORMAL, RESOURCE_NOT_EXISTS, …): not accepted, no retry.
    FinalError,
    /// A signed query answered that WeChat Pay has no refund under this number.
    NotFound,
    /// WeChat Pay reports status PROCESSING.
    ReportedProcessing,
    /// WeChat Pay reports status SUCCESS.
    ReportedSuccess,
    /// WeChat Pay reports status CLOSED.
    ReportedClosed,
    /// WeChat Pay reports status ABNORMAL.
    ReportedAbnormal,
    /// An admin asks to retry a needs-manual refund: it is queried first.
    AdminRetry,
    /// An admin withdraws a needs-manual refund (the caller has checked, by a
    /// query, that WeChat Pay has no refund under this number).
    AdminCancel,
}

/// A transition the machine refuses: the caller must not change the row and
/// should record the anomaly (a contradiction from WeChat Pay, or a bug).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("refund in status {from:?} cannot take event {event:?}")]
pub struct ForbiddenTransition {
    pub from: RefundStatus,
    pub event: RefundEvent,
}

impl RefundStatus {
    /// Every status, for exhaustive tests and the CHECK constraint.
    pub const ALL: [Self; 10] = [
        Self::Pending,
        Self::Submitting,
        Self::Unknown,
        Self::Retrying,
        Self::Processing,
        Self::Succeeded,
        Self::Closed,
        Self::Abnormal,
        Self::NeedsManual,
        Self::Cancelled,
    ];

    /// The stored value (`refunds.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Submitting => "submitting",
            Self::Unknown => "unknown",
            Self::Retrying => "retrying",
            Self::Processing => "processing",
            Self::Succeeded => "succeeded",
            Self::Closed => "closed",
            Self::Abnormal => "abnormal",
            Self::NeedsManual => "needs_manual",
            Self::Cancelled => "cancelled",
        }
    }

    /// The inverse of [`Self::as_str`]; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// What staff and members read (Simplified Chinese).
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待发起",
            Self::Submitting => "提交中",
            Self::Unknown => "结果待确认",
            Self::Retrying => "等待重试",
            Self::Processing => "退款处理中",
            Self::Succeeded => "已到账",
            Self::Closed => "退款关闭",
            Self::Abnormal => "退款异常",
            Self::NeedsManual => "需人工处理",
            Self::Cancelled => "已撤销",
        }
    }

    /// Whether this number's money is (or may yet be) on its way to the member,
    /// so it counts against what the order paid. Only a number WeChat Pay
    /// closed frees its amount; a cancelled one does not (see [`Self::Cancelled`]).
    pub fn holds_amount(self) -> bool {
        !matches!(self, Self::Closed)
    }

    /// No event changes it any more.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Closed)
    }

    /// The status after `event`, or why not. Repeating WeChat Pay's current
    /// word (a duplicate notification) leaves the status as it is (`Ok(self)`).
    ///
    /// # Errors
    /// [`ForbiddenTransition`] for every pair not allowed by the rules in the
    /// module documentation.
    pub fn apply(self, event: RefundEvent) -> Result<Self, ForbiddenTransition> {
        use RefundEvent as E;
        use RefundStatus as S;
        let next = match (self, event) {
            (S::Pending | S::Retrying, E::Send) => S::Submitting,
            (S::Submitting, E::OutcomeUnknown) => S::Unknown,
            (S::Submitting, E::RetryableError { retry_left: true }) => S::Retrying,
            (S::Submitting, E::RetryableError { retry_left: false } | E::FinalError) => {
                S::NeedsManual
            }
            // Only a query that found nothing lets a number be sent again
            // (same number: WeChat Pay treats it as the same refund).
            (S::Unknown, E::NotFound) => S::Pending,
            // WeChat Pay's word about a number we sent (or may have sent).
            (
                S::Submitting
                | S::Unknown
                | S::Retrying
                | S::Processing
                | S::Abnormal
                | S::NeedsManual
                | S::Cancelled,
                E::ReportedProcessing,
            ) => S::Processing,
            (
                S::Submitting
                | S::Unknown
                | S::Retrying
                | S::Processing
                | S::Abnormal
                | S::NeedsManual
                | S::Cancelled
                | S::Succeeded,
                E::ReportedSuccess,
            ) => S::Succeeded,
            (
                S::Submitting
                | S::Unknown
                | S::Retrying
                | S::Processing
                | S::Abnormal
                | S::NeedsManual
                | S::Cancelled
                | S::Closed,
                E::ReportedClosed,
            ) => S::Closed,
            (
                S::Submitting
                | S::Unknown
                | S::Retrying
                | S::Processing
                | S::Abnormal
                | S::NeedsManual
                | S::Cancelled,
                E::ReportedAbnormal,
            ) => S::Abnormal,
            // "Query before any retry": an admin's retry starts with a query.
            (S::NeedsManual, E::AdminRetry) => S::Unknown,
            (S::NeedsManual, E::AdminCancel) => S::Cancelled,
            (from, event) => return Err(ForbiddenTransition { from, event }),
        };
        Ok(next)
    }
}

/// How WeChat Pay names a refund's state (`status` in answers and queries,
/// `refund_status` in notifications), as the event it is for a refund row.
/// `None` for a value this code does not know (the caller treats the outcome
/// as unknown and asks a person).
pub fn reported(wechat_status: &str) -> Option<RefundEvent> {
    match wechat_status {
        "SUCCESS" => Some(RefundEvent::ReportedSuccess),
        "PROCESSING" => Some(RefundEvent::ReportedProcessing),
        "CLOSED" => Some(RefundEvent::ReportedClosed),
        "ABNORMAL" => Some(RefundEvent::ReportedAbnormal),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::RefundEvent as E;
    use super::RefundStatus as S;
    use super::*;

    const EVENTS: [RefundEvent; 12] = [
        E::Send,
        E::OutcomeUnknown,
        E::RetryableError { retry_left: true },
        E::RetryableError { retry_left: false },
        E::FinalError,
        E::NotFound,
        E::ReportedProcessing,
        E::ReportedSuccess,
        E::ReportedClosed,
        E::ReportedAbnormal,
        E::AdminRetry,
        E::AdminCancel,
    ];

    /// Reporters: the statuses in which the number was (or may have been) sent
    /// and is not final, so WeChat Pay's word about it applies.
    const SENT: [RefundStatus; 7] = [
        S::Submitting,
        S::Unknown,
        S::Retrying,
        S::Processing,
        S::Abnormal,
        S::NeedsManual,
        S::Cancelled,
    ];

    /// The whole allowed table, written out independently of `apply`.
    fn allowed() -> HashMap<(RefundStatus, RefundEvent), RefundStatus> {
        let mut table = HashMap::from([
            ((S::Pending, E::Send), S::Submitting),
            ((S::Retrying, E::Send), S::Submitting),
            ((S::Submitting, E::OutcomeUnknown), S::Unknown),
            (
                (S::Submitting, E::RetryableError { retry_left: true }),
                S::Retrying,
            ),
            (
                (S::Submitting, E::RetryableError { retry_left: false }),
                S::NeedsManual,
            ),
            ((S::Submitting, E::FinalError), S::NeedsManual),
            ((S::Unknown, E::NotFound), S::Pending),
            ((S::NeedsManual, E::AdminRetry), S::Unknown),
            ((S::NeedsManual, E::AdminCancel), S::Cancelled),
            // Duplicate reports of a final state are no-ops, not errors.
            ((S::Succeeded, E::ReportedSuccess), S::Succeeded),
            ((S::Closed, E::ReportedClosed), S::Closed),
        ]);
        for from in SENT {
            table.insert((from, E::ReportedProcessing), S::Processing);
            table.insert((from, E::ReportedSuccess), S::Succeeded);
            table.insert((from, E::ReportedClosed), S::Closed);
            table.insert((from, E::ReportedAbnormal), S::Abnormal);
        }
        table
    }

    #[test]
    fn every_allowed_transition_lands_where_the_table_says() {
        let table = allowed();
        assert_eq!(table.len(), 39);
        for ((from, event), to) in &table {
            assert_eq!(from.apply(*event), Ok(*to), "{from:?} + {event:?}");
        }
    }

    #[test]
    fn every_other_pair_is_forbidden() {
        let table = allowed();
        let mut forbidden = 0;
        for from in S::ALL {
            for event in EVENTS {
                if table.contains_key(&(from, event)) {
                    continue;
                }
                forbidden += 1;
                assert_eq!(
                    from.apply(event),
                    Err(ForbiddenTransition { from, event }),
                    "{from:?} + {event:?} must be refused"
                );
            }
        }
        assert_eq!(forbidden, S::ALL.len() * EVENTS.len() - 39);
    }

    #[test]
    fn a_number_that_succeeded_or_closed_is_never_sent_again() {
        for from in [S::Succeeded, S::Closed, S::Cancelled] {
            assert_eq!(from.is_final(), from != S::Cancelled);
            for event in [E::Send, E::AdminRetry, E::NotFound] {
                assert!(from.apply(event).is_err(), "{from:?} + {event:?}");
            }
        }
        // Success cannot be undone by a later, contradicting report.
        for event in [
            E::ReportedClosed,
            E::ReportedAbnormal,
            E::ReportedProcessing,
        ] {
            assert!(S::Succeeded.apply(event).is_err(), "{event:?}");
        }
    }

    #[test]
    fn an_unknown_outcome_is_queried_before_any_send() {
        // From Unknown, nothing leads to Submitting directly...
        for event in EVENTS {
            assert_ne!(S::Unknown.apply(event), Ok(S::Submitting), "{event:?}");
        }
        // ...only a query that found nothing makes it sendable again.
        assert_eq!(S::Unknown.apply(E::NotFound), Ok(S::Pending));
        assert_eq!(S::NeedsManual.apply(E::AdminRetry), Ok(S::Unknown));
    }

    #[test]
    fn only_a_number_wechat_closed_frees_the_amount() {
        let freeing: Vec<_> = S::ALL.into_iter().filter(|s| !s.holds_amount()).collect();
        assert_eq!(freeing, vec![S::Closed]);
    }

    /// Review D1: a needs-manual number may still be paid by WeChat Pay after
    /// an admin withdraws it, so withdrawing frees nothing and WeChat Pay's
    /// later SUCCESS is still recorded.
    #[test]
    fn a_withdrawn_number_keeps_its_amount_and_wechats_word() {
        let cancelled = S::NeedsManual.apply(E::AdminCancel);
        assert_eq!(cancelled, Ok(S::Cancelled));
        assert!(S::Cancelled.holds_amount());
        assert_eq!(S::Cancelled.apply(E::ReportedSuccess), Ok(S::Succeeded));
        assert_eq!(S::Cancelled.apply(E::ReportedClosed), Ok(S::Closed));
    }

    #[test]
    fn statuses_round_trip_through_their_stored_text() {
        for status in S::ALL {
            assert_eq!(RefundStatus::parse(status.as_str()), Some(status));
            assert!(!status.label().is_empty());
            let json = serde_json::to_string(&status).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(RefundStatus::parse("refunded"), None);
    }

    #[test]
    fn wechat_statuses_map_to_report_events() {
        assert_eq!(reported("SUCCESS"), Some(E::ReportedSuccess));
        assert_eq!(reported("PROCESSING"), Some(E::ReportedProcessing));
        assert_eq!(reported("CLOSED"), Some(E::ReportedClosed));
        assert_eq!(reported("ABNORMAL"), Some(E::ReportedAbnormal));
        assert_eq!(reported("success"), None);
    }
}

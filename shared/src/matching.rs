//! Identity matching (PRD §7, issue 9 "Matching"): which Knowledge Planet
//! account is the member behind each paid enrollment, and how sure that is.
//!
//! Tiers, best first: a manual choice by staff; 星球ID equal to the account's
//! `user_id` (100 %, matched); 星球昵称 equal to the account's name or alias
//! (66 %, needs confirmation); 微信昵称 equal to its name or alias (33 %,
//! pending confirmation). Names are compared by [`name_key`]; a blank name
//! never matches. Where more than one account fits an enrollment at its best
//! tier, or one account fits more than one enrollment there (同名, both ways),
//! nothing is picked: the enrollment is [`MatchStatus::Ambiguous`] and staff
//! choose. Linear in enrollments + accounts: hash lookups, never pairwise.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::normalize::{name_key, planet_id};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// What matching needs of one enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentForMatch {
    pub enrollment_id: i64,
    /// As stored; normalised again here so rows stored before normalisation
    /// (`000346884121553`) still match.
    pub planet_id: String,
    pub planet_nickname: String,
    pub wechat_nickname: String,
    /// Staff's choice; never overwritten by automatic matching.
    pub manual_user_id: Option<i64>,
}

/// A Knowledge Planet account seen in the camp's check-ins (topic owner or
/// ranking entry): its `user_id`, `name` (may be blank) and `alias`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanetAccount {
    pub user_id: i64,
    pub name: String,
    pub alias: Option<String>,
}

/// How an enrollment was matched (匹配状态, PRD §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// Same 星球ID: 100 %.
    Matched,
    /// Same 星球昵称: 66 %, staff should confirm.
    NeedsConfirmation,
    /// Same 微信昵称: 33 %, pending staff confirmation.
    PendingConfirmation,
    /// Several accounts fit, or the account fits several enrollments (同名):
    /// staff choose from the candidates.
    Ambiguous,
    /// Chosen by staff.
    Manual,
    /// Nothing fits: 0 %.
    Failed,
}

impl MatchStatus {
    pub const ALL: [Self; 6] = [
        Self::Matched,
        Self::NeedsConfirmation,
        Self::PendingConfirmation,
        Self::Ambiguous,
        Self::Manual,
        Self::Failed,
    ];

    /// The stored and serialized form, `needs_confirmation`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Matched => "matched",
            Self::NeedsConfirmation => "needs_confirmation",
            Self::PendingConfirmation => "pending_confirmation",
            Self::Ambiguous => "ambiguous",
            Self::Manual => "manual",
            Self::Failed => "failed",
        }
    }

    /// The inverse of [`Self::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// What staff read in the member list.
    pub fn label(self) -> &'static str {
        match self {
            Self::Matched => "已匹配",
            Self::NeedsConfirmation => "待确认(昵称)",
            Self::PendingConfirmation => "待确认(微信昵称)",
            Self::Ambiguous => "同名待确认",
            Self::Manual => "手动匹配",
            Self::Failed => "未匹配",
        }
    }

    /// Whether the account may be used without a person confirming it
    /// (by 星球ID or chosen by staff).
    pub fn confirmed(self) -> bool {
        matches!(self, Self::Matched | Self::Manual)
    }
}

/// The outcome for one enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchResult {
    pub enrollment_id: i64,
    pub status: MatchStatus,
    /// Percent: 100 (manual or 星球ID), 66 (星球昵称), 33 (微信昵称), 0 (failed).
    /// An ambiguous result carries the confidence of the tier it was found at.
    pub confidence: u8,
    /// The account chosen; `None` when ambiguous or failed.
    pub user_id: Option<i64>,
    /// Every account that fitted at the best tier when ambiguous, ascending;
    /// empty otherwise.
    pub candidates: Vec<i64>,
}

/// The automatic tiers, best first.
#[derive(Clone, Copy)]
enum Tier {
    PlanetId,
    PlanetNickname,
    WechatNickname,
}

impl Tier {
    fn status(self) -> MatchStatus {
        match self {
            Self::PlanetId => MatchStatus::Matched,
            Self::PlanetNickname => MatchStatus::NeedsConfirmation,
            Self::WechatNickname => MatchStatus::PendingConfirmation,
        }
    }

    fn confidence(self) -> u8 {
        match self {
            Self::PlanetId => 100,
            Self::PlanetNickname => 66,
            Self::WechatNickname => 33,
        }
    }

    /// The key this enrollment is looked up by at this tier.
    fn key(self, enrollment: &EnrollmentForMatch) -> Option<String> {
        match self {
            Self::PlanetId => planet_id(&enrollment.planet_id),
            Self::PlanetNickname => name_key(&enrollment.planet_nickname),
            Self::WechatNickname => name_key(&enrollment.wechat_nickname),
        }
    }
}

/// Matches every enrollment against the camp's accounts; one result per
/// enrollment, in input order. The same inputs in any order give the same
/// results. See the module doc for the rules.
///
/// An account is used at most once: accounts chosen by staff or found by
/// 星球ID leave the lower tiers, and so does every account that fitted some
/// enrollment at a tier (picked or ambiguous), so a weaker tier never hands
/// out an account a stronger one is holding.
pub fn match_enrollments(
    enrollments: &[EnrollmentForMatch],
    accounts: &[PlanetAccount],
) -> Vec<MatchResult> {
    let mut results: Vec<Option<MatchResult>> = vec![None; enrollments.len()];
    let mut taken: HashSet<i64> = HashSet::new();

    for (slot, enrollment) in results.iter_mut().zip(enrollments) {
        if let Some(user_id) = enrollment.manual_user_id {
            taken.insert(user_id);
            *slot = Some(MatchResult {
                enrollment_id: enrollment.enrollment_id,
                status: MatchStatus::Manual,
                confidence: 100,
                user_id: Some(user_id),
                candidates: Vec::new(),
            });
        }
    }

    let by_id = index(accounts, |a| vec![a.user_id.to_string()]);
    let by_name = index(accounts, |a| {
        let mut keys: Vec<String> = name_key(&a.name).into_iter().collect();
        keys.extend(a.alias.as_deref().and_then(name_key));
        keys.dedup();
        keys
    });

    for (tier, accounts_by_key) in [
        (Tier::PlanetId, &by_id),
        (Tier::PlanetNickname, &by_name),
        (Tier::WechatNickname, &by_name),
    ] {
        // Each open enrollment's candidates at this tier.
        let mut found: Vec<(usize, Vec<i64>)> = Vec::new();
        for (i, enrollment) in enrollments.iter().enumerate() {
            if results[i].is_some() {
                continue;
            }
            let Some(key) = tier.key(enrollment) else {
                continue;
            };
            let Some(fitting) = accounts_by_key.get(&key) else {
                continue;
            };
            let candidates: Vec<i64> = fitting
                .iter()
                .copied()
                .filter(|id| !taken.contains(id))
                .collect();
            if !candidates.is_empty() {
                found.push((i, candidates));
            }
        }
        // How many open enrollments each account fits at this tier (同名 the other way).
        let mut fits: HashMap<i64, usize> = HashMap::new();
        for (_, candidates) in &found {
            for &id in candidates {
                *fits.entry(id).or_default() += 1;
            }
        }
        for (i, candidates) in found {
            let enrollment_id = enrollments[i].enrollment_id;
            let result = match candidates.as_slice() {
                [only] if fits.get(only) == Some(&1) => MatchResult {
                    enrollment_id,
                    status: tier.status(),
                    confidence: tier.confidence(),
                    user_id: Some(*only),
                    candidates: Vec::new(),
                },
                _ => MatchResult {
                    enrollment_id,
                    status: MatchStatus::Ambiguous,
                    confidence: tier.confidence(),
                    user_id: None,
                    candidates,
                },
            };
            results[i] = Some(result);
        }
        taken.extend(fits.into_keys());
    }

    results
        .into_iter()
        .zip(enrollments)
        .map(|(result, enrollment)| {
            result.unwrap_or(MatchResult {
                enrollment_id: enrollment.enrollment_id,
                status: MatchStatus::Failed,
                confidence: 0,
                user_id: None,
                candidates: Vec::new(),
            })
        })
        .collect()
}

/// Key → the distinct accounts with that key, ascending by user_id (so the
/// result does not depend on the order accounts arrive in).
fn index(
    accounts: &[PlanetAccount],
    keys: impl Fn(&PlanetAccount) -> Vec<String>,
) -> HashMap<String, Vec<i64>> {
    let mut map: HashMap<String, Vec<i64>> = HashMap::new();
    for account in accounts {
        for key in keys(account) {
            map.entry(key).or_default().push(account.user_id);
        }
    }
    for ids in map.values_mut() {
        ids.sort_unstable();
        ids.dedup();
    }
    map
}

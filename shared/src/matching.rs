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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn enrollment(id: i64, planet_id: &str, nickname: &str, wechat: &str) -> EnrollmentForMatch {
        EnrollmentForMatch {
            enrollment_id: id,
            planet_id: planet_id.into(),
            planet_nickname: nickname.into(),
            wechat_nickname: wechat.into(),
            manual_user_id: None,
        }
    }

    fn account(user_id: i64, name: &str, alias: Option<&str>) -> PlanetAccount {
        PlanetAccount {
            user_id,
            name: name.into(),
            alias: alias.map(Into::into),
        }
    }

    fn one(e: EnrollmentForMatch, accounts: &[PlanetAccount]) -> MatchResult {
        match_enrollments(&[e], accounts)
            .pop()
            .unwrap_or_else(|| panic!("one result per enrollment"))
    }

    fn summary(r: &MatchResult) -> (MatchStatus, u8, Option<i64>, Vec<i64>) {
        (r.status, r.confidence, r.user_id, r.candidates.clone())
    }

    const ME: i64 = 346_884_121_553;

    #[test]
    fn by_planet_id_is_matched_at_100() {
        let accounts = [account(ME, "别人的名字", None), account(7, "小王", None)];
        let r = one(enrollment(1, "346884121553", "小王", "wang"), &accounts);
        assert_eq!(summary(&r), (MatchStatus::Matched, 100, Some(ME), vec![]));
    }

    #[test]
    fn by_planet_nickname_needs_confirmation_at_66() {
        let accounts = [account(7, "小王", None), account(8, "wang", None)];
        let r = one(enrollment(1, "11111", " 小王 ", "wang"), &accounts);
        assert_eq!(
            summary(&r),
            (MatchStatus::NeedsConfirmation, 66, Some(7), vec![])
        );
    }

    #[test]
    fn by_wechat_nickname_is_pending_at_33() {
        let accounts = [account(8, "Wang", None)];
        let r = one(enrollment(1, "11111", "小王", "wang"), &accounts);
        assert_eq!(
            summary(&r),
            (MatchStatus::PendingConfirmation, 33, Some(8), vec![])
        );
    }

    #[test]
    fn nothing_fits_is_failed_at_0() {
        let accounts = [account(8, "别人", Some("另一个"))];
        let r = one(enrollment(1, "11111", "小王", "wang"), &accounts);
        assert_eq!(summary(&r), (MatchStatus::Failed, 0, None, vec![]));
        let r = one(enrollment(1, "11111", "小王", "wang"), &[]);
        assert_eq!(r.status, MatchStatus::Failed);
    }

    #[test]
    fn manual_wins_and_takes_the_account() {
        let mut e = enrollment(1, "346884121553", "小王", "wang");
        e.manual_user_id = Some(9);
        let accounts = [account(ME, "小王", None), account(9, "someone", None)];
        let r = one(e, &accounts);
        assert_eq!(summary(&r), (MatchStatus::Manual, 100, Some(9), vec![]));

        // The manually chosen account is out of every automatic tier.
        let mut chosen = enrollment(1, "22222", "x", "y");
        chosen.manual_user_id = Some(ME);
        let other = enrollment(2, "346884121553", "小王", "wang");
        let results = match_enrollments(&[chosen, other], &[account(ME, "小王", None)]);
        assert_eq!(
            summary(&results[0]),
            (MatchStatus::Manual, 100, Some(ME), vec![])
        );
        assert_eq!(summary(&results[1]), (MatchStatus::Failed, 0, None, vec![]));
    }

    #[test]
    fn an_account_found_by_id_is_out_of_the_name_tiers() {
        let by_id = enrollment(1, "346884121553", "小王", "wang");
        let same_name = enrollment(2, "22222", "小王", "wang");
        let results = match_enrollments(&[by_id, same_name], &[account(ME, "小王", None)]);
        assert_eq!(results[0].status, MatchStatus::Matched);
        assert_eq!(results[1].status, MatchStatus::Failed);
    }

    #[test]
    fn two_accounts_one_name_are_ambiguous() {
        let accounts = [account(8, "小王", None), account(7, "路人", Some("小王"))];
        let r = one(enrollment(1, "11111", "小王", "wang"), &accounts);
        assert_eq!(summary(&r), (MatchStatus::Ambiguous, 66, None, vec![7, 8]));
    }

    #[test]
    fn one_account_two_enrollments_are_ambiguous() {
        let accounts = [account(8, "小王", None)];
        let results = match_enrollments(
            &[
                enrollment(1, "11111", "小王", "a"),
                enrollment(2, "22222", "小王", "b"),
            ],
            &accounts,
        );
        for r in &results {
            assert_eq!(summary(r), (MatchStatus::Ambiguous, 66, None, vec![8]));
        }
        // The same both ways at the 微信昵称 tier.
        let results = match_enrollments(
            &[
                enrollment(1, "11111", "甲", "wang"),
                enrollment(2, "22222", "乙", "WANG"),
            ],
            &[account(8, "wang", None)],
        );
        for r in &results {
            assert_eq!(summary(r), (MatchStatus::Ambiguous, 33, None, vec![8]));
        }
    }

    #[test]
    fn an_account_held_by_a_stronger_tier_is_not_handed_out_below() {
        // Account 8 fits enrollment 1 by 星球昵称 and enrollment 2 by 微信昵称.
        let results = match_enrollments(
            &[
                enrollment(1, "11111", "小王", "a"),
                enrollment(2, "22222", "乙", "小王"),
            ],
            &[account(8, "小王", None)],
        );
        assert_eq!(
            summary(&results[0]),
            (MatchStatus::NeedsConfirmation, 66, Some(8), vec![])
        );
        assert_eq!(results[1].status, MatchStatus::Failed);
    }

    #[test]
    fn alias_matches_when_the_name_is_blank() {
        // The real API returns names of only spaces with the person's name in alias.
        let accounts = [account(8, "   ", Some("安安19"))];
        let r = one(enrollment(1, "11111", "安安19", "x"), &accounts);
        assert_eq!(
            summary(&r),
            (MatchStatus::NeedsConfirmation, 66, Some(8), vec![])
        );
    }

    #[test]
    fn blank_names_never_match() {
        let accounts = [
            account(8, "   ", None),
            account(9, "\u{3164}", Some("")),
            account(10, "\u{200B}", Some("\u{2800}")),
        ];
        for blank in ["", "  ", "\u{3164}", "\u{200B}\u{FEFF}", "\u{2800} "] {
            let r = one(enrollment(1, "11111", blank, blank), &accounts);
            assert_eq!(r.status, MatchStatus::Failed, "{blank:?}");
        }
    }

    #[test]
    fn full_width_and_zero_padded_ids_match() {
        let accounts = [account(ME, "x", None)];
        for typed in [
            "３４６８８４１２１５５３",
            "000346884121553",
            " 346884121553 ",
        ] {
            let r = one(enrollment(1, typed, "a", "b"), &accounts);
            assert_eq!(r.user_id, Some(ME), "{typed:?}");
            assert_eq!(r.status, MatchStatus::Matched);
        }
    }

    #[test]
    fn names_match_across_width_and_case() {
        let accounts = [account(8, "Ｍｏｍｏ３２", None)];
        let r = one(enrollment(1, "11111", "momo32", "x"), &accounts);
        assert_eq!(r.user_id, Some(8));
    }

    #[test]
    fn a_renamed_account_keeps_its_id_match() {
        let e = enrollment(1, "346884121553", "小王", "wang");
        let before = one(e.clone(), &[account(ME, "小王", None)]);
        let after = one(e, &[account(ME, "新名字🐰", None)]);
        assert_eq!(summary(&before), summary(&after));
    }

    #[test]
    fn statuses_round_trip() {
        for status in MatchStatus::ALL {
            assert_eq!(MatchStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert!(!status.label().is_empty());
        }
        assert_eq!(MatchStatus::parse("nope"), None);
        let confirmed: Vec<_> = MatchStatus::ALL
            .into_iter()
            .filter(|s| s.confirmed())
            .collect();
        assert_eq!(confirmed, [MatchStatus::Matched, MatchStatus::Manual]);
    }

    // ---- properties ----

    /// Small pools of ids and names so collisions (同名, shared ids) are common.
    fn names() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("  ".to_owned()),
            Just("\u{3164}".to_owned()),
            "[ab小王]{1,2}",
            "[ＡＢａｂ]{1,2}",
        ]
    }

    fn enrollments() -> impl Strategy<Value = Vec<EnrollmentForMatch>> {
        proptest::collection::vec(
            (
                0i64..12,
                prop_oneof![Just(""), Just("0"), Just("x")],
                names(),
                names(),
                proptest::option::weighted(0.15, 0i64..12),
            ),
            0..12,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(
                    |(i, (id, prefix, nickname, wechat, manual))| EnrollmentForMatch {
                        enrollment_id: i as i64 + 1,
                        planet_id: format!("{prefix}{}", 100_000 + id),
                        planet_nickname: nickname,
                        wechat_nickname: wechat,
                        manual_user_id: manual.map(|m| 100_000 + m),
                    },
                )
                .collect()
        })
    }

    fn accounts() -> impl Strategy<Value = Vec<PlanetAccount>> {
        proptest::collection::vec((0i64..12, names(), proptest::option::of(names())), 0..12)
            .prop_map(|rows| {
                rows.into_iter()
                    .map(|(id, name, alias)| PlanetAccount {
                        user_id: 100_000 + id,
                        name,
                        alias,
                    })
                    .collect()
            })
    }

    proptest! {
        #[test]
        fn one_result_per_enrollment_in_order(es in enrollments(), accs in accounts()) {
            let results = match_enrollments(&es, &accs);
            prop_assert_eq!(results.len(), es.len());
            for (r, e) in results.iter().zip(&es) {
                prop_assert_eq!(r.enrollment_id, e.enrollment_id);
                prop_assert_eq!(r.user_id.is_some(), r.status != MatchStatus::Ambiguous && r.status != MatchStatus::Failed);
                prop_assert_eq!(!r.candidates.is_empty(), r.status == MatchStatus::Ambiguous);
                let confidence = match r.status {
                    MatchStatus::Matched | MatchStatus::Manual => 100,
                    MatchStatus::NeedsConfirmation => 66,
                    MatchStatus::PendingConfirmation => 33,
                    MatchStatus::Failed => 0,
                    MatchStatus::Ambiguous => r.confidence,
                };
                prop_assert_eq!(r.confidence, confidence);
            }
        }

        #[test]
        fn no_account_is_auto_assigned_twice(es in enrollments(), accs in accounts()) {
            let results = match_enrollments(&es, &accs);
            let manual: HashSet<i64> = es.iter().filter_map(|e| e.manual_user_id).collect();
            let mut seen = HashSet::new();
            for r in results.iter().filter(|r| r.status != MatchStatus::Manual) {
                if let Some(id) = r.user_id {
                    prop_assert!(!manual.contains(&id), "{id} is manually assigned");
                    prop_assert!(seen.insert(id), "{id} assigned twice");
                }
            }
        }

        #[test]
        fn manual_always_survives(es in enrollments(), accs in accounts()) {
            let results = match_enrollments(&es, &accs);
            for (r, e) in results.iter().zip(&es) {
                if let Some(id) = e.manual_user_id {
                    prop_assert_eq!(r.status, MatchStatus::Manual);
                    prop_assert_eq!(r.user_id, Some(id));
                }
            }
        }

        #[test]
        fn an_unrelated_account_never_changes_an_id_match(
            es in enrollments(),
            accs in accounts(),
            name in names(),
            alias in proptest::option::of(names()),
        ) {
            let before = match_enrollments(&es, &accs);
            let mut more = accs.clone();
            // No enrollment's 星球ID is this account's user_id.
            more.push(PlanetAccount { user_id: 999_999, name, alias });
            let after = match_enrollments(&es, &more);
            for (b, a) in before.iter().zip(&after) {
                if b.status == MatchStatus::Matched {
                    prop_assert_eq!(b, a);
                }
            }
        }

        #[test]
        fn blank_names_match_nothing(es in enrollments(), accs in accounts()) {
            let results = match_enrollments(&es, &accs);
            for (r, e) in results.iter().zip(&es) {
                match r.status {
                    MatchStatus::NeedsConfirmation => prop_assert!(name_key(&e.planet_nickname).is_some()),
                    MatchStatus::PendingConfirmation => prop_assert!(name_key(&e.wechat_nickname).is_some()),
                    _ => {}
                }
                let by_name = matches!(r.status, MatchStatus::NeedsConfirmation | MatchStatus::PendingConfirmation);
                if let (true, Some(id)) = (by_name, r.user_id) {
                    // The same user_id may arrive twice (name and alias from
                    // different sources): one of its rows carries a real name.
                    let named = accs.iter().filter(|a| a.user_id == id).any(|a| {
                        name_key(&a.name).is_some() || a.alias.as_deref().and_then(name_key).is_some()
                    });
                    prop_assert!(named, "{} matched by a blank name", id);
                }
            }
        }

        #[test]
        fn order_of_inputs_does_not_matter(
            es in enrollments(),
            accs in accounts(),
            seed in any::<u64>(),
        ) {
            let before = match_enrollments(&es, &accs);
            let mut shuffled_es: Vec<(EnrollmentForMatch, MatchResult)> =
                es.iter().cloned().zip(before.iter().cloned()).collect();
            let mut shuffled_accs = accs.clone();
            shuffle(&mut shuffled_es, seed);
            shuffle(&mut shuffled_accs, seed.rotate_left(17));
            let (es2, expected): (Vec<_>, Vec<_>) = shuffled_es.into_iter().unzip();
            prop_assert_eq!(match_enrollments(&es2, &shuffled_accs), expected);
        }
    }

    /// A deterministic Fisher–Yates shuffle driven by a seed (xorshift).
    fn shuffle<T>(items: &mut [T], mut seed: u64) {
        for i in (1..items.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let j = (seed % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

//! Pure business rules that the server enforces and the apps mirror for instant
//! feedback: camp fields (PRD §4.2.1.2, §9.4) and staff accounts (§4.2.6.1).

use chrono::NaiveDate;

use crate::api::{CampRequest, CampStatus};
use crate::dates::span_days;
use crate::error::FieldErrors;
use crate::normalize::{self, clean_text};

pub const CAMP_NAME_MAX: usize = 50;
pub const CAMP_INTRO_MAX: usize = 500;
pub const CAMP_EXTERNAL_ID_MAX: usize = 64;
/// ¥100,000: far above any deposit, low enough to catch a typo in fen vs yuan.
pub const DEPOSIT_MAX_FEN: i64 = 10_000_000;
pub const POSTER_MAX_BYTES: usize = 2 * 1024 * 1024;
pub const GROUP_QR_MAX_BYTES: usize = 2 * 1024 * 1024;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

/// "10天7打卡".
pub fn requirement_label(total_days: i32, required_days: i32) -> String {
    format!("{total_days}天{required_days}打卡")
}

/// Checks a camp request against the rules that need nothing but the request
/// itself and today's date. `existing` is the camp being edited: once a camp has
/// started, its dates, requirement and deposit are frozen and "not before today"
/// no longer applies to its start.
pub fn validate_camp(
    req: &CampRequest,
    today: NaiveDate,
    existing: Option<&FrozenCampFields>,
) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let mut fail = |field: &str, message: &str| {
        errors
            .entry(field.to_owned())
            .or_insert_with(|| message.to_owned());
    };

    let name = req.name.trim();
    if name.is_empty() {
        fail("name", "请填写训练营名称");
    } else if name.chars().count() > CAMP_NAME_MAX {
        fail("name", "训练营名称最多50字");
    }
    if req.poster_upload_id.is_none() {
        fail("poster_upload_id", "请上传项目海报");
    }
    if req.group_qr_upload_id.is_none() {
        fail("group_qr_upload_id", "请上传群二维码");
    }
    if req.deposit_fen <= 0 {
        fail("deposit_fen", "押金金额必须大于0元");
    } else if req.deposit_fen > DEPOSIT_MAX_FEN {
        fail("deposit_fen", "押金金额不能超过100000元");
    }

    let frozen = existing.filter(|f| f.status != CampStatus::NotStarted);
    match (req.start_date, req.end_date) {
        (None, _) => fail("start_date", "请选择开始日期"),
        (_, None) => fail("end_date", "请选择结束日期"),
        (Some(start), Some(end)) => {
            if frozen.is_none() && start < today {
                fail("start_date", "开始日期不能早于今天");
            }
            if end <= start {
                fail("end_date", "结束日期必须晚于开始日期");
            } else if i64::from(req.total_days) > span_days(start, end) {
                fail(
                    "total_days",
                    &format!("总天数不能超过开始到结束的{}天", span_days(start, end)),
                );
            }
        }
    }
    if req.total_days < 1 {
        fail("total_days", "总天数至少为1天");
    }
    if req.required_days < 1 {
        fail("required_days", "要求打卡天数至少为1天");
    } else if req.required_days > req.total_days {
        fail("required_days", "要求打卡天数不能超过总天数");
    }
    if html_text_len(&req.intro_html) > CAMP_INTRO_MAX {
        fail("intro_html", "项目介绍最多500字");
    }
    if req.coach_ids.is_empty() {
        fail("coach_ids", "请至少选择一位项目教练");
    }
    if req
        .coach_ids
        .iter()
        .any(|id| req.volunteer_ids.contains(id))
    {
        fail("volunteer_ids", "同一人不能既是教练又是志愿者");
    }
    // Blank is allowed: "保存并发布知识星球" (PRD §4.2.1.2) saves the camp first
    // and then creates the project, which fills the ID in.
    if !req.planet_project_id.trim().is_empty() {
        check_external_id(
            &mut fail,
            "planet_project_id",
            &req.planet_project_id,
            "知识星球项目ID",
        );
    }
    check_external_id(
        &mut fail,
        "wecom_payee_id",
        &req.wecom_payee_id,
        "企业微信收款码ID",
    );

    if let Some(frozen) = frozen {
        let changed = req.start_date != Some(frozen.start_date)
            || req.end_date != Some(frozen.end_date)
            || req.total_days != frozen.total_days
            || req.required_days != frozen.required_days
            || req.deposit_fen != frozen.deposit_fen;
        if changed {
            errors.insert(
                "start_date".to_owned(),
                "训练营已开始，不能修改日期、打卡要求和押金".to_owned(),
            );
        }
    }
    errors
}

fn check_external_id(fail: &mut impl FnMut(&str, &str), field: &str, value: &str, label: &str) {
    let value = value.trim();
    if value.is_empty() {
        fail(field, &format!("请填写{label}"));
    } else if value.chars().count() > CAMP_EXTERNAL_ID_MAX
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
    {
        fail(
            field,
            &format!("{label}只能包含字母、数字、下划线和短横线，最多64位"),
        );
    }
}

/// The fields of a started camp that may no longer change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenCampFields {
    pub status: CampStatus,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub total_days: i32,
    pub required_days: i32,
    pub deposit_fen: i64,
}

/// Length in characters of the text a piece of (well-formed, sanitized) HTML
/// shows, the measure of "最多500字".
pub fn html_text_len(html: &str) -> usize {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let mut len = 0;
    let mut rest = text.as_str();
    while let Some(c) = rest.chars().next() {
        // An entity such as `&amp;` or `&#39;` is one character on screen.
        let entity_len = if c == '&' {
            rest.find(';').filter(|&end| end <= 8)
        } else {
            None
        };
        rest = &rest[entity_len.map_or(c.len_utf8(), |end| end + 1)..];
        len += 1;
    }
    len
}

/// Longest 星球昵称 or 微信昵称, in characters after [`clean_text`].
pub const NICKNAME_MAX: usize = 32;
/// Shortest 星球ID in canonical form: shorter numbers are typos, not accounts.
pub const PLANET_ID_MIN_DIGITS: usize = 5;

/// A sign-up form that passed [`parse_sign_up`], in the form it is stored and
/// looked up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUp {
    /// Cleaned ([`clean_text`]), 1–32 characters.
    pub planet_nickname: String,
    /// Canonical decimal ([`normalize::planet_id`]): no leading zeros, 5–19 digits.
    pub planet_id: String,
    /// Cleaned ([`clean_text`]), 1–32 characters.
    pub wechat_nickname: String,
}

/// The member sign-up form (PRD §4.1.2, issue 6 item 6): every field required,
/// names cleaned (a name of only spaces or invisible characters is missing),
/// the 星球ID — the number on the member's Knowledge Planet profile — in its
/// one canonical form, so `000346884121553` and `３４６８８４１２１５５３` are the
/// same member as `346884121553`. The H5 runs the same function before it posts.
///
/// Errors: a message per field (`planet_nickname`, `planet_id`, `wechat_nickname`).
pub fn parse_sign_up(
    planet_nickname: &str,
    planet_id: &str,
    wechat_nickname: &str,
) -> Result<SignUp, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut name = |field: &str, value: &str, label: &str| {
        let value = clean_text(value);
        if value.is_empty() {
            errors.insert(field.into(), format!("请填写{label}"));
        } else if value.chars().count() > NICKNAME_MAX {
            errors.insert(field.into(), format!("{label}最多32个字"));
        }
        value
    };
    let planet_nickname = name("planet_nickname", planet_nickname, "星球昵称");
    let wechat_nickname = name("wechat_nickname", wechat_nickname, "微信昵称");
    let canonical_id =
        normalize::planet_id(planet_id).filter(|id| id.len() >= PLANET_ID_MIN_DIGITS);
    if clean_text(planet_id).is_empty() {
        errors.insert("planet_id".into(), "请填写星球ID".into());
    } else if canonical_id.is_none() {
        errors.insert(
            "planet_id".into(),
            "星球ID应为5到20位数字，可在知识星球App「我的」页面查看".into(),
        );
    }
    match canonical_id {
        Some(planet_id) if errors.is_empty() => Ok(SignUp {
            planet_nickname,
            planet_id,
            wechat_nickname,
        }),
        _ => Err(errors),
    }
}

pub fn validate_username(username: &str) -> Option<&'static str> {
    let len = username.chars().count();
    if username.trim().is_empty() {
        Some("请填写用户名")
    } else if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        Some("用户名长度为3到32位")
    } else if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        Some("用户名只能包含字母、数字、下划线、短横线和点")
    } else {
        None
    }
}

pub fn validate_password(password: &str) -> Option<&'static str> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        Some("密码至少8位")
    } else if len > PASSWORD_MAX {
        Some("密码最多128位")
    } else if password.chars().all(|c| c.is_ascii_digit()) {
        Some("密码不能全是数字")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    /// Breaks one rule of a valid request.
    type Breaker = fn(&mut CampRequest);

    fn valid() -> CampRequest {
        CampRequest {
            name: "21天早起训练营".into(),
            poster_upload_id: Some("1".repeat(32)),
            group_qr_upload_id: Some("2".repeat(32)),
            deposit_fen: 9900,
            start_date: Some(date(12, 1)),
            end_date: Some(date(12, 10)),
            total_days: 10,
            required_days: 7,
            intro_html: "<p>每天早起</p>".into(),
            coach_ids: vec![3],
            volunteer_ids: vec![4],
            planet_project_id: "8424481182".into(),
            wecom_payee_id: "payee_01".into(),
        }
    }

    #[test]
    fn accepts_a_valid_camp() {
        assert_eq!(
            validate_camp(&valid(), date(11, 26), None),
            FieldErrors::new()
        );
    }

    #[test]
    fn names_each_broken_rule() {
        let today = date(11, 26);
        let cases: Vec<(Breaker, &str)> = vec![
            (|r| r.name = " ".into(), "name"),
            (|r| r.name = "营".repeat(51), "name"),
            (|r| r.poster_upload_id = None, "poster_upload_id"),
            (|r| r.group_qr_upload_id = None, "group_qr_upload_id"),
            (|r| r.deposit_fen = 0, "deposit_fen"),
            (|r| r.start_date = Some(date(11, 25)), "start_date"),
            (|r| r.end_date = Some(date(12, 1)), "end_date"),
            (|r| r.required_days = 11, "required_days"),
            (|r| r.total_days = 11, "total_days"),
            (
                |r| r.intro_html = format!("<p>{}</p>", "字".repeat(501)),
                "intro_html",
            ),
            (|r| r.coach_ids.clear(), "coach_ids"),
            (|r| r.volunteer_ids = vec![3], "volunteer_ids"),
            (|r| r.planet_project_id = "8 4".into(), "planet_project_id"),
            (|r| r.wecom_payee_id = "a b".into(), "wecom_payee_id"),
        ];
        for (break_it, field) in cases {
            let mut req = valid();
            break_it(&mut req);
            let errors = validate_camp(&req, today, None);
            assert!(
                errors.contains_key(field),
                "{field} not flagged: {errors:?}"
            );
        }
    }

    #[test]
    fn a_name_of_fifty_characters_is_fine() {
        let mut req = valid();
        req.name = "营".repeat(50);
        assert!(validate_camp(&req, date(11, 26), None).is_empty());
    }

    #[test]
    fn started_camps_keep_their_core_fields() {
        let req = valid();
        let frozen = FrozenCampFields {
            status: CampStatus::Ongoing,
            start_date: date(12, 1),
            end_date: date(12, 10),
            total_days: 10,
            required_days: 7,
            deposit_fen: 9900,
        };
        // Editing the name of a running camp is fine even though its start has passed.
        assert!(validate_camp(&req, date(12, 5), Some(&frozen)).is_empty());
        let mut moved = req.clone();
        moved.required_days = 6;
        assert!(validate_camp(&moved, date(12, 5), Some(&frozen)).contains_key("start_date"));
        let mut repriced = req;
        repriced.deposit_fen = 100;
        assert!(validate_camp(&repriced, date(12, 5), Some(&frozen)).contains_key("start_date"));
    }

    #[test]
    fn intro_length_counts_visible_characters() {
        assert_eq!(html_text_len("<p>早起<b>打卡</b></p>"), 4);
        assert_eq!(html_text_len("a &amp; b"), 5);
        assert_eq!(html_text_len(""), 0);
    }

    fn sign_up_errors(nickname: &str, id: &str, wechat: &str) -> FieldErrors {
        parse_sign_up(nickname, id, wechat)
            .err()
            .unwrap_or_default()
    }

    #[test]
    fn sign_up_fields_are_required() {
        assert_eq!(
            parse_sign_up("小王", "15555411851482", "wang"),
            Ok(SignUp {
                planet_nickname: "小王".into(),
                planet_id: "15555411851482".into(),
                wechat_nickname: "wang".into(),
            })
        );
        assert_eq!(sign_up_errors(" ", "", "").len(), 3);
        assert!(sign_up_errors("小王", "abc123", "wang").contains_key("planet_id"));
        assert!(
            sign_up_errors(&"名".repeat(33), "15555411851482", "wang")
                .contains_key("planet_nickname")
        );
    }

    #[test]
    fn sign_up_stores_cleaned_names_and_the_canonical_id() {
        let parsed = parse_sign_up(
            " 小\u{200B}王\u{0} ",
            "０００３４６８８４１２１５５３ ",
            "Ｗａｎｇ\t ",
        );
        assert_eq!(
            parsed,
            Ok(SignUp {
                planet_nickname: "小王".into(),
                planet_id: "346884121553".into(),
                wechat_nickname: "Wang".into(),
            })
        );
        // 32 characters once cleaned is fine, whatever surrounded them.
        assert!(parse_sign_up(&format!("  {}\u{FEFF}", "名".repeat(32)), "12345", "w").is_ok());
    }

    #[test]
    fn sign_up_refuses_invisible_names_and_short_ids() {
        let errors = sign_up_errors("\u{3164}\u{200B}", "12345", "\u{2800} \u{FEFF}");
        assert!(errors.contains_key("planet_nickname"), "{errors:?}");
        assert!(errors.contains_key("wechat_nickname"), "{errors:?}");
        for id in ["0001234", "0", "-12345", "99999999999999999999", "\u{200B}"] {
            assert!(
                sign_up_errors("小王", id, "wang").contains_key("planet_id"),
                "{id:?}"
            );
        }
    }

    #[test]
    fn usernames_and_passwords() {
        assert_eq!(validate_username("coach_li"), None);
        assert!(validate_username("ab").is_some());
        assert!(validate_username("李教练").is_some());
        assert_eq!(validate_password("s3cret-pass"), None);
        assert!(validate_password("short").is_some());
        assert!(validate_password("12345678").is_some());
    }
}

//! One normalisation of what people type, shared by sign-up (the H5 and the
//! server), identity matching (PRD §7) and the check-in import: names stored
//! as typed but cleaned, names compared by key, and 星球IDs in one canonical
//! form (issue 6 item 6, issue 9 "Matching").
//!
//! Unicode handling leans on the `unicode-normalization` (NFKC) and
//! `unicode-properties` (general category, emoji) crates; what is ours is the
//! list of characters that look blank.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};
use unicode_properties::{
    GeneralCategory, GeneralCategoryGroup, UnicodeEmoji, UnicodeGeneralCategory,
};

/// The zero width joiner, kept only inside emoji sequences such as 🏃‍♀️.
const ZWJ: char = '\u{200D}';

/// A name as it will be stored and shown: NFKC (full-width letters and digits
/// become half-width), control characters and invisible format characters
/// (zero-width space, BOM, bidi marks, soft hyphen…) removed, every kind of
/// whitespace and blank lookalike (Hangul filler U+3164, braille blank U+2800…)
/// made a plain space, runs of spaces collapsed, both ends trimmed.
///
/// A string of nothing but combining marks (a lone variation selector, say)
/// has nothing to show and becomes empty. Never panics; linear in the input.
/// Idempotent: `clean_text(&clean_text(s)) == clean_text(s)`.
pub fn clean_text(s: &str) -> String {
    // Filtering before NFKC keeps a removed character from separating a letter
    // from its accent only to let them compose on a second pass; filtering
    // again after it catches what compatibility mappings produce (U+00A0 → ' ').
    let pre = filter_chars(s);
    // Most names are already NFKC (plain Chinese, ASCII): the quick check
    // spares the matching of 10 000 accounts a second and third pass.
    let cleaned = if is_nfkc_quick(pre.chars()) == IsNormalized::Yes {
        pre
    } else {
        filter_chars(&pre.nfkc().collect::<String>())
    };

    let mut out = String::with_capacity(cleaned.len());
    for c in cleaned.chars() {
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    if out.ends_with(' ') {
        out.pop();
    }
    if out.chars().all(|c| c == ' ' || is_mark(c)) {
        out.clear();
    }
    out
}

/// The key two names are compared by (PRD §7 tiers 66 % and 33 %): the
/// [`clean_text`] form, lower-cased. `None` for a name that is empty, blank or
/// invisible once cleaned: such a name never matches anything.
pub fn name_key(s: &str) -> Option<String> {
    let cleaned = clean_text(s);
    let lower = cleaned.to_lowercase();
    // Lower-casing can leave a string that is no longer NFKC (`İ` → `i̇`).
    let key = if lower == cleaned || lower.is_ascii() {
        lower
    } else {
        clean_text(&lower)
    };
    (!key.is_empty()).then_some(key)
}

/// A 星球ID (Knowledge Planet `user_id`) in canonical decimal form: NFKC
/// (full-width digits), whitespace and invisible characters removed, leading
/// zeros stripped; then 1–20 ASCII digits that fit an `i64` and are above 0.
/// `000346884121553`, ` 346884121553 ` and `３４６８８４１２１５５３` all give
/// `Some("346884121553")`; anything else is `None`.
pub fn planet_id(s: &str) -> Option<String> {
    let compact: String = s
        .nfkc()
        .filter(|&c| !c.is_whitespace() && !is_blank_lookalike(c) && !is_invisible(c))
        .collect();
    let digits = compact.trim_start_matches('0');
    if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id: i64 = digits.parse().ok()?;
    (id > 0).then(|| id.to_string())
}

/// One pass over the characters: invisibles dropped, blanks made ' '.
fn filter_chars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() || is_blank_lookalike(c) {
            out.push(' ');
        } else if c == ZWJ {
            // 🏃‍♀️ is one picture; a joiner anywhere else is an invisible
            // character that would make two equal-looking names differ.
            let joins_emoji = out.chars().next_back().is_some_and(is_emoji)
                && chars.peek().is_some_and(|&next| is_emoji(next));
            if joins_emoji {
                out.push(c);
            }
        } else if !is_invisible(c) {
            out.push(c);
        }
    }
    out
}

/// Control (Cc), format (Cf: zero-width space, BOM, bidi marks, soft hyphen,
/// tags…), and the default-ignorable marks that draw nothing (U+034F combining
/// grapheme joiner, U+17B4/U+17B5 Khmer inherent vowels, Mongolian variation
/// selectors U+180B–U+180D). Variation selectors U+FE00–U+FE0F are kept: they
/// choose how an emoji looks.
fn is_invisible(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Control | GeneralCategory::Format
    ) || matches!(
        c,
        '\u{034F}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180D}'
    )
}

/// Characters that are not Unicode whitespace yet render as an empty cell, so
/// people use them for "blank" nicknames: the Hangul fillers and the braille
/// blank.
fn is_blank_lookalike(c: char) -> bool {
    matches!(
        c,
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}'
    )
}

fn is_mark(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Mark
}

/// A picture emoji (not the ASCII digits, `#` and `*`, which are also `Emoji=Yes`).
fn is_emoji(c: char) -> bool {
    !c.is_ascii() && c.is_emoji_char()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn full_width_is_half_width() {
        assert_eq!(clean_text("Ｓｕｎｎｙ１７"), "Sunny17");
        assert_eq!(clean_text("小林　２０"), "小林 20");
        assert_eq!(name_key("ＳＵＮＮＹ"), name_key("sunny"));
    }

    #[test]
    fn controls_and_invisibles_go() {
        assert_eq!(clean_text("小\u{0}王"), "小王");
        assert_eq!(clean_text("\u{FEFF}小\u{200B}王\u{200E}\u{202E}"), "小王");
        assert_eq!(clean_text("a\u{00AD}b\u{7F}c\u{1B}"), "abc");
        assert_eq!(clean_text("\u{E0041}x"), "x");
    }

    #[test]
    fn whitespace_of_every_kind_collapses() {
        assert_eq!(clean_text("  张\t\n三 \u{3000}\u{00A0} 丰 "), "张 三 丰");
        assert_eq!(clean_text("张\u{3164}三"), "张 三");
        assert_eq!(clean_text("a\u{2028}b\u{0085}c"), "a b c");
    }

    #[test]
    fn blank_and_invisible_only_names_are_empty() {
        for blank in [
            "",
            "   ",
            "\u{3164}\u{3164}",
            "\u{2800}",
            "\u{200B}\u{200D}\u{FEFF}",
            "\u{115F}\u{1160}\u{FFA0}",
            "\u{FE0F}",
            " \u{0301} ",
            "\u{0}\u{1}",
        ] {
            assert_eq!(clean_text(blank), "", "{blank:?}");
            assert_eq!(name_key(blank), None, "{blank:?}");
        }
    }

    #[test]
    fn emoji_names_survive() {
        assert_eq!(clean_text("晨跑的猫13🐰"), "晨跑的猫13🐰");
        assert_eq!(clean_text("橙子🍊15"), "橙子🍊15");
        // The joiner inside a sequence stays; a stray one does not.
        assert_eq!(
            clean_text("跑者🏃\u{200D}♀\u{FE0F}"),
            "跑者🏃\u{200D}♀\u{FE0F}"
        );
        assert_eq!(clean_text("小\u{200D}王"), "小王");
        assert_eq!(clean_text("1\u{200D}2"), "12");
    }

    #[test]
    fn name_keys_ignore_case() {
        assert_eq!(name_key(" Momo32 "), Some("momo32".into()));
        assert_eq!(name_key("ΣΊΣΥΦΟΣ"), name_key("σίσυφος"));
        assert_ne!(name_key("Momo32"), name_key("Momo 32"));
    }

    #[test]
    fn planet_ids_have_one_form() {
        let canonical = Some("346884121553".to_owned());
        for typed in [
            "346884121553",
            "000346884121553",
            " 346884121553 ",
            "346 884 121 553",
            "３４６８８４１２１５５３",
            "\u{200B}346884121553\u{FEFF}",
            "３4６884121553\u{3000}",
        ] {
            assert_eq!(planet_id(typed), canonical, "{typed:?}");
        }
    }

    #[test]
    fn planet_ids_out_of_range_are_refused() {
        for bad in [
            "",
            "  ",
            "0",
            "0000",
            "-5",
            "+5",
            "12a",
            "1.5",
            "٣٤٦",
            "9223372036854775808",
            "12345678901234567890",
        ] {
            assert_eq!(planet_id(bad), None, "{bad:?}");
        }
        assert_eq!(
            planet_id("9223372036854775807"),
            Some("9223372036854775807".into())
        );
        assert_eq!(
            planet_id("09223372036854775807"),
            Some("9223372036854775807".into())
        );
    }

    proptest! {
        #[test]
        fn clean_text_is_idempotent(s in any::<String>()) {
            let once = clean_text(&s);
            prop_assert_eq!(clean_text(&once), once);
        }

        #[test]
        fn clean_text_leaves_no_controls_or_edges(s in any::<String>()) {
            let cleaned = clean_text(&s);
            prop_assert!(!cleaned.chars().any(|c| c.is_control() || is_invisible(c) || is_blank_lookalike(c)));
            prop_assert!(!cleaned.chars().any(|c| c.is_whitespace() && c != ' '));
            prop_assert!(!cleaned.starts_with(' ') && !cleaned.ends_with(' '));
            prop_assert!(!cleaned.contains("  "));
        }

        #[test]
        fn clean_text_handles_mixed_junk(
            parts in proptest::collection::vec(
                prop_oneof![
                    "[a-zA-Z0-9]{0,3}",
                    "[Ａ-Ｚａ-ｚ０-９]{0,3}",
                    "[\u{0}-\u{1F}\u{7F}\u{200B}-\u{200F}\u{FEFF}\u{3164}\u{2800}\u{3000} ]{0,3}",
                    "[小王晨跑的猫🐰🍊🏃\u{200D}\u{FE0F}\u{0301}]{0,3}",
                ],
                0..8,
            )
        ) {
            let s: String = parts.concat();
            let once = clean_text(&s);
            prop_assert_eq!(clean_text(&once), once.clone());
            prop_assert!(!once.chars().any(|c| c.is_control()));
        }

        #[test]
        fn full_width_and_half_width_agree(s in "[!-~]{0,24}") {
            let full: String = s
                .chars()
                .map(|c| char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c))
                .collect();
            prop_assert_eq!(clean_text(&full), clean_text(&s));
            prop_assert_eq!(name_key(&full), name_key(&s.to_uppercase()));
        }

        #[test]
        fn name_key_is_stable(s in any::<String>()) {
            let key = name_key(&s);
            prop_assert_eq!(key.as_deref().and_then(name_key), key.clone());
        }

        #[test]
        fn planet_id_forms_agree(id in 1..=i64::MAX, zeros in 0usize..6, pad in "[ \u{3000}\t]{0,3}") {
            let plain = id.to_string();
            let full: String = plain
                .chars()
                .map(|c| char::from_u32(c as u32 - 0x30 + 0xFF10).unwrap_or(c))
                .collect();
            let padded = format!("{pad}{}{plain}{pad}", "0".repeat(zeros));
            prop_assert_eq!(planet_id(&plain), Some(plain.clone()));
            prop_assert_eq!(planet_id(&full), Some(plain.clone()));
            prop_assert_eq!(planet_id(&padded), Some(plain.clone()));
        }

        #[test]
        fn planet_id_is_canonical(s in any::<String>()) {
            if let Some(id) = planet_id(&s) {
                prop_assert_eq!(planet_id(&id), Some(id.clone()));
                prop_assert!(id.parse::<i64>().is_ok_and(|n| n > 0));
                prop_assert!(!id.starts_with('0'));
            }
        }
    }
}

//! Money is `i64` fen everywhere; these helpers turn it into and out of yuan text.

/// `1234` → `"¥12.34"`.
pub fn format_fen(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}¥{}.{:02}", abs / 100, abs % 100)
}

/// Parses a yuan amount typed by a person (`"99"`, `"99.9"`, `"99.90"`) into fen.
/// At most two decimals; no sign, no exponent, no thousands separators.
pub fn parse_yuan(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    if whole.is_empty() || whole.len() > 9 || frac.len() > 2 {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    Some(whole * 100 + frac)
}

/// `1234` → `"12.34"`, the form an input box shows.
pub fn fen_to_yuan_input(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, fen % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_fen_as_yuan() {
        assert_eq!(format_fen(0), "¥0.00");
        assert_eq!(format_fen(9900), "¥99.00");
        assert_eq!(format_fen(1205), "¥12.05");
        assert_eq!(format_fen(-50), "-¥0.50");
    }

    #[test]
    fn parses_yuan_strictly() {
        assert_eq!(parse_yuan("99"), Some(9900));
        assert_eq!(parse_yuan(" 99.9 "), Some(9990));
        assert_eq!(parse_yuan("0.01"), Some(1));
        assert_eq!(parse_yuan("99.999"), None);
        assert_eq!(parse_yuan("-1"), None);
        assert_eq!(parse_yuan("1e3"), None);
        assert_eq!(parse_yuan(""), None);
        assert_eq!(parse_yuan(".5"), None);
    }

    #[test]
    fn round_trips_input_text() {
        assert_eq!(fen_to_yuan_input(9900), "99");
        assert_eq!(fen_to_yuan_input(9905), "99.05");
        assert_eq!(parse_yuan(&fen_to_yuan_input(12345)), Some(12345));
    }
}

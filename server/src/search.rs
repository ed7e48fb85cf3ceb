//! Substring search over text columns with one behaviour on SQLite and
//! PostgreSQL: ASCII letters match regardless of case, every other character
//! matches exactly, and `%`, `_` and `\` in the search text are literal.
//!
//! Why ASCII only: SQLite's `LOWER` (without ICU) folds only A–Z, while
//! PostgreSQL's folds all of Unicode; folding the same 26 letters on both
//! (`TRANSLATE` on PostgreSQL) is the one way the two agree on every input.
//! Chinese names have no case, and 星球IDs are digits.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, DbBackend};

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

/// `column` contains `text`, as described above.
pub fn contains(backend: DbBackend, column: impl ColumnTrait, text: &str) -> Expr {
    let column = Expr::col(column.as_column_ref());
    let folded = match backend {
        DbBackend::Postgres => Func::cust("TRANSLATE").arg(column).arg(UPPER).arg(LOWER),
        _ => Func::lower(column),
    };
    Expr::expr(folded).like(LikeExpr::new(pattern(text)).escape('\\'))
}

/// `%text%` with the wildcards and the escape character of `text` escaped.
fn pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c.to_ascii_lowercase());
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_literal_and_ascii_is_folded() {
        assert_eq!(pattern("Early_Bird 100%"), r"%early\_bird 100\%%");
        assert_eq!(pattern(r"a\b"), r"%a\\b%");
        assert_eq!(pattern("小王ÄB"), "%小王Äb%");
    }
}

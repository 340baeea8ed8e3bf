//! Case-insensitive text matching that treats user text literally (no LIKE wildcards).

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};
use sea_orm::{ColumnTrait, IntoSimpleExpr};

/// Escapes LIKE's wildcards so user text matches literally.
pub fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `lower(column) LIKE lower(text)%`.
pub fn starts_with(column: impl ColumnTrait, text: &str) -> SimpleExpr {
    lower_like(column, format!("{}%", escape_like(&text.to_lowercase())))
}

/// `lower(column) LIKE %lower(text)%`.
pub fn contains(column: impl ColumnTrait, text: &str) -> SimpleExpr {
    lower_like(column, format!("%{}%", escape_like(&text.to_lowercase())))
}

fn lower_like(column: impl ColumnTrait, pattern: String) -> SimpleExpr {
    Expr::expr(Func::lower(column.into_simple_expr())).like(LikeExpr::new(pattern).escape('\\'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_in_user_text_match_literally() {
        assert_eq!(super::escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}

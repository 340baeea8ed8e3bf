//! Free text a person writes to say why (a rejection, an escalation's step): trimmed, never
//! blank where a reason is owed, and bounded, so a history stays readable.

use super::{ApiError, ApiResult};

/// A note at most this long, unless its place says otherwise.
pub const MAX_CHARS: usize = 2_000;

/// `text` trimmed; refused when blank (`kept` says where it goes, for the person who must
/// write it) or longer than `max` characters.
pub fn required(field: &str, text: &str, max: usize, kept: &str) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::BadUserInput(format!("`{field}` must say why: {kept}")));
    }
    if text.chars().count() > max {
        return Err(ApiError::BadUserInput(format!("`{field}` is at most {max} characters")));
    }
    Ok(text.to_owned())
}

/// An optional note: trimmed, none when blank, refused when longer than `max` characters.
pub fn optional(field: &str, text: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) if text.chars().count() > max => {
            Err(ApiError::BadUserInput(format!("`{field}` is at most {max} characters")))
        }
        text => Ok(text.map(str::to_owned)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_trimmed_never_blank_and_bounded() {
        assert_eq!(required("note", "  late filing \n", 20, "kept").unwrap(), "late filing");
        assert!(required("note", " \t\n", 20, "kept").is_err());
        assert!(required("note", &"é".repeat(21), 20, "kept").is_err());
        assert_eq!(optional("note", Some("  "), 20).unwrap(), None);
        assert_eq!(optional("note", Some(" ok "), 20).unwrap().as_deref(), Some("ok"));
        assert!(optional("note", Some(&"x".repeat(21)), 20).is_err());
    }
}

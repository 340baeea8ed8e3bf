//! Element values as the 005010 guides define them, read strictly: an amount that is not
//! plain digits is refused, never guessed at (`1e9999`, `NaN`, `-0` and `1,000` are not X12).

use crate::error::{Error, Problem};
use crate::segments::Segment;
use chrono::NaiveDate;

/// The longest amount X12 allows (R, 1 to 18 characters).
const MAX_AMOUNT_CHARS: usize = 18;

/// An amount (X12 type R: an optional minus, digits, an optional point and decimals) in
/// cents. Decimals past the second must be zeros; a negative zero is refused, as is
/// anything too large for cents to hold exactly.
pub fn parse_cents(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > MAX_AMOUNT_CHARS {
        return None;
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty()
        || !all_digits(whole)
        || !all_digits(fraction)
        || digits.ends_with('.')
        || fraction.len() > 2 && fraction[2..].bytes().any(|b| b != b'0')
        || whole.len() > 15
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut fraction = fraction.bytes().take(2).map(|b| i64::from(b - b'0')).collect::<Vec<_>>();
    fraction.resize(2, 0);
    let cents = whole * 100 + fraction[0] * 10 + fraction[1];
    match (negative, cents) {
        (true, 0) => None,
        (true, c) => Some(-c),
        (false, c) => Some(c),
    }
}

/// Element `n` as an amount in cents; required.
pub fn cents(segment: &Segment, n: usize) -> Result<i64, Error> {
    optional_cents(segment, n)?.ok_or_else(|| Error::at(segment.at(n), Problem::Missing))
}

/// Element `n` as an amount in cents, if sent.
pub fn optional_cents(segment: &Segment, n: usize) -> Result<Option<i64>, Error> {
    let text = segment.element(n);
    if text.is_empty() {
        return Ok(None);
    }
    parse_cents(text).map(Some).ok_or_else(|| Error::at(segment.at(n), Problem::NotAnAmount))
}

/// A quantity (units, a CAS quantity): a decimal number, kept as sent once checked.
pub fn optional_quantity(segment: &Segment, n: usize) -> Result<Option<String>, Error> {
    let text = segment.element(n);
    if text.is_empty() {
        return Ok(None);
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = text.len() <= 15
        && !(whole.is_empty() && fraction.is_empty())
        && whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
        && !digits.ends_with('.');
    if ok { Ok(Some(text.to_owned())) } else { Err(Error::at(segment.at(n), Problem::NotANumber)) }
}

/// A date as CCYYMMDD, a real day of the calendar.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y%m%d").ok()
}

/// Element `n` as a date; required.
pub fn date(segment: &Segment, n: usize) -> Result<NaiveDate, Error> {
    let text = segment.element(n);
    if text.is_empty() {
        return Err(Error::at(segment.at(n), Problem::Missing));
    }
    parse_date(text).ok_or_else(|| Error::at(segment.at(n), Problem::NotADate))
}

/// Element `n`, required and at most `max` characters.
pub fn text(segment: &Segment, n: usize, max: usize) -> Result<String, Error> {
    optional_text(segment, n, max)?.ok_or_else(|| Error::at(segment.at(n), Problem::Missing))
}

/// Element `n` if sent, at most `max` characters.
pub fn optional_text(segment: &Segment, n: usize, max: usize) -> Result<Option<String>, Error> {
    let value = segment.element(n).trim();
    match value.len() {
        0 => Ok(None),
        len if len > max => Err(Error::at(segment.at(n), Problem::TooLong)),
        _ => Ok(Some(value.to_owned())),
    }
}

/// Element `n`, required, one of `codes`.
pub fn code(segment: &Segment, n: usize, codes: &[&str]) -> Result<String, Error> {
    let value = segment.element(n);
    if value.is_empty() {
        return Err(Error::at(segment.at(n), Problem::Missing));
    }
    if codes.contains(&value) { Ok(value.to_owned()) } else { Err(Error::at(segment.at(n), Problem::UnknownCode)) }
}

/// A code from an external list (CARC, RARC, CPT/HCPCS, a modifier): letters and digits,
/// at most `max` of them. Whether the list holds it is the caller's question.
pub fn is_code(text: &str, max: usize) -> bool {
    !text.is_empty() && text.len() <= max && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_plain_digits_in_cents() {
        for (text, cents) in [
            ("415", 41_500),
            ("415.00", 41_500),
            ("62.5", 6_250),
            (".5", 50),
            ("-140", -14_000),
            ("0", 0),
            ("0.00", 0),
            ("12.3400", 1_234),
            ("999999999999999.99", 99_999_999_999_999_999),
        ] {
            assert_eq!(parse_cents(text), Some(cents), "{text}");
        }
        for text in [
            "", "-", ".", "1.", "1e9999", "NaN", "inf", "-0", "-0.00", "+5", "1,000", "1.005", " 5", "5 ", "--5",
            "1.2.3",
        ] {
            assert_eq!(parse_cents(text), None, "{text:?}");
        }
        assert_eq!(parse_cents("1234567890123456"), None, "more than 15 whole digits");
    }

    #[test]
    fn dates_are_days_of_the_calendar() {
        assert_eq!(parse_date("20260318"), NaiveDate::from_ymd_opt(2026, 3, 18));
        assert_eq!(parse_date("20240229"), NaiveDate::from_ymd_opt(2024, 2, 29));
        for text in ["20251399", "20250229", "2026031", "202603180", "2026-03-18", "00000000"] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }
}

//! Days a request names, turned into the instants that bound them. chrono's calendar ends
//! (at `+262142-12-31`) and `day + 1 day` there panics; a hostile or mistyped date must be
//! a refusal in words, never a dead request. Every period a request gives goes through here.

use crate::{ApiError, ApiResult};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// The first instant of `day`, in UTC.
pub fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The first instant after `day` (a period "to `day`" includes all of it); `BAD_USER_INPUT`
/// naming `field` for the last day of the calendar.
pub fn end_of(day: NaiveDate, field: &str) -> ApiResult<DateTime<Utc>> {
    day.succ_opt().map(start_of).ok_or_else(|| too_far(field, day))
}

/// `days` before `day`; `BAD_USER_INPUT` naming `field` before the calendar's first day.
pub fn days_before(day: NaiveDate, days: u64, field: &str) -> ApiResult<NaiveDate> {
    day.checked_sub_days(chrono::Days::new(days)).ok_or_else(|| too_far(field, day))
}

fn too_far(field: &str, day: NaiveDate) -> ApiError {
    ApiError::BadUserInput(format!("`{field}` {day} is beyond the dates ward counts in"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calendars_ends_are_refusals_not_panics() {
        assert!(end_of(NaiveDate::MAX, "to").is_err());
        assert!(days_before(NaiveDate::MIN, 90, "to").is_err());
        let day = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(end_of(day, "to").unwrap().to_rfc3339(), "2027-01-01T00:00:00+00:00");
        assert_eq!(days_before(day, 90, "to").unwrap(), NaiveDate::from_ymd_opt(2026, 10, 2).unwrap());
    }
}

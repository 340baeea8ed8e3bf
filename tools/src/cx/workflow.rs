//! The ticket's rules: its one transition table, and SLA due times from priority.

use crate::kit::{ApiError, ApiResult};
use chrono::{DateTime, Duration, Utc};
use entities::ticket::{TicketPriority, TicketStatus};

/// Where a ticket may go from each status.
pub fn allowed_moves(from: TicketStatus) -> &'static [TicketStatus] {
    use TicketStatus::*;
    match from {
        Open => &[Pending, Resolved],
        Pending => &[Open, Resolved],
        Resolved => &[Closed, Open],
        Closed => &[],
    }
}

pub fn status_name(status: TicketStatus) -> &'static str {
    match status {
        TicketStatus::Open => "open",
        TicketStatus::Pending => "pending",
        TicketStatus::Resolved => "resolved",
        TicketStatus::Closed => "closed",
    }
}

/// `BAD_USER_INPUT` naming the allowed moves, unless `from → to` is in the table.
pub fn check_transition(from: TicketStatus, to: TicketStatus) -> ApiResult<()> {
    let allowed = allowed_moves(from);
    if allowed.contains(&to) {
        return Ok(());
    }
    let names: Vec<&str> = allowed.iter().map(|s| status_name(*s)).collect();
    let allowed = if names.is_empty() { "none: it is final".to_owned() } else { names.join(", ") };
    Err(ApiError::BadUserInput(format!(
        "a {} ticket cannot move to {}; allowed: {allowed}",
        status_name(from),
        status_name(to)
    )))
}

/// Hours to first resolution, by priority (`WARD_SLA_HOURS`, e.g. `urgent=4,high=8,normal=24,low=72`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlaHours {
    pub urgent: i64,
    pub high: i64,
    pub normal: i64,
    pub low: i64,
}

impl SlaHours {
    pub const DEFAULT: Self = SlaHours { urgent: 4, high: 8, normal: 24, low: 72 };
}

impl Default for SlaHours {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// As `parse` reads it: `urgent=4,high=8,normal=24,low=72`.
impl std::fmt::Display for SlaHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "urgent={},high={},normal={},low={}", self.urgent, self.high, self.normal, self.low)
    }
}

impl SlaHours {
    pub fn due(&self, priority: TicketPriority, from: DateTime<Utc>) -> DateTime<Utc> {
        let hours = match priority {
            TicketPriority::Urgent => self.urgent,
            TicketPriority::High => self.high,
            TicketPriority::Normal => self.normal,
            TicketPriority::Low => self.low,
        };
        from + Duration::hours(hours)
    }

    /// Parses `urgent=4,high=8,normal=24,low=72` (any subset; the rest keep their default).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut sla = SlaHours::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, hours) = part.split_once('=').ok_or_else(|| format!("{part:?} is not priority=hours"))?;
            let hours: i64 = hours
                .trim()
                .parse()
                .ok()
                .filter(|h| *h > 0)
                .ok_or_else(|| format!("{part:?}: hours must be a positive number"))?;
            match name.trim() {
                "urgent" => sla.urgent = hours,
                "high" => sla.high = hours,
                "normal" => sla.normal = hours,
                "low" => sla.low = hours,
                other => return Err(format!("{other:?} is not a priority (urgent, high, normal, low)")),
            }
        }
        Ok(sla)
    }
}

/// Past its SLA: unresolved after the due time, or resolved after it.
pub fn sla_breached(
    status: TicketStatus,
    due: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    match (status, resolved_at) {
        (TicketStatus::Open | TicketStatus::Pending, _) => now > due,
        (_, Some(resolved)) => resolved > due,
        (_, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketStatus::*;

    #[test]
    fn the_transition_table_is_designs() {
        for (from, to) in [
            (Open, Pending),
            (Pending, Open),
            (Open, Resolved),
            (Pending, Resolved),
            (Resolved, Closed),
            (Resolved, Open),
        ] {
            assert!(check_transition(from, to).is_ok(), "{from:?} -> {to:?}");
        }
        for (from, to) in [(Open, Closed), (Pending, Closed), (Closed, Open), (Resolved, Pending), (Open, Open)] {
            assert!(check_transition(from, to).is_err(), "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn sla_hours_parse_and_refuse_nonsense() {
        assert_eq!(SlaHours::parse("urgent=2, low=96").unwrap(), SlaHours { urgent: 2, high: 8, normal: 24, low: 96 });
        assert!(SlaHours::parse("urgent=-1").is_err());
        assert!(SlaHours::parse("asap=1").is_err());
        assert!(SlaHours::parse("urgent").is_err());
    }
}

//! Active staff members by `sub`, kept between requests so that a request's authentication
//! costs no statement of its own.
//!
//! Correctness before speed: the cache answers only while this instance is listening on
//! PostgreSQL's `ward_staff` channel, which a trigger on `staff` (migration 17) notifies on
//! every change, whoever makes it (another instance, the CLI, an operator's SQL). Each
//! notification empties the cache; so does losing the listening connection, after which the
//! cache stays off until listening resumes. A change made through this instance empties it
//! before the change is answered. An entry also lapses after [`TTL`], a bound on staleness
//! should a notification ever be missed. On SQLite (one process, no notifications) the cache
//! is never turned on.
//!
//! A generation counter closes the remaining race: a lookup that started before a change
//! was announced may not store what it read.

use entities::staff;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// The PostgreSQL channel the `staff` trigger notifies.
pub const STAFF_CHANNEL: &str = "ward_staff";
/// The longest an entry is trusted without a notification.
pub const TTL: Duration = Duration::from_secs(60);
/// More distinct members than this, and the cache starts over (staff, not patients: small).
const MAX_ENTRIES: usize = 10_000;

#[derive(Clone, Default)]
pub struct StaffCache {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// On only while notifications are being received.
    live: AtomicBool,
    generation: AtomicU64,
    members: RwLock<HashMap<String, (Instant, staff::Model)>>,
}

/// Where a lookup started: what it reads may be stored only if nothing changed since.
#[derive(Clone, Copy)]
pub struct Ticket(u64);

impl StaffCache {
    /// The cached active member `sub`, while the cache is live and the entry fresh.
    pub fn get(&self, sub: &str) -> Option<staff::Model> {
        if !self.inner.live.load(Ordering::Acquire) {
            return None;
        }
        let members = self.inner.members.read().ok()?;
        let (at, member) = members.get(sub)?;
        (at.elapsed() < TTL).then(|| member.clone())
    }

    /// Taken before reading a member from the database.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.inner.generation.load(Ordering::Acquire))
    }

    /// Keeps an active member read since `ticket`, unless staff changed in between.
    pub fn put(&self, ticket: Ticket, member: &staff::Model) {
        if !member.active || !self.inner.live.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut members) = self.inner.members.write() else { return };
        // Checked under the lock `changed` also takes: no change can slip between.
        if self.inner.generation.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if members.len() >= MAX_ENTRIES {
            members.clear();
        }
        members.insert(member.sub.clone(), (Instant::now(), member.clone()));
    }

    /// Staff changed (a notification, or a change through this instance): forget everyone.
    pub fn changed(&self) {
        if let Ok(mut members) = self.inner.members.write() {
            self.inner.generation.fetch_add(1, Ordering::AcqRel);
            members.clear();
        }
    }

    /// Notifications are arriving (`true`) or may be missed (`false`); either way, start over.
    pub fn set_live(&self, live: bool) {
        self.changed();
        self.inner.live.store(live, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(sub: &str, active: bool) -> staff::Model {
        staff::Model {
            id: uuid::Uuid::now_v7(),
            sub: sub.into(),
            display_name: sub.into(),
            title: None,
            email: format!("{sub}@example.com"),
            active,
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn nothing_is_served_until_notifications_arrive() {
        let cache = StaffCache::default();
        cache.put(cache.ticket(), &member("alice", true));
        assert!(cache.get("alice").is_none());
        cache.set_live(true);
        cache.put(cache.ticket(), &member("alice", true));
        assert_eq!(cache.get("alice").map(|m| m.sub), Some("alice".into()));
        cache.set_live(false);
        assert!(cache.get("alice").is_none(), "a lost listener turns the cache off");
    }

    #[test]
    fn a_read_that_started_before_a_change_is_not_kept() {
        let cache = StaffCache::default();
        cache.set_live(true);
        let ticket = cache.ticket();
        cache.changed();
        cache.put(ticket, &member("alice", true));
        assert!(cache.get("alice").is_none());
    }

    #[test]
    fn a_deactivated_member_is_never_kept() {
        let cache = StaffCache::default();
        cache.set_live(true);
        cache.put(cache.ticket(), &member("alice", false));
        assert!(cache.get("alice").is_none());
    }
}

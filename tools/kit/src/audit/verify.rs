//! Walking the chain: every sequence number present in order, every link pointing at the
//! previous hash, every hash matching its event.

use super::GENESIS;
use super::chain::link_hash;
use crate::ApiResult;
use entities::audit_event;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

const PAGE: u64 = 10_000;

/// The first broken link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub reason: String,
}

/// `Ok(Ok(n))` when all `n` events chain; `Ok(Err(broken))` at the first break.
pub async fn verify(db: &impl ConnectionTrait) -> ApiResult<Result<u64, Broken>> {
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS.to_owned();
    loop {
        let page = audit_event::Entity::find()
            .filter(audit_event::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_event::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        if page.is_empty() {
            return Ok(Ok((expected_seq - 1) as u64));
        }
        for event in page {
            let broken = |reason: &str| Ok(Err(Broken { seq: expected_seq, reason: reason.to_owned() }));
            if event.seq != expected_seq {
                return broken("missing: the sequence jumps here (an event was deleted)");
            }
            if event.prev_hash != prev_hash {
                return broken("does not point at the previous event (events were removed or reordered)");
            }
            if link_hash(&prev_hash, &event) != event.hash {
                return broken("its content does not match its hash (the event was changed)");
            }
            prev_hash = event.hash;
            expected_seq += 1;
        }
    }
}

//! Synthetic data: the demo staff, and patients with everything around them.
//!
//! No real person's data: names come from common-name lists, emails are at example.com,
//! phone numbers in the fictional 555-01xx range. The same seed gives the same data.

mod batch;
mod medical;
mod names;
mod ops;
mod part2;
mod population;
mod sensitive;
pub mod staff;

use sea_orm::{DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, TransactionTrait};
use std::time::Instant;

#[derive(Clone, Debug)]
pub struct SeedOptions {
    pub patients: u32,
    pub seed: u64,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions { patients: 200, seed: 42 }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum SeedOutcome {
    /// The database held data already: nothing was written.
    AlreadySeeded {
        staff: u64,
        patients: u64,
    },
    Seeded {
        rows: u64,
        millis: u128,
    },
}

/// Seeds an empty database in one transaction; leaves a database with data untouched.
pub async fn seed(db: &DatabaseConnection, options: &SeedOptions) -> Result<SeedOutcome, DbErr> {
    let started = Instant::now();
    let txn = db.begin().await?;
    let staff = entities::staff::Entity::find().count(&txn).await?;
    let patients = entities::patient::Entity::find().count(&txn).await?;
    if staff > 0 || patients > 0 {
        return Ok(SeedOutcome::AlreadySeeded { staff, patients });
    }
    let mut rows = staff::insert_demo_staff(&txn).await?;
    rows += staff::insert_demo_macros(&txn).await?;
    rows += population::insert(&txn, options).await?;
    rows += sensitive::insert(&txn, options.seed, chrono::Utc::now()).await?;
    txn.commit().await?;
    Ok(SeedOutcome::Seeded { rows, millis: started.elapsed().as_millis() })
}

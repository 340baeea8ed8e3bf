//! Group commit: one writer appends the events of concurrent requests in shared
//! transactions, and answers each request once its batch is durable.

use super::{NewEvent, chain};
use crate::{ApiError, ApiResult};
use sea_orm::{DatabaseConnection, DbErr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

/// Told of every batch written: how many events, and how long the append and commit took.
pub type BatchObserver = Arc<dyn Fn(usize, Duration) + Send + Sync>;

/// A batch takes every event queued while the previous batch was being written (the write
/// is the window: no request waits for company), up to this many.
const MAX_BATCH_EVENTS: usize = 512;

struct Job {
    events: Vec<NewEvent>,
    done: oneshot::Sender<Result<(), String>>,
}

/// The handle requests use; cheap to clone.
#[derive(Clone)]
pub struct AuditWriter {
    jobs: mpsc::Sender<Job>,
}

impl AuditWriter {
    /// Starts the writer task on `db`.
    pub fn spawn(db: DatabaseConnection) -> Self {
        Self::spawn_observed(db, Arc::new(|_, _| {}))
    }

    /// [`AuditWriter::spawn`], telling `observe` of every batch (for metrics).
    pub fn spawn_observed(db: DatabaseConnection, observe: BatchObserver) -> Self {
        let (jobs, queue) = mpsc::channel(4_096);
        tokio::spawn(run(db, queue, observe));
        AuditWriter { jobs }
    }

    /// Appends `events` and returns once they are committed. An error means nothing of this
    /// request was recorded: the caller must not send what the events describe.
    pub async fn commit(&self, events: Vec<NewEvent>) -> ApiResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let span = tracing::info_span!("audit.commit", events = events.len());
        let (done, durable) = oneshot::channel();
        let failed = |why: &str| ApiError::Unavailable(DbErr::Custom(format!("audit trail: {why}")));
        async move {
            self.jobs.send(Job { events, done }).await.map_err(|_| failed("the writer stopped"))?;
            match durable.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(why)) => Err(failed(&why)),
                Err(_) => Err(failed("the writer stopped")),
            }
        }
        .instrument(span)
        .await
    }
}

async fn run(db: DatabaseConnection, mut queue: mpsc::Receiver<Job>, observe: BatchObserver) {
    while let Some(first) = queue.recv().await {
        let mut count = first.events.len();
        let mut jobs = vec![first];
        while count < MAX_BATCH_EVENTS {
            let Ok(job) = queue.try_recv() else { break };
            count += job.events.len();
            jobs.push(job);
        }
        let events: Vec<NewEvent> = jobs.iter_mut().flat_map(|j| std::mem::take(&mut j.events)).collect();
        let started = Instant::now();
        let written = write(&db, events).await;
        observe(count, started.elapsed());
        let result = written.map_err(|err| {
            let why = err.message();
            tracing::error!(error = ?err, events = count, "audit batch failed; its requests answer UNAVAILABLE");
            why
        });
        for job in jobs {
            let _ = job.done.send(result.clone());
        }
    }
}

async fn write(db: &DatabaseConnection, events: Vec<NewEvent>) -> ApiResult<()> {
    chain::append_batch(db, events).await
}

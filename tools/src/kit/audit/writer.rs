//! Group commit: one writer appends the events of concurrent requests in shared
//! transactions, and answers each request once its batch is durable.

use super::{NewEvent, chain};
use crate::kit::{ApiError, ApiResult};
use sea_orm::{DatabaseConnection, DbErr};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// A batch is written once it holds this many events…
const MAX_BATCH_EVENTS: usize = 512;
/// …or once its first request has waited this long for company.
const LINGER: Duration = Duration::from_millis(1);

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
        let (jobs, queue) = mpsc::channel(4_096);
        tokio::spawn(run(db, queue));
        AuditWriter { jobs }
    }

    /// Appends `events` and returns once they are committed. An error means nothing of this
    /// request was recorded: the caller must not send what the events describe.
    pub async fn commit(&self, events: Vec<NewEvent>) -> ApiResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let (done, durable) = oneshot::channel();
        let failed = |why: &str| ApiError::Unavailable(DbErr::Custom(format!("audit trail: {why}")));
        self.jobs.send(Job { events, done }).await.map_err(|_| failed("the writer stopped"))?;
        match durable.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(failed(&why)),
            Err(_) => Err(failed("the writer stopped")),
        }
    }
}

async fn run(db: DatabaseConnection, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut count = first.events.len();
        let mut jobs = vec![first];
        let deadline = Instant::now() + LINGER;
        while count < MAX_BATCH_EVENTS {
            match queue.try_recv() {
                Ok(job) => {
                    count += job.events.len();
                    jobs.push(job);
                }
                Err(mpsc::error::TryRecvError::Empty) => match tokio::time::timeout_at(deadline, queue.recv()).await {
                    Ok(Some(job)) => {
                        count += job.events.len();
                        jobs.push(job);
                    }
                    _ => break,
                },
                Err(mpsc::error::TryRecvError::Disconnected) => break,
            }
        }
        let events: Vec<NewEvent> = jobs.iter().flat_map(|j| j.events.iter().cloned()).collect();
        let result = write(&db, events).await.map_err(|err| {
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
    let txn = chain::begin(db).await?;
    txn.append(events).await?;
    txn.commit().await
}

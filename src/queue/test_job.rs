//! The test-only job kind (feature `test-jobs`): exercises retries, dead letters, crashes
//! and pickup latency through the real queue before any real handler exists.

use super::handler::{JobContext, JobError, JobHandler};
use super::job::Job;
use std::io::Write;
use std::time::Duration;

pub struct TestHandler;

fn mark(file: &Option<String>, what: &str, ctx: &JobContext) {
    if let Some(path) = file
        && let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
    {
        let _ = writeln!(
            f,
            "{what} {} {} {}",
            ctx.job_id,
            ctx.attempt,
            std::process::id()
        );
    }
}

#[async_trait::async_trait]
impl JobHandler for TestHandler {
    async fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobError> {
        let Job::Test(t) = job else {
            return Err(JobError::permanent("test handler got a non-test job"));
        };
        mark(&t.mark_file, "start", ctx);
        tracing::info!(sleep_ms = t.sleep_ms, "test job running");
        if t.sleep_ms > 0 {
            tokio::time::sleep(Duration::from_millis(t.sleep_ms)).await;
        }
        if t.permanent {
            return Err(JobError::permanent(
                "test job failed permanently (as asked)",
            ));
        }
        if ctx.attempt <= t.fail_times {
            let msg = format!("test failure {} of {}", ctx.attempt, t.fail_times);
            return Err(match t.retry_after_ms {
                Some(ms) => JobError::retry_after(msg, Duration::from_millis(ms)),
                None => JobError::retryable(msg),
            });
        }
        mark(&t.mark_file, "done", ctx);
        Ok(())
    }
}

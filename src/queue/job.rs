//! The job kinds and their payloads: what goes through the queue.
//!
//! One apalis queue carries every kind as a tagged enum, so one worker pool serves all of
//! them and a kind is added without new queue plumbing. The payloads say *what* to do;
//! the data lives in the store (mirror, links), so payloads stay small and a retried job
//! works on the current state, not a stale copy.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Job {
    /// Pull changed records of one object from a source into the mirror, then plan.
    Pull(PullJob),
    /// Push a batch of planned records of one pair to the target.
    Push(PushJob),
    /// A stored webhook event: pull exactly the records it names.
    Webhook(WebhookJob),
    /// Write finance status (paid, outstanding…) back to the CRM.
    #[serde(rename = "writeback")]
    WriteBack(WriteBackJob),
    /// Compare source, links and target for a pair.
    Reconcile(ReconcileJob),
    /// Deliver one alert to one channel (webhook or email).
    Alert(crate::alerts::AlertJob),
    /// Test-only kind that can succeed, fail N times, sleep or fail permanently.
    #[cfg(feature = "test-jobs")]
    Test(TestJob),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullJob {
    pub connection: String,
    pub object: String,
    /// The pair this pull feeds (plans for it); `None`: every pair with this source.
    #[serde(default)]
    pub pair: Option<String>,
    /// Ignore the cursor and list everything.
    #[serde(default)]
    pub full: bool,
    /// The `sync` run this job belongs to (its pushes carry the same id).
    #[serde(default)]
    pub run_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushJob {
    pub pair: String,
    /// Mapping file name within the pair's folder.
    pub mapping: String,
    /// Source record keys in this batch (sized to the target's batch limit).
    pub record_keys: Vec<String>,
    /// The `sync` run this push belongs to.
    #[serde(default)]
    pub run_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookJob {
    pub connection: String,
    /// The webhook inbox row (`webhook_inbox.event_id`).
    pub event_id: String,
    pub object: String,
    pub record_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteBackJob {
    pub pair: String,
    /// The finance record whose status changed (the target's invoice id); empty for a
    /// run's closing write-back.
    #[serde(default)]
    pub target_id: String,
    #[serde(default)]
    pub source_key: Option<String>,
    /// Set on a run's closing write-back: it writes what the run's pushes left pending,
    /// in full batches while they run and the rest once they are all finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconcileJob {
    pub pair: String,
    #[serde(default)]
    pub fix: bool,
}

#[cfg(feature = "test-jobs")]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TestJob {
    /// Fail (retryably) on attempts 1..=fail_times.
    #[serde(default)]
    pub fail_times: u32,
    /// Sleep this long in every attempt before deciding.
    #[serde(default)]
    pub sleep_ms: u64,
    /// Fail permanently (→ dead letter at once).
    #[serde(default)]
    pub permanent: bool,
    /// Ask for at least this delay before the retry (like a 429's Retry-After).
    #[serde(default)]
    pub retry_after_ms: Option<u64>,
    /// Append `start|done <job id> <attempt> <pid>` lines here (process tests watch it).
    #[serde(default)]
    pub mark_file: Option<String>,
}

/// The kind of a job, as shown (`kind` in `jobs list --json`) and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Pull,
    Push,
    Webhook,
    #[serde(rename = "writeback")]
    WriteBack,
    Reconcile,
    Alert,
    #[cfg(feature = "test-jobs")]
    Test,
}

impl JobKind {
    /// Kinds whose handler logs their failures itself (an alert channel logs one line
    /// per interval, not one per retried alert): the queue logs theirs at debug.
    pub fn logs_own_failures(self) -> bool {
        self == JobKind::Alert
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Pull => "pull",
            JobKind::Push => "push",
            JobKind::Webhook => "webhook",
            JobKind::WriteBack => "writeback",
            JobKind::Reconcile => "reconcile",
            JobKind::Alert => "alert",
            #[cfg(feature = "test-jobs")]
            JobKind::Test => "test",
        }
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Job {
    pub fn kind(&self) -> JobKind {
        match self {
            Job::Pull(_) => JobKind::Pull,
            Job::Push(_) => JobKind::Push,
            Job::Webhook(_) => JobKind::Webhook,
            Job::WriteBack(_) => JobKind::WriteBack,
            Job::Reconcile(_) => JobKind::Reconcile,
            Job::Alert(_) => JobKind::Alert,
            #[cfg(feature = "test-jobs")]
            Job::Test(_) => JobKind::Test,
        }
    }

    /// The connection (or pair) the job works on, for spans and `jobs list`.
    pub fn connection(&self) -> Option<&str> {
        match self {
            Job::Pull(j) => Some(&j.connection),
            Job::Push(j) => Some(&j.pair),
            Job::Webhook(j) => Some(&j.connection),
            Job::WriteBack(j) => Some(&j.pair),
            Job::Reconcile(j) => Some(&j.pair),
            Job::Alert(j) => j.alert.pair.as_deref().or(j.alert.connection.as_deref()),
            #[cfg(feature = "test-jobs")]
            Job::Test(_) => None,
        }
    }

    /// The `sync` run the job belongs to, if any.
    pub fn run_id(&self) -> Option<&str> {
        match self {
            Job::Pull(j) => j.run_id.as_deref(),
            Job::Push(j) => j.run_id.as_deref(),
            Job::WriteBack(j) => j.run_id.as_deref(),
            _ => None,
        }
    }

    /// The record the job is about, when it is about one (or the first of a batch).
    pub fn record_key(&self) -> Option<String> {
        match self {
            Job::Push(j) => match j.record_keys.as_slice() {
                [] => None,
                [one] => Some(one.clone()),
                [first, rest @ ..] => Some(format!("{first} (+{})", rest.len())),
            },
            Job::Webhook(j) => j.record_ids.first().cloned(),
            Job::WriteBack(j) => j
                .source_key
                .clone()
                .or_else(|| (!j.target_id.is_empty()).then(|| j.target_id.clone())),
            _ => None,
        }
    }
}

/// What travels in an apalis task: one attempt of a logical job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The logical job (`job_log.id`), the same across delayed retries.
    pub job_id: String,
    /// 1-based attempt this task is for.
    pub attempt: u32,
    pub job: Job,
}

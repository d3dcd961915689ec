//! The idempotency key's state machine, as decisions over a key's state and a vendor
//! outcome: `started → sent → done | failed`, and what a later attempt does with a
//! key it finds in each state.
//!
//! The database rows live in `sync::keys`; this module only decides. The push pass
//! takes its decisions about a key through these functions (the claim's rule is also
//! SQL, for atomicity), so the table test below is the exactly-once argument: whatever the state a crash leaves behind, the
//! next attempt writes the record at most once more, and only when it is not there.

/// A key's state as stored (`idempotency_keys.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyState {
    /// Claimed, never sent: safe to send.
    Started,
    /// Committed before the vendor call: maybe written.
    Sent,
    /// Written, and the link records it.
    Done,
    /// Refused by the vendor: a retry (after a fix) supersedes it.
    Failed,
}

impl KeyState {
    pub(super) fn parse(s: &str) -> Option<KeyState> {
        Some(match s {
            "started" => KeyState::Started,
            "sent" => KeyState::Sent,
            "done" => KeyState::Done,
            "failed" => KeyState::Failed,
            _ => return None,
        })
    }
}

/// Who holds a key, as this attempt sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    /// This job (an earlier attempt of it, or this one).
    ThisJob,
    /// Another job that is still pending or running: it is writing the record now.
    OtherLiveJob,
    /// No job, or one that is no longer pending or running (crashed, dead, done).
    Nobody,
}

/// A stored key: its state and its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seen {
    pub state: KeyState,
    pub owner: Owner,
}

impl Seen {
    /// From a stored row: `job_id` is the key's holder, `job_state` that job's state
    /// (`None`: no such job any more). An unknown state reads as `Started`, the one
    /// that lets the claim's own rule decide.
    pub(super) fn of(
        state: &str,
        job_id: Option<&str>,
        job_state: Option<&str>,
        this_job: &str,
    ) -> Seen {
        let owner = if job_id == Some(this_job) {
            Owner::ThisJob
        } else if matches!(job_state, Some("pending" | "running")) {
            Owner::OtherLiveJob
        } else {
            Owner::Nobody
        };
        Seen {
            state: KeyState::parse(state).unwrap_or(KeyState::Started),
            owner,
        }
    }
}

/// What a pass does first with an item, from its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Start {
    /// An earlier attempt wrote it: make sure the link says so, write nothing.
    AlreadyDone,
    /// Another live job holds the key: leave the record to it, retry shortly.
    Busy,
    /// It may have been written (sent, no result recorded): look it up by its external
    /// reference before sending.
    Recover,
    /// Never sent, refused before, or no key yet: prepare and send.
    Send,
}

/// The first decision about an item: `None` is a key that does not exist yet.
pub(super) fn start(seen: Option<Seen>) -> Start {
    let Some(seen) = seen else {
        return Start::Send;
    };
    match (seen.state, seen.owner) {
        (KeyState::Done, _) => Start::AlreadyDone,
        (KeyState::Started | KeyState::Sent, Owner::OtherLiveJob) => Start::Busy,
        (KeyState::Sent, _) => Start::Recover,
        (KeyState::Started | KeyState::Failed, _) => Start::Send,
    }
}

/// Whether this job may take the key: not once it is done, and not from another live
/// job, except a failed key, which nobody is writing. The claim itself is decided in
/// SQL by `keys::claim` and `keys::claim_sent_many` (atomically, against jobs running
/// at the same time); this states their rule so the table below can hold the pass to
/// it.
#[cfg(test)]
pub(super) fn claimable(seen: Option<Seen>) -> bool {
    match seen {
        None => true,
        Some(Seen {
            state: KeyState::Done,
            ..
        }) => false,
        Some(Seen {
            state: KeyState::Failed,
            ..
        }) => true,
        Some(Seen { owner, .. }) => owner != Owner::OtherLiveJob,
    }
}

/// After a recovery lookup: a record found by its reference is the write that happened
/// before the crash; none found means it never reached the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Recovery {
    /// Mark the key done with this target id and link it; nothing is sent.
    Found(String),
    /// Send it again, with the same vendor key (a replay where the vendor keeps one).
    Resend,
}

pub(super) fn recovery(found: Option<String>) -> Recovery {
    match found {
        Some(id) => Recovery::Found(id),
        None => Recovery::Resend,
    }
}

/// What the vendor said about one sent item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum VendorOutcome {
    /// Written (created or updated).
    Written,
    /// Refused for good (validation, unknown account, …).
    Refused,
    /// A transient failure (timeout, 5xx, 429): it may or may not have been written.
    Retryable,
    /// The batch's answer had no result for this item.
    NoResult,
}

/// Where the key goes after the call, in the results' transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AfterSend {
    /// `sent → done`, with the link.
    Done,
    /// `sent → failed`, with a dead letter.
    Failed,
    /// Stays `sent`: the job fails retryably and the retry recovers it by reference.
    StaysSent,
}

pub(super) fn after_send(outcome: VendorOutcome) -> AfterSend {
    match outcome {
        VendorOutcome::Written => AfterSend::Done,
        VendorOutcome::Refused => AfterSend::Failed,
        VendorOutcome::Retryable | VendorOutcome::NoResult => AfterSend::StaysSent,
    }
}

#[cfg(test)]
impl AfterSend {
    /// The stored state this decision writes.
    pub(super) fn state(self) -> KeyState {
        match self {
            AfterSend::Done => KeyState::Done,
            AfterSend::Failed => KeyState::Failed,
            AfterSend::StaysSent => KeyState::Sent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use KeyState::*;
    use Owner::*;

    fn seen(state: KeyState, owner: Owner) -> Option<Seen> {
        Some(Seen { state, owner })
    }

    #[test]
    fn stored_rows_read_as_state_and_owner() {
        let s = Seen::of("sent", Some("job-1"), Some("running"), "job-1");
        assert_eq!(
            s,
            Seen {
                state: Sent,
                owner: ThisJob
            }
        );
        let s = Seen::of("sent", Some("job-2"), Some("pending"), "job-1");
        assert_eq!(s.owner, OtherLiveJob);
        for gone in [Some("failed"), Some("dead"), Some("done"), None] {
            assert_eq!(
                Seen::of("started", Some("job-2"), gone, "job-1").owner,
                Nobody
            );
        }
        assert_eq!(Seen::of("done", None, None, "job-1").owner, Nobody);
        for (text, state) in [
            ("started", Started),
            ("sent", Sent),
            ("done", Done),
            ("failed", Failed),
        ] {
            assert_eq!(KeyState::parse(text), Some(state));
        }
        assert_eq!(KeyState::parse("nonsense"), None);
    }

    /// Every stored state × every holder: the first decision and whether a claim takes it.
    #[test]
    fn start_and_claim_for_every_state_and_owner() {
        let table: &[(Option<Seen>, Start, bool)] = &[
            (None, Start::Send, true),
            (seen(Started, ThisJob), Start::Send, true),
            (seen(Started, OtherLiveJob), Start::Busy, false),
            (seen(Started, Nobody), Start::Send, true),
            (seen(Sent, ThisJob), Start::Recover, true),
            (seen(Sent, OtherLiveJob), Start::Busy, false),
            (seen(Sent, Nobody), Start::Recover, true),
            (seen(Done, ThisJob), Start::AlreadyDone, false),
            (seen(Done, OtherLiveJob), Start::AlreadyDone, false),
            (seen(Done, Nobody), Start::AlreadyDone, false),
            (seen(Failed, ThisJob), Start::Send, true),
            (seen(Failed, OtherLiveJob), Start::Send, true),
            (seen(Failed, Nobody), Start::Send, true),
        ];
        for (s, want_start, want_claim) in table {
            assert_eq!(start(*s), *want_start, "start({s:?})");
            assert_eq!(claimable(*s), *want_claim, "claimable({s:?})");
        }
    }

    #[test]
    fn every_vendor_outcome_moves_a_sent_key() {
        let table = [
            (VendorOutcome::Written, AfterSend::Done, Done),
            (VendorOutcome::Refused, AfterSend::Failed, Failed),
            (VendorOutcome::Retryable, AfterSend::StaysSent, Sent),
            (VendorOutcome::NoResult, AfterSend::StaysSent, Sent),
        ];
        for (outcome, after, state) in table {
            assert_eq!(after_send(outcome), after, "{outcome:?}");
            assert_eq!(after.state(), state, "{outcome:?}");
        }
        assert_eq!(
            recovery(Some("INV-1".into())),
            Recovery::Found("INV-1".into())
        );
        assert_eq!(recovery(None), Recovery::Resend);
    }

    /// Where an attempt can stop without recording anything after that point.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Crash {
        /// The attempt ends normally.
        Never,
        /// After the `sent` claim committed, before the vendor call.
        AfterClaim,
        /// After the vendor call, before its results committed.
        AfterCall,
    }

    /// What the vendor does with a call in the simulation: the outcome it reports and
    /// whether the record is there afterwards (a timeout can come after the write).
    #[derive(Debug, Clone, Copy)]
    struct Vendor {
        outcome: VendorOutcome,
        writes: bool,
    }

    const VENDORS: [Vendor; 6] = [
        Vendor {
            outcome: VendorOutcome::Written,
            writes: true,
        },
        Vendor {
            outcome: VendorOutcome::Refused,
            writes: false,
        },
        Vendor {
            outcome: VendorOutcome::Retryable,
            writes: false,
        },
        Vendor {
            outcome: VendorOutcome::Retryable,
            writes: true,
        },
        Vendor {
            outcome: VendorOutcome::NoResult,
            writes: false,
        },
        Vendor {
            outcome: VendorOutcome::NoResult,
            writes: true,
        },
    ];

    /// One record's world: its key (state and holder) and how often the target has it.
    #[derive(Debug, Clone, Copy)]
    struct World {
        key: Option<Seen>,
        copies: u32,
    }

    /// One attempt of a job, through the same decisions the push pass takes, with the
    /// target answering like `vendor` and the process stopping at `crash`.
    fn attempt(w: &mut World, vendor: Vendor, crash: Crash) {
        let send = match start(w.key) {
            Start::AlreadyDone | Start::Busy => false,
            Start::Recover => {
                let found = (w.copies > 0).then(|| "T-1".to_string());
                match recovery(found) {
                    Recovery::Found(_) => {
                        w.key = seen(Done, ThisJob);
                        false
                    }
                    Recovery::Resend => true,
                }
            }
            Start::Send => true,
        };
        if !send || !claimable(w.key) {
            return;
        }
        w.key = seen(Sent, ThisJob);
        if crash == Crash::AfterClaim {
            return;
        }
        if vendor.writes {
            w.copies += 1;
        }
        if crash == Crash::AfterCall {
            return;
        }
        w.key = seen(after_send(vendor.outcome).state(), ThisJob);
    }

    /// The crashed or retrying job is gone: its keys are nobody's.
    fn job_ends(w: &mut World) {
        if let Some(k) = &mut w.key
            && k.owner == ThisJob
        {
            k.owner = Nobody;
        }
    }

    /// Every state a key can be found in × every vendor outcome × every crash point,
    /// then attempts that succeed until the key settles: the record is in the target
    /// exactly once (or never, when the vendor refused it and a crash did not stop the
    /// refusal being recorded) and the key says so.
    #[test]
    fn every_state_outcome_and_crash_point_writes_at_most_once() {
        // (key found, copies the target already has): the states a crash can leave.
        let starts = [
            (None, 0),
            (seen(Started, Nobody), 0),
            (seen(Sent, Nobody), 0),
            (seen(Sent, Nobody), 1),
            (seen(Done, Nobody), 1),
            (seen(Failed, Nobody), 0),
        ];
        let good = Vendor {
            outcome: VendorOutcome::Written,
            writes: true,
        };
        let mut cases = 0;
        for (key, copies) in starts {
            for vendor in VENDORS {
                for crash in [Crash::Never, Crash::AfterClaim, Crash::AfterCall] {
                    cases += 1;
                    let case = format!("{key:?} with {copies} copies, {vendor:?}, crash {crash:?}");
                    let mut w = World { key, copies };
                    attempt(&mut w, vendor, crash);
                    job_ends(&mut w);
                    assert!(w.copies <= 1, "{case}: written twice in one attempt");
                    let refused = w.key.map(|k| k.state) == Some(Failed);
                    // Retries, each by a new job, with the target healthy.
                    for _ in 0..3 {
                        if matches!(w.key.map(|k| k.state), Some(Done | Failed)) {
                            break;
                        }
                        attempt(&mut w, good, Crash::Never);
                        job_ends(&mut w);
                    }
                    let state = w.key.map(|k| k.state);
                    if refused {
                        assert_eq!((state, w.copies), (Some(Failed), 0), "{case}");
                    } else {
                        assert_eq!((state, w.copies), (Some(Done), 1), "{case}");
                    }
                }
            }
        }
        assert_eq!(cases, 6 * 6 * 3);
    }

    /// A key another live job holds is never written by this one, in any state, and
    /// is left as it was.
    #[test]
    fn a_key_held_by_another_live_job_is_left_alone() {
        for state in [Started, Sent] {
            for vendor in VENDORS {
                let mut w = World {
                    key: seen(state, OtherLiveJob),
                    copies: 0,
                };
                attempt(&mut w, vendor, Crash::Never);
                assert_eq!(w.copies, 0, "{state:?} {vendor:?}");
                assert_eq!(w.key, seen(state, OtherLiveJob));
            }
        }
    }
}

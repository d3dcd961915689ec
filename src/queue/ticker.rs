//! A poll interval that keeps its timer armed.
//!
//! apalis 1.0's `IntervalStrategy` replaces its timer when it fires without polling the
//! new one, so no waker is registered: when the fetch that follows completes at once
//! (an empty SQLite queue usually does), nothing wakes the worker again until its next
//! heartbeat. Measured here: an idle SQLite worker intermittently missed new jobs for the
//! whole 30 s heartbeat. This strategy polls each new timer right away.

use apalis_core::backend::ext::poll_strategy::{PollSnapshot, PollStrategy};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

pub(crate) struct Ticker {
    every: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Ticker {
    pub(crate) fn new(every: Duration) -> Self {
        Self { every, sleep: None }
    }
}

impl PollStrategy for Ticker {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        let mut fired = false;
        loop {
            let every = self.every;
            let sleep = self
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(every)));
            match sleep.as_mut().poll(cx) {
                // Fired: drop it and arm (and poll, registering the waker) a new one.
                Poll::Ready(()) => {
                    self.sleep = None;
                    fired = true;
                }
                Poll::Pending => break,
            }
        }
        if fired {
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}

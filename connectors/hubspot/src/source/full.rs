//! The full pull: `GET /crm/v3/objects/{type}` in id order with associations inline,
//! pipelined (see [`Lister`]): the next list page and deal pages' line-item batch reads
//! (full batches of 100 carried across pages, see [`Carry`]) are in flight while the
//! consumer converts and stores the page before; pages still come out in order.

use std::collections::HashMap;
use std::sync::Arc;

use ledgerbridge_sdk::{ConnectorError, ConnectorResult};

use super::HubSpotSource;
use super::catalogue::associated_types;
use crate::client::{HsObject, HubSpotClient};

/// List pages fetched ahead of the consumer, in order.
const PREFETCH_PAGES: usize = 2;

/// Deal pages the lister may hold back while their last line-item ids wait
/// for the next page's ids to fill a batch read. Past this many, the
/// remainder is read in a partial batch so memory stays bounded (each held
/// page is ~100 deals). With ≥ 50 line items on every page the bound is
/// never hit (two pages always fill a read), so every read but the
/// listing's last is a full one; sparser pages cost at most one partial
/// read per two pages (still fewer reads than one per page).
pub(super) const MAX_HELD_PAGES: usize = 2;

/// Aborts a spawned task when dropped (a dropped stream stops fetching).
pub(super) struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A page's share of one line-item batch read (a read of 100 ids may serve
/// the tail of one page and the head of the next).
pub(super) struct LinePart {
    rx: tokio::sync::oneshot::Receiver<ConnectorResult<Vec<HsObject>>>,
    /// Shared by every page the read serves: the read is aborted once all of
    /// them (and the lister holding them back) are dropped.
    _read: Arc<AbortOnDrop<()>>,
}

/// One list page and, for deals, the batch reads of its line items (the
/// page is handed over once every one of them has been started).
pub(super) struct Fetched {
    pub(super) objs: Vec<HsObject>,
    pub(super) next: Option<String>,
    pub(super) lines: Option<Vec<LinePart>>,
}

impl Fetched {
    /// The page's line items once every read naming them has answered.
    pub(super) async fn lines(parts: Vec<LinePart>) -> ConnectorResult<Vec<HsObject>> {
        let mut out = Vec::new();
        for p in parts {
            out.extend(p.rx.await.map_err(|_| {
                ConnectorError::retryable("HubSpot line-item read stopped before answering")
            })??);
        }
        Ok(out)
    }
}

/// The line-item ids of an object's inline associations, each once.
fn line_item_ids(objs: &[HsObject]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    objs.iter()
        .flat_map(|o| {
            o.associations
                .as_ref()
                .and_then(|a| a.get("line items").or_else(|| a.get("line_items")))
                .into_iter()
                .flat_map(|p| p.results.iter().map(|r| r.id.as_str()))
        })
        .filter(|id| seen.insert(*id))
        .map(str::to_string)
        .collect()
}

/// A page held back until all its ids are in batch reads.
struct Held<P, X> {
    page: P,
    /// Ids of the page not yet in a read, in page order.
    ids: std::collections::VecDeque<String>,
    /// One per read started for the page's ids.
    parts: Vec<X>,
}

/// Carries ids across pages so batch reads are full: reading each page's ids
/// on its own wastes a partial batch per page (~203 line items per 100 deals
/// took 3 reads where 2.03 would do). A page comes out, in order, once every
/// one of its ids is in a read that has been started; what is left at the
/// end (or past [`MAX_HELD_PAGES`]) goes in one partial read.
///
/// Generic over the page `P` and what a started read hands each page `X`, so
/// the batching is tested without HTTP.
pub(super) struct Carry<P, X> {
    held: std::collections::VecDeque<Held<P, X>>,
    /// Ids of held pages not in a read yet.
    waiting: usize,
    batch: usize,
    max_held: usize,
}

/// Starts one read of the given per-page segments (each page's ids in the
/// read, in held order) and returns, per segment, what that page waits on.
type StartRead<'a, X> = dyn FnMut(Vec<Vec<String>>) -> Vec<X> + 'a;

impl<P, X> Carry<P, X> {
    fn new(batch: usize, max_held: usize) -> Self {
        Carry {
            held: Default::default(),
            waiting: 0,
            batch: batch.max(1),
            max_held,
        }
    }

    /// Adds a page with its ids; returns the pages now complete, in order.
    fn push(&mut self, page: P, ids: Vec<String>, start: &mut StartRead<X>) -> Vec<(P, Vec<X>)> {
        self.waiting += ids.len();
        self.held.push_back(Held {
            page,
            ids: ids.into(),
            parts: Vec::new(),
        });
        while self.waiting >= self.batch {
            self.read(self.batch, start);
        }
        let mut out = self.ready();
        if self.held.len() > self.max_held {
            // too many pages waiting on ids to come: read the remainder now
            out.extend(self.finish(start));
        }
        out
    }

    /// Reads whatever is left; returns every held page.
    fn finish(&mut self, start: &mut StartRead<X>) -> Vec<(P, Vec<X>)> {
        if self.waiting > 0 {
            self.read(self.waiting, start);
        }
        self.ready()
    }

    /// Pops the complete pages at the front.
    fn ready(&mut self) -> Vec<(P, Vec<X>)> {
        let mut out = Vec::new();
        while self.held.front().is_some_and(|h| h.ids.is_empty()) {
            let h = self.held.pop_front().expect("checked");
            out.push((h.page, h.parts));
        }
        out
    }

    /// Starts a read of the first `n` waiting ids (front pages first).
    fn read(&mut self, n: usize, start: &mut StartRead<X>) {
        let mut segs = Vec::new();
        let mut pages = Vec::new();
        let mut left = n;
        for (i, h) in self.held.iter_mut().enumerate() {
            if left == 0 {
                break;
            }
            let k = h.ids.len().min(left);
            if k > 0 {
                segs.push(h.ids.drain(..k).collect::<Vec<_>>());
                pages.push(i);
                left -= k;
            }
        }
        self.waiting -= n - left;
        for (i, x) in pages.into_iter().zip(start(segs)) {
            self.held[i].parts.push(x);
        }
    }
}

/// One batch read of line items (≤ 100 ids: one call), each item sent to
/// the page(s) whose segment names it.
async fn read_lines(
    client: Arc<HubSpotClient>,
    props: Arc<Vec<String>>,
    segs: Vec<Vec<String>>,
    txs: Vec<tokio::sync::oneshot::Sender<ConnectorResult<Vec<HsObject>>>>,
) {
    // an id two pages name (HubSpot line items belong to one deal, so only
    // in theory) is read once and handed to both
    let mut owners: HashMap<String, Vec<usize>> = HashMap::new();
    let mut unique = Vec::new();
    for (s, ids) in segs.iter().enumerate() {
        for id in ids {
            let o = owners.entry(id.clone()).or_default();
            if o.is_empty() {
                unique.push(id.clone());
            }
            o.push(s);
        }
    }
    match client.batch_read("line_items", &unique, &props).await {
        Ok(objs) => {
            let mut parts: Vec<Vec<HsObject>> =
                segs.iter().map(|s| Vec::with_capacity(s.len())).collect();
            for o in objs {
                if let Some((last, rest)) = owners.get(&o.id).and_then(|s| s.split_last()) {
                    for s in rest {
                        parts[*s].push(o.clone());
                    }
                    parts[*last].push(o);
                }
            }
            for (tx, p) in txs.into_iter().zip(parts) {
                let _ = tx.send(Ok(p));
            }
        }
        Err(e) => {
            for tx in txs {
                let _ = tx.send(Err(e.clone()));
            }
        }
    }
}

/// A full pull's pipeline: a task walks the `after` chain of list pages
/// (each request needs the previous page's cursor, so that chain is
/// sequential) and starts deal pages' line-item batch reads as soon as ids
/// fill a batch of 100 (see [`Carry`]): a page whose last ids wait for the
/// next page's is held back for that one list call. Up to
/// [`PREFETCH_PAGES`] pages wait for the consumer while it converts and the
/// engine stores the page before; the consumer awaits a page's reads.
/// Pages come out in order; dropping the lister stops everything in flight.
pub(super) struct Lister {
    rx: tokio::sync::mpsc::Receiver<ConnectorResult<Fetched>>,
    _task: AbortOnDrop<()>,
}

impl Lister {
    pub(super) fn start(src: &HubSpotSource, t: &'static str, after: Option<String>) -> Lister {
        let (tx, rx) = tokio::sync::mpsc::channel(PREFETCH_PAGES);
        let client = src.client.clone();
        let props = src.props(t);
        let line_props = Arc::new(src.props("line_items"));
        let task = tokio::spawn(async move {
            let mut start = |segs: Vec<Vec<String>>| {
                let (txs, rxs): (Vec<_>, Vec<_>) =
                    segs.iter().map(|_| tokio::sync::oneshot::channel()).unzip();
                let read = Arc::new(AbortOnDrop(tokio::spawn(read_lines(
                    client.clone(),
                    line_props.clone(),
                    segs,
                    txs,
                ))));
                rxs.into_iter()
                    .map(|rx| LinePart {
                        rx,
                        _read: read.clone(),
                    })
                    .collect()
            };
            let mut carry: Carry<(Vec<HsObject>, Option<String>), LinePart> =
                Carry::new(crate::client::BATCH_READ_MAX, MAX_HELD_PAGES);
            let fetched = |((objs, next), parts): ((Vec<HsObject>, Option<String>), _)| Fetched {
                objs,
                next,
                lines: Some(parts),
            };
            let mut after = after;
            loop {
                let page = client
                    .list(t, after.as_deref(), &props, associated_types(t))
                    .await;
                let (ready, next) = match page {
                    Err(e) => {
                        // hand over the held pages first: their cursor is kept
                        for f in carry.finish(&mut start).into_iter().map(fetched) {
                            if tx.send(Ok(f)).await.is_err() {
                                return;
                            }
                        }
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                    Ok(page) if t == "deals" => {
                        let next = page.next_after().map(str::to_string);
                        let ids = line_item_ids(&page.results);
                        let mut ready = carry.push((page.results, next.clone()), ids, &mut start);
                        if next.is_none() {
                            ready.extend(carry.finish(&mut start));
                        }
                        (ready.into_iter().map(fetched).collect(), next)
                    }
                    Ok(page) => {
                        let next = page.next_after().map(str::to_string);
                        let f = Fetched {
                            objs: page.results,
                            next: next.clone(),
                            lines: None,
                        };
                        (vec![f], next)
                    }
                };
                for f in ready {
                    if tx.send(Ok(f)).await.is_err() {
                        return; // the consumer is gone
                    }
                }
                match next {
                    Some(n) => after = Some(n),
                    None => return,
                }
            }
        });
        Lister {
            rx,
            _task: AbortOnDrop(task),
        }
    }

    pub(super) async fn next(&mut self) -> ConnectorResult<Fetched> {
        self.rx.recv().await.unwrap_or_else(|| {
            Err(ConnectorError::retryable(
                "HubSpot list pipeline ended unexpectedly",
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushes pages of `counts` ids through a `Carry`; returns the size of
    /// every read started and, per page in output order, its number and the
    /// ids its parts cover — checking on the way that no more than
    /// `max_held` pages are ever held back.
    fn carry(counts: &[usize], max_held: usize) -> (Vec<usize>, Vec<(usize, Vec<String>)>) {
        let mut reads = Vec::new();
        let mut start = |segs: Vec<Vec<String>>| {
            reads.push(segs.iter().map(Vec::len).sum::<usize>());
            segs
        };
        let mut c: Carry<usize, Vec<String>> = Carry::new(100, max_held);
        let mut out = Vec::new();
        for (p, n) in counts.iter().enumerate() {
            let ids = (0..*n).map(|i| format!("{p}-{i}")).collect();
            out.extend(c.push(p, ids, &mut start));
            assert!(c.held.len() <= max_held, "page {p}: {} held", c.held.len());
        }
        out.extend(c.finish(&mut start));
        assert!(c.held.is_empty() && c.waiting == 0);
        let pages = out
            .into_iter()
            .map(|(p, parts)| (p, parts.concat()))
            .collect();
        (reads, pages)
    }

    #[test]
    fn line_item_reads_are_full_batches_carried_across_pages() {
        let counts = [203, 197, 0, 150, 50, 1];
        let (reads, pages) = carry(&counts, MAX_HELD_PAGES);
        // 601 ids: six reads of 100 and the one id left at the end
        assert_eq!(reads, vec![100, 100, 100, 100, 100, 100, 1]);
        assert_eq!(pages.len(), counts.len());
        for (i, (p, ids)) in pages.iter().enumerate() {
            assert_eq!(*p, i, "pages come out in order");
            let want: Vec<String> = (0..counts[i]).map(|k| format!("{i}-{k}")).collect();
            assert_eq!(ids, &want, "page {i} gets exactly its own ids");
        }
    }

    #[test]
    fn sparse_pages_are_held_back_at_most_two_at_a_time() {
        // 20 ids a page: the third held page forces a partial read of 60
        let (reads, pages) = carry(&[20; 10], 2);
        assert_eq!(reads, vec![60, 60, 60, 20]);
        assert_eq!(pages.len(), 10);
        // pages without line items cost no read at all
        let (reads, pages) = carry(&[0, 0, 0], 2);
        assert!(reads.is_empty());
        assert_eq!(pages.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 1, 2]);
    }
}

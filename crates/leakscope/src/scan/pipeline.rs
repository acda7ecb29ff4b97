//! The threads of a scan: a reader cuts a capture into batches, workers scan them, and the
//! calling thread adds them to the report in capture order. The first pass reads the same way.

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex, mpsc};

use leakscope_http::{CaptureReader, Exchange};
use leakscope_report::{OccurrenceSink, ReportBuilder, ReportOptions, RequestScan};

use super::inputs::record_input_error;
use super::{Input, Scanner, Session};
use crate::context::{CaptureContext, Collector};

/// Requests scanned together in parallel. Large enough to keep every core busy, small enough
/// that memory follows the largest requests, not the file.
const BATCH: usize = 256;

/// A batch is also scanned as soon as its bodies add up to this much, so that a capture of
/// large uploads does not hold 256 of them at once. A batch is being read, one waits for a
/// worker, one is scanned by each worker, one waits for the collector and a few may wait to be
/// added in order. Measured on a 500 MB HAR of 200–400 KB uploads (benches/README.md): 70 MiB
/// peak with 1 MiB batches and queues of one, 102–112 MiB with 2 MiB, at the same speed.
const BATCH_BYTES: usize = 1 << 20;

impl Scanner {
    /// Reads every input once, cheaply: infers the first party (unless given) and collects
    /// what the capture reveals about the user (unless `no_context`). Unreadable inputs and
    /// broken entries are skipped here; the scan reports them.
    pub(super) fn first_pass(
        &self,
        inputs: &[Input],
        options: &ReportOptions,
        spooled: &[Option<std::fs::File>],
    ) -> CaptureContext {
        let mut collector = Collector::new(options, !self.options.no_context, self.options.limits);
        let mut index = 0;
        for (input, spooled) in inputs.iter().zip(spooled) {
            let Ok(reader) = self.open(input, spooled.as_ref()) else {
                continue;
            };
            // Reading (parsing JSON, inflating bodies) on one thread, noting on this one.
            std::thread::scope(|scope| {
                let (tx, rx) = mpsc::sync_channel::<Batch>(2);
                let reading = scope.spawn(move || read_batches(reader, "", index, &tx));
                for batch in rx {
                    for (at, _, exchange) in &batch.exchanges {
                        collector.note(*at, exchange);
                    }
                }
                index = join(reading);
            });
        }
        collector.finish()
    }

    /// Scans one capture. A thread reads batches of exchanges; worker threads (`--jobs`, one
    /// per core by default) each take the next batch from one queue and scan it; the calling
    /// thread adds the scanned batches to the report in capture order (the sink need not be
    /// sent to another thread). Queues hold one batch, so memory follows a few batches, not
    /// the capture. Workers that wait for a batch sleep: a thread pool woken per
    /// batch spun instead, and took CPU from the reader and the collector (benches/README.md).
    pub(super) fn scan_reader(
        &self,
        session: &Session,
        reader: CaptureReader,
        name: &str,
        next_index: &mut usize,
        collect: &mut Collect<'_>,
    ) {
        let first_index = *next_index;
        let workers = self.workers();
        std::thread::scope(|scope| {
            let (read_tx, read_rx) = mpsc::sync_channel::<Batch>(1);
            // Shared by the workers, and dropped with the last of them: a reader still
            // sending then learns that no one is left to scan.
            let read_rx = Arc::new(Mutex::new(read_rx));
            let (scanned_tx, scanned_rx) = mpsc::sync_channel::<Scanned>(1);
            let reading = scope.spawn(move || read_batches(reader, name, first_index, &read_tx));
            let scanning: Vec<_> = (0..workers)
                .map(|_| {
                    let (read_rx, scanned_tx) = (Arc::clone(&read_rx), scanned_tx.clone());
                    scope.spawn(move || {
                        loop {
                            let next = match read_rx.lock() {
                                Ok(queue) => queue.recv(),
                                Err(_) => return,
                            };
                            let Ok(batch) = next else { return };
                            let scans = batch
                                .exchanges
                                .iter()
                                .map(|(index, source, exchange)| {
                                    self.scan_exchange_in(session, *index, source, exchange)
                                })
                                .collect();
                            let scanned = Scanned {
                                seq: batch.seq,
                                scans,
                                errors: batch.errors,
                            };
                            if scanned_tx.send(scanned).is_err() {
                                // The collector stopped (the sink failed): stop scanning.
                                return;
                            }
                        }
                    })
                })
                .collect();
            drop((read_rx, scanned_tx));
            // Batches come back in any order; they are added in the order they were read.
            let mut waiting: BTreeMap<u64, Scanned> = BTreeMap::new();
            let mut next_seq = 0;
            'collect: for scanned in scanned_rx.iter() {
                waiting.insert(scanned.seq, scanned);
                while let Some(scanned) = waiting.remove(&next_seq) {
                    next_seq += 1;
                    if !collect.add(scanned) {
                        break 'collect;
                    }
                }
            }
            drop(scanned_rx);
            for worker in scanning {
                join(worker);
            }
            *next_index = join(reading);
        });
    }

    /// Worker threads: `--jobs`, else one per core.
    fn workers(&self) -> usize {
        self.options
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }
}

/// The collecting stage: adds scanned requests to the report and the sink.
pub(super) struct Collect<'a> {
    pub(super) builder: &'a mut ReportBuilder,
    pub(super) input_errors: &'a mut Vec<String>,
    pub(super) sink: &'a mut dyn OccurrenceSink,
    pub(super) sink_error: &'a mut Option<io::Error>,
    pub(super) name: &'a str,
}

impl Collect<'_> {
    /// Adds a batch; `false` once the sink has failed.
    fn add(&mut self, scanned: Scanned) -> bool {
        for error in scanned.errors {
            record_input_error(self.builder, self.input_errors, self.name, error);
        }
        for scan in scanned.scans {
            if let Err(error) = self.builder.add(scan, self.sink) {
                *self.sink_error = Some(error);
                return false;
            }
        }
        true
    }
}

/// Exchanges read together, and the input errors met while reading them.
#[derive(Default)]
struct Batch {
    /// The batch's place in the capture, from 0.
    seq: u64,
    exchanges: Vec<(usize, String, Exchange)>,
    /// Bytes of body in `exchanges`.
    bytes: usize,
    /// The capture errors met, each without the file's name (its `detail`).
    errors: Vec<String>,
}

/// A batch scanned, on its way to the report.
struct Scanned {
    /// The batch's place in the capture.
    seq: u64,
    scans: Vec<RequestScan>,
    errors: Vec<String>,
}

/// Reads `reader` into batches of [`BATCH`] exchanges (or [`BATCH_BYTES`] of bodies), sent to
/// `out` in order, numbering requests from `index`; the last batch may be empty but for errors.
/// Returns the next request number.
fn read_batches(
    reader: CaptureReader,
    name: &str,
    mut index: usize,
    out: &mpsc::SyncSender<Batch>,
) -> usize {
    let mut batch = Batch::default();
    for item in reader {
        match item {
            Ok(exchange) => {
                batch.bytes += exchange.body.len();
                let source = format!("{name} {}", exchange.position);
                batch.exchanges.push((index, source, exchange));
                index += 1;
                if batch.exchanges.len() == BATCH || batch.bytes >= BATCH_BYTES {
                    let seq = batch.seq;
                    let full = std::mem::replace(
                        &mut batch,
                        Batch {
                            seq: seq + 1,
                            ..Batch::default()
                        },
                    );
                    if out.send(full).is_err() {
                        return index;
                    }
                }
            }
            Err(error) => batch.errors.push(error.detail()),
        }
    }
    // The scanning side only hangs up early if it panicked, which the scope reports.
    let _ = out.send(batch);
    index
}

/// Waits for a stage's thread, passing its panic on, if it panicked, as the scan's own.
pub(super) fn join<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

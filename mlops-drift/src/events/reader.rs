//! Reading an event log back: [`replay`] of a directory's files in order, a typed
//! [`ReplayReport`] of what could not be read, and [`replay_into_monitor`].
//!
//! # What a crash leaves, and what is read
//! A file is a schema message, record batch messages and, if it was closed, the
//! end-of-stream marker (see the [`events`](super) module). Each message starts with the
//! continuation marker `0xFFFFFFFF` and the length of its metadata, which gives the length
//! of its body; the reader walks these frames itself, so it knows the byte offset of every
//! message, and hands each complete message to Arrow's decoder
//! ([`arrow_ipc::reader::read_record_batch`], which validates the arrays). It then reports how the file ends ([`FileEnd`]):
//! * [`FileEnd::Closed`]: the end-of-stream marker, nothing after it;
//! * [`FileEnd::Unterminated`]: complete messages, no marker (the writer stopped between
//!   batches, or is still writing);
//! * [`FileEnd::Torn`]: a last message shorter than its header announces (the writer
//!   stopped mid-write): every batch before it is returned;
//! * [`FileEnd::Corrupt`]: bytes that are not a valid message (bad marker, metadata or
//!   arrays, data after the end-of-stream marker): every batch before them is returned;
//! * [`FileEnd::NotAnEventLog`]: no schema, or not the event schema: nothing is returned.
//!
//! No input makes the reader panic: a file is read whole (files are bounded by the
//! writer's rotation size), every length is checked against the bytes present before it
//! is used, and a panic inside Arrow's decoder on malformed bytes (a defect of that
//! library, not expected) is caught and reported as [`FileEnd::Corrupt`].

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_buffer::Buffer;
use arrow_ipc::MessageHeader;
use arrow_ipc::reader::read_record_batch;
use arrow_schema::{Field, Schema, SchemaRef};

use super::EventError;
use super::record::{EventSchema, PredictionEvent};
use super::writer::{check_prefix, sequence_of};
use crate::monitor::{DriftMonitor, Window};
use crate::table::Table;

const CONTINUATION: [u8; 4] = [0xFF; 4];

/// How a log file ends (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileEnd {
    /// Closed cleanly: the end-of-stream marker and nothing after it.
    Closed,
    /// Complete messages without the end-of-stream marker.
    Unterminated,
    /// The last message is cut short: the bytes from `offset` on were skipped.
    Torn {
        /// The byte offset where the partial message starts (the end of the last complete
        /// message).
        offset: u64,
        /// The bytes skipped (to the end of the file).
        skipped_bytes: u64,
    },
    /// The bytes from `offset` on are not a valid message and were skipped.
    Corrupt {
        /// The byte offset of the invalid message.
        offset: u64,
        /// The bytes skipped (to the end of the file).
        skipped_bytes: u64,
        /// What is wrong there.
        reason: String,
    },
    /// The file holds no event log schema: nothing was read from it.
    NotAnEventLog {
        /// Why not.
        reason: String,
    },
}

/// What was read from one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Record batches read.
    pub batches: usize,
    /// Events read.
    pub events: u64,
    /// How it ends.
    pub end: FileEnd,
}

impl FileReport {
    /// Bytes that were not read (a torn or corrupt tail, or the whole file).
    pub fn skipped_bytes(&self) -> u64 {
        match self.end {
            FileEnd::Closed | FileEnd::Unterminated => 0,
            FileEnd::Torn { skipped_bytes, .. } | FileEnd::Corrupt { skipped_bytes, .. } => {
                skipped_bytes
            }
            FileEnd::NotAnEventLog { .. } => self.bytes,
        }
    }

    /// Whether every byte was read.
    pub fn is_clean(&self) -> bool {
        matches!(self.end, FileEnd::Closed | FileEnd::Unterminated)
    }
}

/// What a replay read, file by file in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplayReport {
    /// One report per file.
    pub files: Vec<FileReport>,
}

impl ReplayReport {
    /// Events read, all files.
    pub fn events(&self) -> u64 {
        self.files.iter().map(|f| f.events).sum()
    }

    /// Batches read, all files.
    pub fn batches(&self) -> usize {
        self.files.iter().map(|f| f.batches).sum()
    }

    /// Bytes skipped, all files.
    pub fn skipped_bytes(&self) -> u64 {
        self.files.iter().map(FileReport::skipped_bytes).sum()
    }

    /// The files with skipped bytes.
    pub fn damaged(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| !f.is_clean())
    }

    /// Whether every byte of every file was read.
    pub fn is_clean(&self) -> bool {
        self.files.iter().all(FileReport::is_clean)
    }
}

/// The log files of `prefix` in `dir`, in sequence order (names
/// `{prefix}-{sequence:012}.arrows`; other files are ignored).
///
/// # Errors
/// [`EventError::InvalidParameter`] for a bad prefix, [`EventError::Io`] when the directory
/// cannot be listed.
pub fn log_files(dir: impl AsRef<Path>, prefix: &str) -> Result<Vec<PathBuf>, EventError> {
    let dir = dir.as_ref();
    check_prefix(prefix)?;
    let entries = std::fs::read_dir(dir).map_err(|e| EventError::io(dir, "list", &e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| EventError::io(dir, "list", &e))?;
        let name = entry.file_name();
        if let Some(seq) = name.to_str().and_then(|n| sequence_of(n, prefix)) {
            files.push((seq, entry.path()));
        }
    }
    files.sort();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The end of the message starting at `pos`, or how the file ends there.
fn frame(bytes: &[u8], pos: usize) -> Result<usize, FileEnd> {
    let total = bytes.len();
    let rest = &bytes[pos..];
    let torn = || FileEnd::Torn {
        offset: pos as u64,
        skipped_bytes: (total - pos) as u64,
    };
    let corrupt = |reason: String| FileEnd::Corrupt {
        offset: pos as u64,
        skipped_bytes: (total - pos) as u64,
        reason,
    };
    if rest.len() < 8 {
        let prefix_ok = rest.iter().take(4).all(|&b| b == 0xFF);
        return Err(if prefix_ok {
            torn()
        } else {
            corrupt("no continuation marker".to_owned())
        });
    }
    if rest[..4] != CONTINUATION {
        return Err(corrupt(format!(
            "expected the continuation marker ff ff ff ff, found {:02x?}",
            &rest[..4]
        )));
    }
    let len = u32_at(rest, 4).unwrap_or(0) as usize;
    if len == 0 {
        // The end-of-stream marker.
        return if rest.len() == 8 {
            Err(FileEnd::Closed)
        } else {
            Err(FileEnd::Corrupt {
                offset: (pos + 8) as u64,
                skipped_bytes: (total - pos - 8) as u64,
                reason: "data after the end-of-stream marker".to_owned(),
            })
        };
    }
    if len > i32::MAX as usize {
        return Err(corrupt(format!("metadata length {len} is negative")));
    }
    let Some(meta) = rest.get(8..8 + len) else {
        return Err(torn());
    };
    let message = arrow_ipc::root_as_message(meta)
        .map_err(|e| corrupt(format!("invalid message metadata: {e}")))?;
    let body = usize::try_from(message.bodyLength())
        .map_err(|_| corrupt(format!("negative body length {}", message.bodyLength())))?;
    match (8 + len).checked_add(body) {
        Some(end) if end <= rest.len() => Ok(pos + end),
        _ => Err(torn()),
    }
}

/// Reads one log file: its schema (`None` when it has none), its record batches, and how it
/// ends. Damage is reported in the [`FileReport`], never as an error.
///
/// # Errors
/// [`EventError::Io`] when the file cannot be read.
pub fn read_file(
    path: impl AsRef<Path>,
) -> Result<(Option<EventSchema>, Vec<RecordBatch>, FileReport), EventError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| EventError::io(path, "read", &e))?;
    Ok(decode_file(path, bytes))
}

fn decode_file(path: &Path, bytes: Vec<u8>) -> (Option<EventSchema>, Vec<RecordBatch>, FileReport) {
    let total = bytes.len();
    let buffer = Buffer::from_vec(bytes);
    let mut schema: Option<(EventSchema, SchemaRef)> = None;
    let mut batches = Vec::new();
    let mut pos = 0;
    let end = loop {
        if pos == total {
            break if schema.is_some() {
                FileEnd::Unterminated
            } else {
                FileEnd::NotAnEventLog {
                    reason: "the file is empty".to_owned(),
                }
            };
        }
        let next = match frame(buffer.as_slice(), pos) {
            Ok(next) => next,
            Err(end) => break end,
        };
        let corrupt = |reason: String| FileEnd::Corrupt {
            offset: pos as u64,
            skipped_bytes: (total - pos) as u64,
            reason,
        };
        // `frame` checked that the metadata parses and that the message fits.
        let meta_len = u32_at(buffer.as_slice(), pos + 4).unwrap_or(0) as usize;
        let decoded = catch_unwind(AssertUnwindSafe(|| {
            decode_message(&buffer, pos, meta_len, next, schema.as_ref())
        }));
        match decoded {
            Ok(Ok(Message::Schema(s))) => schema = Some(s),
            Ok(Ok(Message::Batch(b))) => batches.push(b),
            Ok(Err(Bad::Corrupt(reason))) => break corrupt(reason),
            Ok(Err(Bad::NotAnEventLog(reason))) => break FileEnd::NotAnEventLog { reason },
            Err(_) => break corrupt("Arrow's decoder failed on this message".to_owned()),
        }
        pos = next;
    };
    if let FileEnd::NotAnEventLog { .. } = end {
        batches.clear();
        schema = None;
    }
    let report = FileReport {
        path: path.to_path_buf(),
        bytes: total as u64,
        batches: batches.len(),
        events: batches.iter().map(|b| b.num_rows() as u64).sum(),
        end,
    };
    (schema.map(|(s, _)| s), batches, report)
}

enum Message {
    Schema((EventSchema, SchemaRef)),
    Batch(RecordBatch),
}

enum Bad {
    Corrupt(String),
    NotAnEventLog(String),
}

/// Decodes the message in `buffer[pos..end]` (metadata of `meta_len` bytes after the
/// 8-byte prefix): the schema first, record batches after it.
fn decode_message(
    buffer: &Buffer,
    pos: usize,
    meta_len: usize,
    end: usize,
    schema: Option<&(EventSchema, SchemaRef)>,
) -> Result<Message, Bad> {
    let meta = buffer
        .as_slice()
        .get(pos + 8..pos + 8 + meta_len)
        .ok_or_else(|| Bad::Corrupt("message metadata out of range".to_owned()))?;
    let message = arrow_ipc::root_as_message(meta)
        .map_err(|e| Bad::Corrupt(format!("invalid message metadata: {e}")))?;
    let body_start = pos + 8 + meta_len;
    let body = buffer.slice_with_length(body_start, end - body_start);
    match (schema, message.header_type()) {
        (None, MessageHeader::Schema) => {
            let fb = message
                .header_as_schema()
                .ok_or_else(|| Bad::Corrupt("schema message without a schema".to_owned()))?;
            let arrow = arrow_ipc::convert::fb_to_schema(fb);
            let events = EventSchema::from_arrow(&arrow).map_err(Bad::NotAnEventLog)?;
            Ok(Message::Schema((events, Arc::new(arrow))))
        }
        (None, other) => Err(Bad::NotAnEventLog(format!(
            "the first message is a {other:?}, not a schema"
        ))),
        (Some((_, arrow)), MessageHeader::RecordBatch) => {
            let fb = message
                .header_as_record_batch()
                .ok_or_else(|| Bad::Corrupt("record batch message without a batch".to_owned()))?;
            read_record_batch(
                &body,
                fb,
                Arc::clone(arrow),
                &HashMap::new(),
                None,
                &message.version(),
            )
            .map(Message::Batch)
            .map_err(|e| Bad::Corrupt(e.to_string()))
        }
        (Some(_), other) => Err(Bad::Corrupt(format!(
            "unexpected {other:?} message: an event log holds record batches after its schema"
        ))),
    }
}

/// Replays the log files of `prefix` in `dir` in order, calling `visit` on every record
/// batch with its file, its position in the file and the file's schema; damaged files are
/// read up to the damage and reported.
///
/// # Errors
/// The errors of [`log_files`] and [`read_file`], and the first error of `visit` (which
/// stops the replay).
pub fn replay(
    dir: impl AsRef<Path>,
    prefix: &str,
    mut visit: impl FnMut(&Path, usize, &EventSchema, &RecordBatch) -> Result<(), EventError>,
) -> Result<ReplayReport, EventError> {
    let mut report = ReplayReport::default();
    for path in log_files(dir, prefix)? {
        let (schema, batches, file) = read_file(&path)?;
        if let Some(schema) = &schema {
            for (i, b) in batches.iter().enumerate() {
                visit(&path, i, schema, b)?;
            }
        }
        report.files.push(file);
    }
    Ok(report)
}

/// Every event of the log, in order, and the replay's report.
///
/// # Errors
/// The errors of [`replay`], and [`EventError::InvalidBatch`] for a batch whose values do
/// not fit its schema.
pub fn read_events(
    dir: impl AsRef<Path>,
    prefix: &str,
) -> Result<(Vec<PredictionEvent>, ReplayReport), EventError> {
    let mut events = Vec::new();
    let report = replay(dir, prefix, |path, batch, schema, b| {
        let decoded = schema
            .events_from_batch(b)
            .map_err(|reason| EventError::InvalidBatch {
                path: path.to_path_buf(),
                batch,
                reason,
            })?;
        events.extend(decoded);
        Ok(())
    })?;
    Ok((events, report))
}

/// The table a monitor ingests for a batch of events: the features (a struct column's
/// children, by name), plus, when the monitor's profile needs them and no feature has the
/// name, the decision (or, for a profile whose prediction has a threshold, the score) under
/// the profile's prediction column and the event group under the profile's only group
/// column.
fn monitor_batch(monitor: &DriftMonitor, batch: &RecordBatch) -> Result<RecordBatch, String> {
    let schema = batch.schema();
    let idx = |name: &str| schema.index_of(name).map_err(|e| e.to_string());
    let features = batch
        .column(idx("features")?)
        .as_struct_opt()
        .ok_or("column `features` is not a struct")?;
    let mut fields: Vec<Field> = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (f, c) in features.fields().iter().zip(features.columns()) {
        fields.push(f.as_ref().clone().with_nullable(true));
        columns.push(Arc::clone(c));
    }
    let params = &monitor.profile().params;
    let mut add = |name: &str, source: &str| -> Result<(), String> {
        if fields.iter().any(|f| f.name() == name) {
            return Ok(());
        }
        let c = Arc::clone(batch.column(idx(source)?));
        fields.push(Field::new(name, c.data_type().clone(), true));
        columns.push(c);
        Ok(())
    };
    if let Some(p) = &params.prediction {
        add(
            &p.column,
            if p.threshold.is_some() {
                "score"
            } else {
                "decision"
            },
        )?;
    }
    if let [g] = params.group_columns.as_slice() {
        add(g, "group")?;
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| e.to_string())
}

/// Replays the log into `monitor`: every batch's events as one table (see
/// [`replay`]; with time windows, each run of events in the same window is ingested at
/// its first event's time, so that every event lands in the window of its own time).
///
/// The table holds the features; when the profile has a prediction column that no feature
/// provides, the events' decision goes in under its name (their score, when the profile's
/// prediction has a threshold); when the profile has exactly one group column that no
/// feature provides, the events' group goes in under its name.
///
/// # Examples
/// See `tests/events.rs`.
///
/// # Errors
/// The errors of [`replay`]; [`EventError::Ingest`] naming the file and batch when the
/// monitor refuses a batch (a missing column, say), and [`EventError::InvalidBatch`] when
/// a batch cannot be turned into a table.
pub fn replay_into_monitor(
    dir: impl AsRef<Path>,
    prefix: &str,
    monitor: &DriftMonitor,
) -> Result<ReplayReport, EventError> {
    replay(dir, prefix, |path, index, _schema, batch| {
        let invalid = |reason: String| EventError::InvalidBatch {
            path: path.to_path_buf(),
            batch: index,
            reason,
        };
        let table_batch = monitor_batch(monitor, batch).map_err(invalid)?;
        let times = batch
            .column(0)
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| invalid("column `time` is not a timestamp".to_owned()))?;
        let seconds = |r: usize| times.value(r) as f64 / 1e6;
        let ingest = |b: &RecordBatch, t: f64| {
            let table = Table::from_record_batch(b).map_err(|e| EventError::Ingest {
                path: path.to_path_buf(),
                batch: index,
                source: e,
            })?;
            monitor
                .ingest_at(&table, t)
                .map_err(|e| EventError::Ingest {
                    path: path.to_path_buf(),
                    batch: index,
                    source: e,
                })
        };
        let rows = table_batch.num_rows();
        if rows == 0 {
            return Ok(());
        }
        match monitor.config().window {
            Window::Time(s) => {
                let window = |r: usize| (seconds(r) / s).floor();
                let mut start = 0;
                for r in 1..=rows {
                    if r == rows || window(r) != window(start) {
                        ingest(&table_batch.slice(start, r - start), seconds(start))?;
                        start = r;
                    }
                }
                Ok(())
            }
            _ => ingest(&table_batch, seconds(0)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rejects_short_and_bad_prefixes() {
        assert!(matches!(frame(&[0xFF, 0xFF], 0), Err(FileEnd::Torn { .. })));
        assert!(matches!(
            frame(&[0x00, 0xFF], 0),
            Err(FileEnd::Corrupt { .. })
        ));
        let eos = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];
        assert_eq!(frame(&eos, 0), Err(FileEnd::Closed));
        let mut after = eos.to_vec();
        after.push(1);
        assert!(matches!(
            frame(&after, 0),
            Err(FileEnd::Corrupt {
                offset: 8,
                skipped_bytes: 1,
                ..
            })
        ));
        // A metadata length beyond the file is a torn message.
        let long = [0xFF, 0xFF, 0xFF, 0xFF, 100, 0, 0, 0, 1, 2];
        assert!(matches!(
            frame(&long, 0),
            Err(FileEnd::Torn {
                offset: 0,
                skipped_bytes: 10
            })
        ));
        // A negative length is corrupt.
        let neg = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0x80, 1];
        assert!(matches!(frame(&neg, 0), Err(FileEnd::Corrupt { .. })));
    }
}

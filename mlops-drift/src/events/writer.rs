//! [`EventWriter`]: appends prediction events to rotating Arrow IPC stream files.
//!
//! # Batching and threads
//! The writer is `Send + Sync`; a service shares one (e.g. in an `Arc`) between its request
//! threads. [`EventWriter::append`] checks the event against the schema and adds it to an
//! in-memory batch; when the batch holds [`WriterConfig::batch_rows`] events, or its oldest
//! event is older than [`WriterConfig::max_batch_age`] (checked at each append and by
//! [`EventWriter::flush_if_due`]), the batch is written as one record batch message. Batches
//! are written in the order they are taken, and the events of a batch in the order they
//! were appended. There is no background thread: a service that wants a bound on the age of
//! unwritten events calls [`EventWriter::flush_if_due`] on a timer.
//!
//! # When an event is safe
//! `append` returning `Ok` means *buffered*, not written. After [`EventWriter::flush`]
//! returns `Ok`, every event appended before the call is in the operating system's hands
//! (it survives the process being killed); whether it also survives a power loss depends on
//! the [`FsyncPolicy`]:
//! * [`FsyncPolicy::EveryBatch`]: `fsync` after every batch (and of the directory when a
//!   file is created): a flushed event survives a power loss. Slowest.
//! * [`FsyncPolicy::OnRotation`] (default): `fsync` when a file is closed (and of the
//!   directory when a file is created): the closed files survive a power loss; the open
//!   file's recent batches may not.
//! * [`FsyncPolicy::Never`]: leave it to the operating system.
//!
//! # Files and rotation
//! Files are named `{prefix}-{sequence:012}.arrows` in the log directory; a new writer
//! continues after the highest sequence number already there (it never appends to an
//! existing file, whose tail may be torn). A file is closed (end-of-stream marker written)
//! when a batch brings it to [`WriterConfig::max_file_bytes`] or more, when a batch is due
//! and the file is older than [`WriterConfig::max_file_age`], and by [`EventWriter::close`]
//! (or drop). One writer per directory and prefix.
//!
//! # Failures
//! A failed write (full disk, say) returns [`EventError::WriteFailed`] with the number of
//! events lost: the batch's events are not in the log. The file it was written into may now
//! end in a torn message, so it is abandoned and the next batch starts a new file; the
//! reader reports the torn tail and reads everything before it.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use arrow_ipc::writer::StreamWriter;

use super::EventError;
use super::record::{EventSchema, PredictionEvent};

/// When the writer calls `fsync` (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FsyncPolicy {
    /// After every batch written.
    EveryBatch,
    /// When a file is closed.
    #[default]
    OnRotation,
    /// Never.
    Never,
}

/// The writer's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct WriterConfig {
    /// File names start with this (letters, digits, `_` and `-`).
    pub prefix: String,
    /// Events per batch (at least 1).
    pub batch_rows: usize,
    /// A batch is written once its oldest event is this old (`None`: only when full or
    /// flushed).
    pub max_batch_age: Option<Duration>,
    /// A file is closed once it holds this many bytes or more (at least 1).
    pub max_file_bytes: u64,
    /// A file is closed before a batch is written into it once it is this old (`None`:
    /// size only).
    pub max_file_age: Option<Duration>,
    /// When to `fsync`.
    pub fsync: FsyncPolicy,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            prefix: "events".to_owned(),
            batch_rows: 1024,
            max_batch_age: Some(Duration::from_secs(1)),
            max_file_bytes: 64 << 20,
            max_file_age: Some(Duration::from_secs(3600)),
            fsync: FsyncPolicy::OnRotation,
        }
    }
}

/// What a writer has done since it was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriterStats {
    /// Events accepted by [`EventWriter::append`].
    pub appended: u64,
    /// Events written to a file.
    pub written: u64,
    /// Events lost in failed writes.
    pub failed: u64,
    /// Record batches written.
    pub batches: u64,
    /// Files created.
    pub files: u64,
    /// Bytes written (all files).
    pub bytes: u64,
}

/// Counts the bytes that reach the file.
#[derive(Debug)]
struct Counting {
    inner: BufWriter<File>,
    bytes: u64,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

struct OpenFile {
    path: PathBuf,
    writer: StreamWriter<Counting>,
    opened: Instant,
}

struct FileSlot {
    current: Option<OpenFile>,
    next_sequence: u64,
}

#[derive(Default)]
struct Pending {
    events: Vec<PredictionEvent>,
    since: Option<Instant>,
}

/// Appends prediction events to Arrow IPC stream files (see the
/// [module documentation](self)).
pub struct EventWriter {
    dir: PathBuf,
    schema: EventSchema,
    config: WriterConfig,
    /// Lock order: `file` before `pending` (appends take `pending` alone).
    file: Mutex<FileSlot>,
    pending: Mutex<Pending>,
    /// Set by `close` under the file lock and before it takes the pending lock; read by
    /// `append` under the pending lock: an event is either in the final flush or refused.
    closed: AtomicBool,
    appended: AtomicU64,
    written: AtomicU64,
    failed: AtomicU64,
    batches: AtomicU64,
    files: AtomicU64,
    bytes: AtomicU64,
}

impl std::fmt::Debug for EventWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventWriter")
            .field("dir", &self.dir)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves its state consistent before anything can fail.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The sequence number of a log file name, if it is one of `prefix`'s.
pub(crate) fn sequence_of(name: &str, prefix: &str) -> Option<u64> {
    let digits = name
        .strip_prefix(prefix)?
        .strip_prefix('-')?
        .strip_suffix(".arrows")?;
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

pub(crate) fn check_prefix(prefix: &str) -> Result<(), EventError> {
    let ok = !prefix.is_empty()
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(EventError::invalid_parameter(
            "prefix",
            format!("{prefix:?}"),
            "expected a non-empty name of letters, digits, `_` and `-`",
        ))
    }
}

fn sync_dir(dir: &Path) -> Result<(), EventError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| EventError::io(dir, "sync", &e))
}

impl EventWriter {
    /// A writer of events with `schema` into the directory `dir` (created if absent).
    ///
    /// # Examples
    /// ```
    /// use mlops_drift::events::*;
    /// let dir = std::env::temp_dir().join(format!("mlops-doc-writer-{}", std::process::id()));
    /// let schema = EventSchema::new(vec![("income".into(), FeatureKind::Numeric)])?;
    /// let writer = EventWriter::open(&dir, schema, WriterConfig::default())?;
    /// writer.append(PredictionEvent {
    ///     time_us: 1_700_000_000_000_000,
    ///     model_id: "pd".into(),
    ///     model_version: "3".into(),
    ///     request_id: "r-1".into(),
    ///     features: vec![FeatureValue::Numeric(52_000.0)],
    ///     score: 0.12,
    ///     decision: false,
    ///     policy_rule: "score < 0.31".into(),
    ///     group: Some("A".into()),
    ///     action: "approve".into(),
    ///     explanation: None,
    /// })?;
    /// writer.close()?;
    /// let (events, report) = read_events(&dir, "events")?;
    /// assert_eq!(events.len(), 1);
    /// assert!(report.is_clean());
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), EventError>(())
    /// ```
    ///
    /// # Errors
    /// [`EventError::InvalidParameter`] for a bad prefix or a zero size, and
    /// [`EventError::Io`] when the directory cannot be created or listed.
    pub fn open(
        dir: impl AsRef<Path>,
        schema: EventSchema,
        config: WriterConfig,
    ) -> Result<Self, EventError> {
        let dir = dir.as_ref().to_path_buf();
        check_prefix(&config.prefix)?;
        if config.batch_rows == 0 {
            return Err(EventError::invalid_parameter(
                "batch_rows",
                0,
                "expected at least 1",
            ));
        }
        if config.max_file_bytes == 0 {
            return Err(EventError::invalid_parameter(
                "max_file_bytes",
                0,
                "expected at least 1",
            ));
        }
        std::fs::create_dir_all(&dir).map_err(|e| EventError::io(&dir, "create", &e))?;
        let next_sequence = super::reader::log_files(&dir, &config.prefix)?
            .iter()
            .filter_map(|p| sequence_of(p.file_name()?.to_str()?, &config.prefix))
            .max()
            .map_or(0, |s| s + 1);
        Ok(Self {
            dir,
            schema,
            config,
            file: Mutex::new(FileSlot {
                current: None,
                next_sequence,
            }),
            closed: AtomicBool::new(false),
            pending: Mutex::new(Pending::default()),
            appended: AtomicU64::new(0),
            written: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        })
    }

    /// The schema events are checked against.
    pub fn schema(&self) -> &EventSchema {
        &self.schema
    }

    /// The log directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The settings.
    pub fn config(&self) -> &WriterConfig {
        &self.config
    }

    /// What the writer has done so far.
    pub fn stats(&self) -> WriterStats {
        WriterStats {
            appended: self.appended.load(Ordering::SeqCst),
            written: self.written.load(Ordering::SeqCst),
            failed: self.failed.load(Ordering::SeqCst),
            batches: self.batches.load(Ordering::SeqCst),
            files: self.files.load(Ordering::SeqCst),
            bytes: self.bytes.load(Ordering::SeqCst),
        }
    }

    /// Adds an event to the current batch, writing the batch when it is full or due.
    ///
    /// # Errors
    /// [`EventError::InvalidEvent`] when the event does not fit the schema (nothing is
    /// buffered), [`EventError::Closed`] after [`EventWriter::close`], and the errors of
    /// [`EventWriter::flush`] when the batch is written (the event itself is then in the
    /// failed batch or written).
    pub fn append(&self, event: PredictionEvent) -> Result<(), EventError> {
        self.schema.check(&event)?;
        let due = {
            let mut p = lock(&self.pending);
            if self.closed.load(Ordering::SeqCst) {
                return Err(EventError::Closed);
            }
            p.since.get_or_insert_with(Instant::now);
            p.events.push(event);
            self.appended.fetch_add(1, Ordering::SeqCst);
            p.events.len() >= self.config.batch_rows || self.too_old(&p)
        };
        if due { self.flush() } else { Ok(()) }
    }

    fn too_old(&self, p: &Pending) -> bool {
        match (self.config.max_batch_age, p.since) {
            (Some(age), Some(t)) => t.elapsed() >= age,
            _ => false,
        }
    }

    /// Writes the current batch if its oldest event is older than
    /// [`WriterConfig::max_batch_age`].
    ///
    /// # Errors
    /// See [`EventWriter::flush`].
    pub fn flush_if_due(&self) -> Result<(), EventError> {
        let due = self.too_old(&lock(&self.pending));
        if due { self.flush() } else { Ok(()) }
    }

    /// Writes every buffered event (see the [module documentation](self) for what is then
    /// safe).
    ///
    /// # Errors
    /// [`EventError::WriteFailed`] when the batch could not be written (its events are
    /// lost), [`EventError::Io`] when a file could not be created or closed.
    pub fn flush(&self) -> Result<(), EventError> {
        let mut slot = lock(&self.file);
        self.flush_locked(&mut slot)
    }

    fn flush_locked(&self, slot: &mut FileSlot) -> Result<(), EventError> {
        let events = {
            let mut p = lock(&self.pending);
            p.since = None;
            std::mem::take(&mut p.events)
        };
        if events.is_empty() {
            return Ok(());
        }
        let n = events.len();
        let batch = match self.schema.to_batch(&events) {
            Ok(b) => b,
            Err(e) => {
                self.failed.fetch_add(n as u64, Ordering::SeqCst);
                return Err(e);
            }
        };
        drop(events);
        if let Some(age) = self.config.max_file_age
            && slot
                .current
                .as_ref()
                .is_some_and(|f| f.opened.elapsed() >= age)
        {
            self.close_file(slot)?;
        }
        if slot.current.is_none()
            && let Err(e) = self.open_file(slot)
        {
            self.failed.fetch_add(n as u64, Ordering::SeqCst);
            return Err(e);
        }
        let Some(file) = slot.current.as_mut() else {
            return Ok(());
        };
        let before = file.writer.get_ref().bytes;
        let result = file
            .writer
            .write(&batch)
            .and_then(|()| file.writer.flush())
            .map_err(|e| (arrow_kind(&e), e.to_string()))
            .and_then(|()| {
                if self.config.fsync == FsyncPolicy::EveryBatch {
                    file.writer
                        .get_ref()
                        .inner
                        .get_ref()
                        .sync_data()
                        .map_err(|e| (e.kind(), e.to_string()))
                } else {
                    Ok(())
                }
            });
        let after = file.writer.get_ref().bytes;
        self.bytes.fetch_add(after - before, Ordering::SeqCst);
        match result {
            Ok(()) => {
                self.written.fetch_add(n as u64, Ordering::SeqCst);
                self.batches.fetch_add(1, Ordering::SeqCst);
                if after >= self.config.max_file_bytes {
                    self.close_file(slot)?;
                }
                Ok(())
            }
            Err((kind, message)) => {
                self.failed.fetch_add(n as u64, Ordering::SeqCst);
                // The file may end in part of a message: abandon it, unterminated.
                let path = slot
                    .current
                    .take()
                    .map(|f| f.path)
                    .unwrap_or_else(|| self.dir.clone());
                Err(EventError::WriteFailed {
                    path,
                    events: n,
                    kind,
                    message,
                })
            }
        }
    }

    fn open_file(&self, slot: &mut FileSlot) -> Result<(), EventError> {
        let (path, file) = loop {
            let path = self.dir.join(format!(
                "{}-{:012}.arrows",
                self.config.prefix, slot.next_sequence
            ));
            slot.next_sequence += 1;
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(f) => break (path, f),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(EventError::io(&path, "create", &e)),
            }
        };
        if self.config.fsync != FsyncPolicy::Never {
            sync_dir(&self.dir)?;
        }
        let counting = Counting {
            inner: BufWriter::new(file),
            bytes: 0,
        };
        let mut writer = StreamWriter::try_new(counting, &self.schema.arrow_schema())
            .and_then(|mut w| w.flush().map(|()| w))
            .map_err(|e| EventError::Io {
                path: path.clone(),
                operation: "write the schema of",
                kind: arrow_kind(&e),
                message: e.to_string(),
            })?;
        self.files.fetch_add(1, Ordering::SeqCst);
        self.bytes
            .fetch_add(writer.get_mut().bytes, Ordering::SeqCst);
        slot.current = Some(OpenFile {
            path,
            writer,
            opened: Instant::now(),
        });
        Ok(())
    }

    /// Writes the end-of-stream marker and closes the current file.
    fn close_file(&self, slot: &mut FileSlot) -> Result<(), EventError> {
        let Some(mut f) = slot.current.take() else {
            return Ok(());
        };
        let before = f.writer.get_ref().bytes;
        let result = f.writer.finish().and_then(|()| f.writer.flush());
        self.bytes
            .fetch_add(f.writer.get_ref().bytes - before, Ordering::SeqCst);
        result.map_err(|e| EventError::Io {
            path: f.path.clone(),
            operation: "close",
            kind: arrow_kind(&e),
            message: e.to_string(),
        })?;
        if self.config.fsync != FsyncPolicy::Never {
            f.writer
                .get_ref()
                .inner
                .get_ref()
                .sync_all()
                .map_err(|e| EventError::io(&f.path, "sync", &e))?;
        }
        Ok(())
    }

    /// Writes the buffered events and closes the current file; later appends fail with
    /// [`EventError::Closed`]. Dropping the writer does the same, ignoring errors.
    ///
    /// # Errors
    /// See [`EventWriter::flush`].
    pub fn close(&self) -> Result<(), EventError> {
        let mut slot = lock(&self.file);
        if self.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let flushed = self.flush_locked(&mut slot);
        let closed = self.close_file(&mut slot);
        flushed.and(closed)
    }
}

/// The I/O kind behind an Arrow error (`Other` when it is not an I/O error).
fn arrow_kind(e: &arrow_schema::ArrowError) -> std::io::ErrorKind {
    match e {
        arrow_schema::ArrowError::IoError(_, io) => io.kind(),
        _ => std::io::ErrorKind::Other,
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        // Errors cannot be returned from drop; `close` reports them to callers who ask.
        let _ = self.close();
    }
}

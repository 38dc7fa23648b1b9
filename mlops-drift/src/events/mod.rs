//! The prediction event log of a model service, and the outcomes joined to it later.
//!
//! * [`record`]: one [`PredictionEvent`] per scored request (time, model id and version,
//!   request id, the input features as a table row, the output: score, decision, the policy
//!   rule that applied and the group; the action taken; an optional explanation), and the
//!   Arrow schema it is stored under ([`EventSchema`]);
//! * [`writer`]: [`EventWriter`], shared by a service's threads, appending events in batches
//!   to Arrow IPC stream files, rotating them by size and age, with an [`FsyncPolicy`];
//! * [`reader`]: [`replay`] of a directory of such files in order, with a typed
//!   [`ReplayReport`] of what a crash left torn or corrupt, and [`replay_into_monitor`];
//! * [`outcome`]: [`OutcomeJoiner`], joining outcomes (known months later) to predictions
//!   by request id, and the realised false-positive rate and cost per group and window.
//!
//! # File format
//! Each file is one Arrow IPC *stream* (`.arrows`): a schema message, then one record batch
//! message per written batch, then (when the file was closed cleanly) the end-of-stream
//! marker. The stream format was chosen over the IPC *file* format because a stream is
//! readable up to its last complete message without a footer: a process killed mid-write
//! leaves a file whose complete batches are all readable, and whose torn tail is detected
//! because its last message is shorter than its header announces. A file in the IPC file
//! format is unreadable without the footer that only a clean close writes. pyarrow
//! (`pyarrow.ipc.open_stream`) and polars (`polars.read_ipc_stream`) open the files
//! directly; the features are one struct column, `features` (`unnest("features")` in
//! polars, `flatten()` in pyarrow).

use std::path::PathBuf;

use thiserror::Error;

use crate::DriftError;

pub mod outcome;
pub mod reader;
pub mod record;
pub mod writer;

pub use outcome::{
    JoinConfig, JoinCounters, JoinStatus, Outcome, OutcomeCounts, OutcomeJoiner, PredictionRecord,
    RealisedGroup, RealisedWindow,
};
pub use reader::{
    FileEnd, FileReport, ReplayReport, log_files, read_events, read_file, replay,
    replay_into_monitor,
};
pub use record::{
    EVENT_LOG_FORMAT_VERSION, EventSchema, FeatureKind, FeatureValue, PredictionEvent,
};
pub use writer::{EventWriter, FsyncPolicy, WriterConfig, WriterStats};

/// Everything that can go wrong writing, reading or joining the event log.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum EventError {
    /// A drift error (a monitor refusing a replayed batch, say).
    #[error(transparent)]
    Drift(#[from] DriftError),

    /// An operating-system call on a file or directory failed.
    #[error("could not {operation} `{path}`: {message}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done (`"create"`, `"write"`, `"sync"`, `"read"`, ...).
        operation: &'static str,
        /// The kind of failure (`StorageFull`, `PermissionDenied`, ...).
        kind: std::io::ErrorKind,
        /// The system's message.
        message: String,
    },

    /// An event does not fit the writer's schema.
    #[error("event of request `{request_id}`: column `{column}` {reason}")]
    InvalidEvent {
        /// The event's request id.
        request_id: String,
        /// The offending column (a feature's name, or `score`, `request_id`, ...).
        column: String,
        /// What is wrong.
        reason: String,
    },

    /// The feature list of a schema is unusable.
    #[error("event schema: column `{column}` {reason}")]
    InvalidSchema {
        /// The column concerned.
        column: String,
        /// What is wrong.
        reason: String,
    },

    /// A parameter is outside its domain.
    #[error("parameter `{name}` = {value} is invalid: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: String,
        /// The value given, as text.
        value: String,
        /// What the valid values are.
        reason: String,
    },

    /// A batch of events could not be written; the events in it are not in the log.
    #[error("{events} event(s) were not written to `{path}`: {message}")]
    WriteFailed {
        /// The file being written.
        path: PathBuf,
        /// Events lost with the batch.
        events: usize,
        /// The kind of failure.
        kind: std::io::ErrorKind,
        /// What failed.
        message: String,
    },

    /// The writer was closed.
    #[error("the event writer is closed: open a new one to append events")]
    Closed,

    /// A batch read from a log file could not be turned into events or a table.
    #[error("`{path}`, batch {batch}: {reason}")]
    InvalidBatch {
        /// The file.
        path: PathBuf,
        /// The batch's position in the file (0-based).
        batch: usize,
        /// What is wrong.
        reason: String,
    },

    /// A monitor refused a replayed batch.
    #[error("`{path}`, batch {batch}: the monitor refused the events: {source}")]
    Ingest {
        /// The file.
        path: PathBuf,
        /// The batch's position in the file (0-based).
        batch: usize,
        /// The monitor's error.
        source: DriftError,
    },
}

impl EventError {
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        operation: &'static str,
        e: &std::io::Error,
    ) -> Self {
        Self::Io {
            path: path.into(),
            operation,
            kind: e.kind(),
            message: e.to_string(),
        }
    }

    pub(crate) fn invalid_parameter(
        name: &str,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidParameter {
            name: name.to_owned(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

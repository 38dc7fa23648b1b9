//! What can go wrong on the command line, each naming its culprit (file, column, row,
//! value), and the exit status it gives.

use std::path::Path;

use thiserror::Error;

/// A command that could not run: bad usage or bad input (exit status 2).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CliError {
    /// The command line itself (unknown flag, missing argument, bad flag value).
    #[error("{0}")]
    Usage(String),
    /// A file that cannot be opened, read or written.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A data file without bytes, or without rows.
    #[error("{path}: {what}")]
    Empty {
        /// The file.
        path: String,
        /// `"the file is empty"` or `"the file has a header but no rows"`.
        what: &'static str,
    },
    /// A column the command needs is not in the file.
    #[error("{path}: no column `{column}` (the file has: {available})")]
    MissingColumn {
        /// The file.
        path: String,
        /// The column asked for.
        column: String,
        /// The file's columns, comma-separated.
        available: String,
    },
    /// A cell that cannot be what its column must hold.
    #[error("{path}: column `{column}`, row {row}: {value} {problem}")]
    BadValue {
        /// The file.
        path: String,
        /// The column.
        column: String,
        /// The row (0-based, header not counted).
        row: usize,
        /// The value as read (quoted text, or a number).
        value: String,
        /// Why it cannot be used (`"is not a number"`, ...).
        problem: String,
    },
    /// A column whose type cannot hold what it must.
    #[error("{path}: column `{column}` holds {found}; {expected}")]
    ColumnType {
        /// The file.
        path: String,
        /// The column.
        column: String,
        /// Its Arrow type.
        found: String,
        /// What it must hold.
        expected: &'static str,
    },
    /// An error of the library, with what the command was doing.
    #[error("{context}: {source}")]
    Library {
        /// What was being computed or read (`"fitting the thresholds"`, a file name, ...).
        context: String,
        /// The library's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl CliError {
    /// An error of the library while doing `context`.
    pub(crate) fn library(
        context: impl Into<String>,
    ) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> Self {
        let context = context.into();
        move |source| Self::Library { context, source }
    }

    /// A file error.
    pub(crate) fn file(path: &Path, reason: impl std::fmt::Display) -> Self {
        Self::File {
            path: path.display().to_string(),
            reason: reason.to_string(),
        }
    }

    /// The message on one line (a library message may hold a parser's multi-line text).
    pub fn one_line(&self) -> String {
        self.to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// `?` on a library call: the error with what the command was doing.
pub(crate) trait Context<T> {
    /// Wraps the error as [`CliError::Library`] with `context`.
    fn context(self, context: impl Into<String>) -> Result<T, CliError>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Context<T> for Result<T, E> {
    fn context(self, context: impl Into<String>) -> Result<T, CliError> {
        self.map_err(|e| CliError::library(context)(Box::new(e)))
    }
}

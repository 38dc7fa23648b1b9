//! The `mlops-audit` command line: the library's audits on CSV, Parquet and Arrow IPC files,
//! for CI steps that are not Python (a Jenkins shell step, GitHub Actions, a JVM shop).
//!
//! One implementation for both entry points: the binary `mlops-audit` (`src/bin`) and the
//! Python wheel's `python -m mlops_audit` call [`main`] with the arguments after the
//! program name. Every number comes from the library; this module reads files, parses
//! flags, calls the library and prints.
//!
//! Exit status: 0 when the check passed (or there was nothing to check), 1 when a
//! requirement, the fairness test or the drift check failed, 2 for bad usage or bad input,
//! with a one-line reason on stderr. `--json` prints the library's own JSON of the result
//! on stdout. A progress line appears on stderr during long steps, only on a terminal.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod commands;
mod error;
mod progress;
mod read;

pub use error::CliError;

/// Exit status of a check that passed.
pub const EXIT_PASS: u8 = 0;
/// Exit status of a failed check: a requirement, the fairness test or drift.
pub const EXIT_FAIL: u8 = 1;
/// Exit status of bad usage or bad input.
pub const EXIT_ERROR: u8 = 2;

/// The program's name in usage lines and messages.
const PROGRAM: &str = "mlops-audit";

#[derive(Debug, Parser)]
#[command(
    name = PROGRAM,
    version,
    about = "Audit ML models for fairness, calibration and drift, and gate their deployment.",
    long_about = "Audit ML models for fairness, calibration and drift, and gate their deployment.\n\n\
        Data files are CSV (with a header), Parquet or Arrow IPC (file or stream), recognised \
        from their first bytes. Exit status: 0 pass, 1 a requirement, the fairness test or the \
        drift check failed, 2 bad usage or bad input (one line on stderr)."
)]
struct Cli {
    /// Print the result as JSON (the library's own serialisation) instead of a summary.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Group audit of a decision rule: rates per group, the largest gap against a tolerance,
    /// optional bootstrap intervals. Exit 1 when the gap exceeds the tolerance.
    Audit(AuditArgs),
    /// Fit the cost-optimal per-group thresholds under a fairness constraint (equal
    /// opportunity on the false-positive rate by default) and write the policy as JSON.
    Fit(FitArgs),
    /// Apply a policy to scores: the decisions, as a file (input columns plus the
    /// decision column) or JSON.
    Apply(ApplyArgs),
    /// Reference profile of training data (every column, or those chosen), as JSON.
    Profile(ProfileArgs),
    /// Drift of a production file against a reference profile. Exit 1 on a drift alert.
    Drift(DriftArgs),
    /// Champion versus challenger on one labelled file: DeLong (AUC), McNemar (decisions
    /// at a threshold) and a paired bootstrap of the cost per decision.
    Compare(CompareArgs),
    /// The deployment gate: requirements (TOML or JSON) against the measured evidence.
    /// Exit 1 when a requirement fails or is not measured.
    Gate(GateArgs),
    /// The HTML and JSON report (audit, policy, comparison, drift and, with
    /// --requirements, the gate). Exit 1 when the gate fails.
    Report(ReportArgs),
}

/// A labelled, scored file with its group columns.
#[derive(Debug, Args)]
struct Labelled {
    /// The data file (CSV, Parquet or Arrow IPC).
    data: PathBuf,
    /// The label column (1 = the event the model flags, e.g. a default; 0 otherwise).
    #[arg(long)]
    label: String,
    /// The score column (the model's score; flagged when score >= threshold).
    #[arg(long)]
    score: String,
    /// A group column (repeat for intersectional groups).
    #[arg(long = "group", required = true)]
    groups: Vec<String>,
    /// A sample-weight column.
    #[arg(long)]
    weight: Option<String>,
}

/// The costs of the two errors.
#[derive(Debug, Args, Clone, Copy)]
struct CostArgs {
    /// Cost of a missed event (a false negative).
    #[arg(long, default_value_t = 5.0)]
    fn_cost: f64,
    /// Cost of a needless flag (a false positive).
    #[arg(long, default_value_t = 1.0)]
    fp_cost: f64,
}

/// The decision rule: one threshold, a policy, or (neither) the cost-optimal threshold.
#[derive(Debug, Args)]
struct RuleArgs {
    /// One threshold for everyone (default: the cost-optimal fp_cost / (fp_cost + fn_cost)).
    #[arg(long, conflicts_with = "policy")]
    threshold: Option<f64>,
    /// A policy written by `fit`: its per-group rules.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Seed of the draws of a randomized policy's rules.
    #[arg(long, default_value_t = 0)]
    draw_seed: u64,
}

#[derive(Debug, Args)]
struct AuditArgs {
    #[command(flatten)]
    data: Labelled,
    #[command(flatten)]
    rule: RuleArgs,
    #[command(flatten)]
    cost: CostArgs,
    /// The rate whose largest gap is tested (fpr, tpr, selection_rate, ...).
    #[arg(long, default_value = "fpr")]
    constraint: String,
    /// The largest gap that passes.
    #[arg(long, default_value_t = 0.05)]
    tolerance: f64,
    /// Groups with fewer positive or negative rows get a warning.
    #[arg(long, default_value_t = 30)]
    min_count: usize,
    /// Bootstrap replicates for intervals (0: none).
    #[arg(long, default_value_t = 0)]
    bootstrap: usize,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(Debug, Args)]
struct FitArgs {
    #[command(flatten)]
    data: Labelled,
    #[command(flatten)]
    cost: CostArgs,
    /// The constrained rate (fpr: equal opportunity for a punitive flag).
    #[arg(long, default_value = "fpr")]
    constraint: String,
    /// Largest allowed gap of the constrained rate between groups.
    #[arg(long, default_value_t = 0.01)]
    tolerance: f64,
    /// Allow randomized rules (mixtures of two thresholds).
    #[arg(long)]
    randomized: bool,
    /// Write the policy JSON to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ApplyArgs {
    /// The data file (CSV, Parquet or Arrow IPC).
    data: PathBuf,
    /// The policy written by `fit`.
    #[arg(long)]
    policy: PathBuf,
    /// The score column.
    #[arg(long)]
    score: String,
    /// A group column (repeat for intersectional groups), as when the policy was fitted.
    #[arg(long = "group", required = true)]
    groups: Vec<String>,
    /// Threshold for rows of groups the policy has not seen (default: an error).
    #[arg(long)]
    fallback: Option<f64>,
    /// Seed of the draws of randomized rules (row i draws uniform_from_seed(seed, i)).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the input columns plus the decisions here (.csv, .parquet, .arrow, .arrows).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The name of the decision column in --out.
    #[arg(long, default_value = "flagged")]
    column: String,
}

#[derive(Debug, Args)]
struct ProfileArgs {
    /// The training data file.
    data: PathBuf,
    /// Profile only these columns (comma-separated; default: all but --exclude).
    #[arg(long, value_delimiter = ',')]
    columns: Vec<String>,
    /// Leave these columns out (comma-separated), e.g. the label.
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
    /// Treat these columns as categorical whatever their type (comma-separated).
    #[arg(long, value_delimiter = ',')]
    categorical: Vec<String>,
    /// Group columns for the output-rate counts (repeat).
    #[arg(long = "group")]
    groups: Vec<String>,
    /// The prediction column (0/1 decisions, or scores with --prediction-threshold).
    #[arg(long)]
    prediction: Option<String>,
    /// Threshold turning the prediction column's scores into decisions.
    #[arg(long, requires = "prediction")]
    prediction_threshold: Option<f64>,
    /// Numeric columns keep this many values exactly, a quantile sketch beyond.
    #[arg(long)]
    sample_cap: Option<usize>,
    /// Seed of the sketch.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the profile JSON to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct DriftArgs {
    /// The production data file.
    data: PathBuf,
    /// The reference profile written by `profile`.
    #[arg(long)]
    profile: PathBuf,
    /// Test only these features (comma-separated; default: every profiled column).
    #[arg(long, value_delimiter = ',')]
    features: Vec<String>,
    /// Significance level of the drift tests (after the multiple-testing correction).
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// The labelled data file with both models' scores.
    data: PathBuf,
    /// The label column.
    #[arg(long)]
    label: String,
    /// The live model's score column.
    #[arg(long)]
    champion: String,
    /// The candidate's score column.
    #[arg(long)]
    challenger: String,
    #[command(flatten)]
    cost: CostArgs,
    /// Threshold of both models' decisions (McNemar, cost); default cost-optimal.
    #[arg(long)]
    threshold: Option<f64>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// Resamples of the paired bootstrap of the cost per decision (0: none).
    #[arg(long, default_value_t = 1000)]
    bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// Everything the gate and the report measure.
#[derive(Debug, Args)]
struct EvidenceArgs {
    #[command(flatten)]
    data: Labelled,
    #[command(flatten)]
    rule: RuleArgs,
    #[command(flatten)]
    cost: CostArgs,
    /// The live model's score column: adds DeLong's one-sided p-value of "the challenger
    /// (--score) ranks worse".
    #[arg(long)]
    champion: Option<String>,
    /// Reference profile for the drift check (with --production).
    #[arg(long, requires = "production")]
    profile: Option<PathBuf>,
    /// Production data checked against --profile.
    #[arg(long, requires = "profile")]
    production: Option<PathBuf>,
    /// Tolerance of the audit's FPR-gap test (shown in the report).
    #[arg(long, default_value_t = 0.05)]
    tolerance: f64,
    /// Equal-width bins of the expected calibration error.
    #[arg(long, default_value_t = 10)]
    bins: usize,
}

#[derive(Debug, Args)]
struct GateArgs {
    /// The requirements (TOML, or JSON when the file ends in .json).
    #[arg(long)]
    requirements: PathBuf,
    #[command(flatten)]
    evidence: EvidenceArgs,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// The requirements (TOML, or JSON when the file ends in .json): adds the gate.
    #[arg(long)]
    requirements: Option<PathBuf>,
    #[command(flatten)]
    evidence: EvidenceArgs,
    /// Directory for report.html and report.json (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// The report's title.
    #[arg(long, default_value = "Model audit")]
    title: String,
}

/// What a command found: whether its check passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Passed, or nothing to check.
    Pass,
    /// A requirement, the fairness test or the drift check failed.
    Fail,
}

/// Runs the command line `args` (without the program name), printing results on stdout
/// and errors on stderr, and returns the exit status: [`EXIT_PASS`], [`EXIT_FAIL`] or
/// [`EXIT_ERROR`].
pub fn main<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let argv = std::iter::once(OsString::from(PROGRAM)).chain(args.into_iter().map(Into::into));
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = write!(std::io::stdout(), "{}", e.render());
                    EXIT_PASS
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => report_error(
                    &CliError::Usage(format!("no command given (see `{PROGRAM} --help`)")),
                ),
                _ => {
                    // clap's message spans paragraphs (the error, a tip, the usage); the
                    // first says it all (a list of missing flags included).
                    let text = e.render().to_string();
                    let first: Vec<&str> = text
                        .trim_start()
                        .lines()
                        .take_while(|l| !l.trim().is_empty())
                        .map(str::trim)
                        .collect();
                    let first = first.join(" ");
                    let first = first.trim_start_matches("error: ");
                    report_error(&CliError::Usage(format!(
                        "{first} (see `{PROGRAM} --help`)"
                    )))
                }
            };
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = commands::run(cli, &mut out);
    let flushed = out.flush();
    match (result, flushed) {
        (Ok(Outcome::Pass), Ok(())) => EXIT_PASS,
        (Ok(Outcome::Fail), Ok(())) => EXIT_FAIL,
        (Err(e), _) => report_error(&e),
        (_, Err(e)) => report_error(&CliError::File {
            path: "stdout".into(),
            reason: e.to_string(),
        }),
    }
}

fn report_error(e: &CliError) -> u8 {
    let _ = writeln!(std::io::stderr(), "{PROGRAM}: error: {}", e.one_line());
    EXIT_ERROR
}

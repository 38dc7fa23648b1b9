//! A seeded simulator of a lending portfolio: the built-in data of the loan audit.
//!
//! Each row is an approved loan. Applicants belong to one of four groups of a protected
//! attribute (`ethnicity`, groups `A` to `D` of 55%, 25%, 12% and 8%) that differ in
//! income, credit-history length and region, and hence in default rate. The outcome comes
//! from a latent logistic model of the features plus unobserved noise; two fixed models
//! score every loan:
//!
//! - the **champion** leaves out the credit-history length and leans on `region`, a proxy
//!   for group; it over-flags the repaying applicants of the groups concentrated in the
//!   south, so one threshold for everyone fails Equal Opportunity on the FPR;
//! - the **challenger** uses the credit history and not the region, with its own
//!   estimation noise: a slightly different model with different group-wise errors.
//!
//! Scores are probabilities rounded to 4 decimals (so ties occur, as in production).
//! Named [`LendingDrift`] scenarios turn a sample into a production window that drifted.
//!
//! Every number below is a constant of this simulator, chosen to look like a consumer-loan
//! book; none is estimated from real data.

use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

use super::DatasetError;

/// A production window's drift scenario.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Display, EnumString, IntoStaticStr, EnumIter,
)]
#[strum(
    serialize_all = "snake_case",
    parse_err_ty = DatasetError,
    parse_err_fn = LendingDrift::unknown
)]
#[non_exhaustive]
pub enum LendingDrift {
    /// The training distribution.
    #[default]
    None,
    /// An economic downturn: incomes fall 15%, debt-to-income rises by 0.06, and defaults
    /// rise beyond what the features explain.
    Downturn,
    /// A new product: 12% of loans have the purpose `green_energy`, unseen in training.
    NewProduct,
    /// A data-pipeline fault: `employment_years` is missing (NaN) for 25% of the rows,
    /// and the models score those rows as if it were 0.
    PipelineFault,
}

impl LendingDrift {
    fn unknown(given: &str) -> DatasetError {
        DatasetError::UnknownScenario {
            name: given.to_owned(),
        }
    }
}

/// A simulated lending portfolio, one entry per loan in every column.
#[derive(Debug, Clone, PartialEq)]
pub struct Lending {
    /// The protected attribute: `A`, `B`, `C` or `D`.
    pub ethnicity: Vec<&'static str>,
    /// `north`, `south`, `east` or `west`.
    pub region: Vec<&'static str>,
    /// `rent`, `mortgage` or `own`.
    pub home_ownership: Vec<&'static str>,
    /// `debt_consolidation`, `home_improvement`, `car`, `small_business`, `education`
    /// (and `green_energy` in the new-product scenario).
    pub purpose: Vec<&'static str>,
    /// Annual income, rounded to 100.
    pub income: Vec<f64>,
    /// Loan amount, rounded to 100.
    pub loan_amount: Vec<f64>,
    /// 36 or 60 months.
    pub term_months: Vec<f64>,
    /// Monthly debt payments over monthly income, rounded to 0.001.
    pub debt_to_income: Vec<f64>,
    /// Length of the credit history in years, rounded to 0.1.
    pub credit_history_years: Vec<f64>,
    /// Years with the current employer (NaN where missing).
    pub employment_years: Vec<f64>,
    /// The outcome: 1 = the loan defaulted, 0 = repaid.
    pub default: Vec<u8>,
    /// The live model's probability of default.
    pub champion_score: Vec<f64>,
    /// The retrained model's probability of default.
    pub challenger_score: Vec<f64>,
    /// The scenario simulated.
    pub drift: LendingDrift,
    /// The seed.
    pub seed: u64,
}

impl Lending {
    /// Number of loans.
    pub fn len(&self) -> usize {
        self.default.len()
    }

    /// `true` for an empty portfolio.
    pub fn is_empty(&self) -> bool {
        self.default.is_empty()
    }

    /// The numeric feature columns, `(name, values)`, in table order.
    pub fn numeric(&self) -> [(&'static str, &[f64]); 6] {
        [
            ("income", &self.income),
            ("loan_amount", &self.loan_amount),
            ("term_months", &self.term_months),
            ("debt_to_income", &self.debt_to_income),
            ("credit_history_years", &self.credit_history_years),
            ("employment_years", &self.employment_years),
        ]
    }

    /// The categorical columns, `(name, values)`: the features, then the protected
    /// attribute.
    pub fn categorical(&self) -> [(&'static str, &[&'static str]); 4] {
        [
            ("region", &self.region),
            ("home_ownership", &self.home_ownership),
            ("purpose", &self.purpose),
            ("ethnicity", &self.ethnicity),
        ]
    }
}

const GROUPS: [&str; 4] = ["A", "B", "C", "D"];
const GROUP_SHARE: [f64; 4] = [0.55, 0.25, 0.12, 0.08];
/// Mean log income by group.
const LOG_INCOME: [f64; 4] = [10.95, 10.75, 10.55, 10.85];
/// Mean credit-history length (years) by group.
const HISTORY_YEARS: [f64; 4] = [12.0, 9.0, 6.0, 10.0];
const REGIONS: [&str; 4] = ["north", "south", "east", "west"];
/// Region shares by group: groups B and C live mostly in the south.
const REGION_SHARE: [[f64; 4]; 4] = [
    [0.35, 0.15, 0.25, 0.25],
    [0.15, 0.55, 0.15, 0.15],
    [0.10, 0.65, 0.15, 0.10],
    [0.25, 0.20, 0.20, 0.35],
];
const PURPOSES: [&str; 5] = [
    "debt_consolidation",
    "home_improvement",
    "car",
    "small_business",
    "education",
];
const PURPOSE_SHARE: [f64; 5] = [0.45, 0.20, 0.15, 0.10, 0.10];
/// Effect of each purpose on the log-odds of default (then `green_energy`).
const PURPOSE_EFFECT: [f64; 6] = [0.0, -0.15, -0.2, 0.6, 0.3, 0.2];
const HOMES: [&str; 3] = ["rent", "mortgage", "own"];
const HOME_EFFECT: [f64; 3] = [0.2, 0.0, -0.2];

/// Draws from a discrete distribution.
fn pick(rng: &mut impl Rng, shares: &[f64]) -> usize {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (i, &p) in shares.iter().enumerate() {
        acc += p;
        if u < acc {
            return i;
        }
    }
    shares.len() - 1
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// An exponential draw with mean 1.
fn exponential(rng: &mut impl Rng) -> f64 {
    -(1.0 - rng.random::<f64>()).ln()
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Rounds to `decimals` decimal places (negative: to tens, hundreds, ...), so that a
/// rounded value prints as it reads (`0.1234`, not `0.12340000000000001`).
fn round_to(x: f64, decimals: i32) -> f64 {
    if decimals >= 0 {
        let scale = 10f64.powi(decimals);
        (x * scale).round() / scale
    } else {
        let scale = 10f64.powi(-decimals);
        (x / scale).round() * scale
    }
}

/// Simulates `n` loans with the given seed and drift scenario.
///
/// The same `(n, seed, drift)` gives the same portfolio on every platform (a named
/// generator, xoshiro256++, and no platform-dependent arithmetic beyond IEEE `exp`/`ln`).
///
/// # Examples
/// ```
/// use mlops_audit::datasets::{LendingDrift, simulate_lending};
/// let train = simulate_lending(10_000, 1, LendingDrift::None);
/// let live = simulate_lending(10_000, 2, LendingDrift::Downturn);
/// let rate = |d: &[u8]| d.iter().map(|&y| f64::from(y)).sum::<f64>() / d.len() as f64;
/// assert!(rate(&live.default) > rate(&train.default));
/// ```
pub fn simulate_lending(n: usize, seed: u64, drift: LendingDrift) -> Lending {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = Lending {
        ethnicity: Vec::with_capacity(n),
        region: Vec::with_capacity(n),
        home_ownership: Vec::with_capacity(n),
        purpose: Vec::with_capacity(n),
        income: Vec::with_capacity(n),
        loan_amount: Vec::with_capacity(n),
        term_months: Vec::with_capacity(n),
        debt_to_income: Vec::with_capacity(n),
        credit_history_years: Vec::with_capacity(n),
        employment_years: Vec::with_capacity(n),
        default: Vec::with_capacity(n),
        champion_score: Vec::with_capacity(n),
        challenger_score: Vec::with_capacity(n),
        drift,
        seed,
    };
    let downturn = drift == LendingDrift::Downturn;
    for _ in 0..n {
        let g = pick(&mut rng, &GROUP_SHARE);
        let region = pick(&mut rng, &REGION_SHARE[g]);
        let log_income =
            LOG_INCOME[g] + 0.45 * normal(&mut rng) - if downturn { 0.16 } else { 0.0 };
        let income = round_to(log_income.exp(), -2).max(5_000.0);
        let term60 = rng.random::<f64>() < 0.3;
        let loan = round_to(
            (log_income - 1.3 + if term60 { 0.2 } else { 0.0 } + 0.4 * normal(&mut rng)).exp(),
            -2,
        )
        .max(500.0);
        let dti = round_to(
            (0.08
                + 0.35 * rng.random::<f64>().powf(1.3)
                + 0.04 * normal(&mut rng)
                + if downturn { 0.06 } else { 0.0 })
            .clamp(0.0, 0.8),
            3,
        );
        let history = round_to(
            HISTORY_YEARS[g] * 0.5 * (exponential(&mut rng) + exponential(&mut rng)),
            1,
        );
        let employment = (exponential(&mut rng) * 6.0).floor().min(40.0);
        let rich = (log_income - 10.8).clamp(-1.0, 1.0);
        let home = pick(&mut rng, &[0.4 - 0.15 * rich, 0.45, 0.15 + 0.15 * rich]);
        let purpose = match drift {
            LendingDrift::NewProduct if rng.random::<f64>() < 0.12 => 5,
            _ => pick(&mut rng, &PURPOSE_SHARE),
        };
        let missing_employment = drift == LendingDrift::PipelineFault && rng.random::<f64>() < 0.25;

        // The outcome: a latent logistic model with unobserved noise.
        let burden = (loan / income / 0.27).ln();
        let z = -2.0 + 6.5 * (dti - 0.25) + 1.3 * burden + if term60 { 0.5 } else { 0.0 }
            - 1.2 * ((1.0 + history).ln() - 11.0f64.ln())
            - 0.05 * (employment.min(10.0) - 5.0)
            + PURPOSE_EFFECT[purpose]
            + HOME_EFFECT[home]
            + if downturn { 0.35 } else { 0.0 }
            + 0.35 * normal(&mut rng);
        let default = u8::from(rng.random::<f64>() < sigmoid(z));

        // The models see employment as 0 where the pipeline lost it.
        let seen_employment = if missing_employment { 0.0 } else { employment };
        let common = 6.2 * (dti - 0.25) + 1.2 * burden + if term60 { 0.45 } else { 0.0 }
            - 0.06 * (seen_employment.min(10.0) - 5.0)
            + PURPOSE_EFFECT[purpose.min(4)]
            + HOME_EFFECT[home];
        // The champion has no credit history and uses the region as a proxy for it.
        let region_proxy = [-0.1, 0.55, 0.0, -0.05][region];
        let champion = sigmoid(-1.95 + common + region_proxy);
        // The challenger uses the history, not the region, and has its own noise.
        let challenger = sigmoid(
            -2.0 + common - 1.0 * ((1.0 + history).ln() - 11.0f64.ln()) + 0.3 * normal(&mut rng),
        );

        out.ethnicity.push(GROUPS[g]);
        out.region.push(REGIONS[region]);
        out.home_ownership.push(HOMES[home]);
        out.purpose.push(if purpose == 5 {
            "green_energy"
        } else {
            PURPOSES[purpose]
        });
        out.income.push(income);
        out.loan_amount.push(loan);
        out.term_months.push(if term60 { 60.0 } else { 36.0 });
        out.debt_to_income.push(dti);
        out.credit_history_years.push(history);
        out.employment_years.push(if missing_employment {
            f64::NAN
        } else {
            employment
        });
        out.default.push(default);
        out.champion_score.push(round_to(champion, 4));
        out.challenger_score.push(round_to(challenger, 4));
    }
    out
}

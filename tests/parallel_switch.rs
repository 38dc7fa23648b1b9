//! The parallelism switch (`mlops_audit::set_parallelism`) cannot be bypassed.
//!
//! A forked child inherits rayon's pool without its threads: a job handed to the pool is
//! never picked up. This test builds the same situation without forking: it occupies every
//! worker of the global pool, turns the switch off, and runs each parallel entry point of
//! the library on inputs large enough to cross its parallel cut-off. An entry that hands
//! work to rayon anyway waits for a worker and misses its deadline. A control run with the
//! switch on shows that the harness does catch a call that uses the pool.
//!
//! The second test checks the rule that keeps it so: no source outside `parallel.rs` names
//! rayon, and no crate but mlops-core depends on it.
//!
//! One binary of its own: the switch and the pool are process-wide.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use mlops_audit::calibration::{CalibrationByGroupParams, PlattCalibrator, calibration_by_group};
use mlops_audit::compare::{BootstrapMetric, BootstrapParams, delong, paired_bootstrap};
use mlops_audit::drift::table::{ColumnData, Table};
use mlops_audit::drift::{
    AdMethod, AndersonParams, DriftMonitor, KsParams, MonitorConfig, ProfileParams,
    ReferenceProfile, anderson_ksamp, ks::ksone_sf, ks_2samp, wasserstein,
};
use mlops_audit::fairness::{AuditParams, Decision, ThresholdSearch, audit};
use mlops_audit::{BinaryTask, CostMatrix, Groups, SortedCounts};

/// Every worker of rayon's global pool held until the guard is dropped.
struct OccupiedPool {
    release: Arc<Barrier>,
}

fn occupy_pool() -> OccupiedPool {
    let workers = rayon::current_num_threads();
    let all_busy = Arc::new(Barrier::new(workers + 1));
    let release = Arc::new(Barrier::new(workers + 1));
    for _ in 0..workers {
        let (all_busy, release) = (Arc::clone(&all_busy), Arc::clone(&release));
        rayon::spawn(move || {
            // A worker blocked here cannot take another job, so the first barrier opens
            // only once every worker holds one of these.
            all_busy.wait();
            release.wait();
        });
    }
    all_busy.wait();
    OccupiedPool { release }
}

impl Drop for OccupiedPool {
    fn drop(&mut self) {
        self.release.wait();
    }
}

/// Runs `f` on its own thread; `Some(elapsed)` when it finished within `deadline`, `None`
/// otherwise (the thread is left to finish once the pool is released).
fn within(deadline: Duration, f: impl FnOnce() + Send + 'static) -> Option<Duration> {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    rx.recv_timeout(deadline).ok().map(|()| start.elapsed())
}

struct Data {
    scores: Vec<f64>,
    other: Vec<f64>,
    labels: Vec<bool>,
    groups: Vec<&'static str>,
}

/// `n` rows of a seeded two-model, three-group data set (splitmix64).
fn data(n: usize) -> Data {
    let mut state = 0x5EED_u64;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut d = Data {
        scores: Vec::with_capacity(n),
        other: Vec::with_capacity(n),
        labels: Vec::with_capacity(n),
        groups: Vec::with_capacity(n),
    };
    for _ in 0..n {
        let y = next() < 0.3;
        let g = ["A", "B", "C"][(next() * 3.0) as usize % 3];
        d.labels.push(y);
        d.groups.push(g);
        d.scores
            .push((0.6 * next() + if y { 0.3 } else { 0.0 }).min(1.0));
        d.other
            .push((0.7 * next() + if y { 0.2 } else { 0.0 }).min(1.0));
    }
    d
}

type Entry = (&'static str, Box<dyn Fn(&Data) + Send + Sync>);

/// Each parallel entry point of the library, on data past its parallel cut-off.
fn entries() -> Vec<Entry> {
    fn task(d: &Data) -> BinaryTask<'_> {
        BinaryTask::new(&d.scores[..], &d.labels[..]).unwrap()
    }
    fn groups(d: &Data) -> Groups {
        Groups::from_strs("group", &d.groups).unwrap()
    }
    vec![
        (
            "fairness::audit bootstrap",
            Box::new(|d| {
                let (t, g) = (task(d), groups(d));
                let dec = Decision::Threshold(0.4);
                audit(&t, &g, dec, AuditParams::default())
                    .unwrap()
                    .with_bootstrap(&t, &g, dec, 50, 0.95, 1)
                    .unwrap();
            }),
        ),
        (
            "fairness::ThresholdSearch::fit",
            Box::new(|d| {
                ThresholdSearch::new().fit(&task(d), &groups(d)).unwrap();
            }),
        ),
        (
            "SortedCounts::by_group and min_cost_threshold_of_parts",
            Box::new(|d| {
                let counts = SortedCounts::by_group(&task(d), &groups(d)).unwrap();
                let parts: Vec<&SortedCounts> = counts.iter().collect();
                CostMatrix::default().min_cost_threshold_of_parts(&parts);
                SortedCounts::new(&task(d));
            }),
        ),
        (
            "compare::paired_bootstrap",
            Box::new(|d| {
                let p = BootstrapParams::new(BootstrapMetric::Auc, 20, 3, 0.9).unwrap();
                paired_bootstrap(&d.labels[..], &d.scores[..], &d.other[..], None, None, &p)
                    .unwrap();
            }),
        ),
        (
            "compare::delong",
            Box::new(|d| {
                delong(&d.labels[..], &d.scores[..], &d.other[..], 0.95).unwrap();
            }),
        ),
        (
            "calibration::PlattCalibrator::fit",
            Box::new(|d| {
                PlattCalibrator::fit(&task(d)).unwrap();
            }),
        ),
        (
            "calibration::calibration_by_group",
            Box::new(|d| {
                let p = CalibrationByGroupParams::default();
                calibration_by_group(&task(d), &groups(d), &p).unwrap();
            }),
        ),
        (
            "drift::ks_2samp and wasserstein",
            Box::new(|d| {
                let half = d.scores.len() / 2;
                let (x, y) = (&d.scores[..half], &d.other[half..]);
                ks_2samp(x, y, KsParams::default()).unwrap();
                wasserstein(x, y).unwrap();
            }),
        ),
        (
            "drift::ks::ksone_sf",
            Box::new(|_| {
                assert!(ksone_sf(200_000, 0.001) > 0.0);
            }),
        ),
        (
            "drift::anderson_ksamp permutation",
            Box::new(|d| {
                let p = AndersonParams {
                    method: AdMethod::Permutation,
                    resamples: 30,
                    ..AndersonParams::default()
                };
                anderson_ksamp(&[&d.scores[..200], &d.other[..200]], p).unwrap();
            }),
        ),
        (
            "drift::ReferenceProfile and DriftMonitor",
            Box::new(|d| {
                let table = Table::new(vec![
                    ("score".into(), ColumnData::numeric(&d.scores)),
                    ("other".into(), ColumnData::numeric(&d.other)),
                ])
                .unwrap();
                let profile =
                    ReferenceProfile::from_table(&table, &ProfileParams::default()).unwrap();
                let monitor = DriftMonitor::new(profile, MonitorConfig::default()).unwrap();
                monitor.ingest(&table).unwrap();
                monitor.evaluate().unwrap();
            }),
        ),
    ]
}

#[test]
fn every_parallel_entry_honours_the_switch() {
    // Past every cut-off: 2^15 rows (sorts), 2^16 per side (KS, Wasserstein), 20 000 rows
    // (drift profiles), 2 x 8192 rows (Platt's blocks).
    let d = Arc::new(data(1 << 17));
    let entries: Arc<Vec<Entry>> = Arc::new(entries());

    // How long each entry takes on one thread with the pool free.
    mlops_audit::set_parallelism(false);
    let mut budget = Vec::new();
    for (name, f) in entries.iter() {
        let start = Instant::now();
        f(&d);
        budget.push((*name, start.elapsed()));
    }

    // With every worker busy and the switch off, each entry still finishes.
    let mut stuck = Vec::new();
    {
        let _pool = occupy_pool();
        for (k, (name, took)) in budget.iter().enumerate() {
            let (d, entries) = (Arc::clone(&d), Arc::clone(&entries));
            let deadline = Duration::from_secs(30) + 10 * *took;
            if within(deadline, move || (entries[k].1)(&d)).is_none() {
                stuck.push(*name);
            }
        }
    }
    mlops_audit::set_parallelism(true);
    assert!(
        stuck.is_empty(),
        "these waited for rayon's pool with parallelism off: {stuck:?}"
    );

    // The control: with the switch on, the bootstrap of an audit waits for the busy pool
    // (ten times its one-thread time and at least two seconds), and finishes once released.
    let (done_tx, done_rx) = mpsc::channel();
    let took = budget[0].1;
    {
        let _pool = occupy_pool();
        let (d, entries) = (Arc::clone(&d), Arc::clone(&entries));
        thread::spawn(move || {
            (entries[0].1)(&d);
            let _ = done_tx.send(());
        });
        let wait = (10 * took).max(Duration::from_secs(2));
        assert!(
            done_rx.recv_timeout(wait).is_err(),
            "the control finished while every worker was busy: the harness cannot see rayon"
        );
    }
    done_rx
        .recv_timeout(Duration::from_secs(300))
        .expect("the control finishes once the pool is free");
}

/// The workspace root (this test belongs to the root package).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Words that only a direct use of rayon would put in code: the crate's name and the
/// methods of its parallel iterators and slices.
fn rayon_words(line: &str) -> Vec<String> {
    let words: Vec<&str> = line
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .into_iter()
        .filter(|w| *w == "rayon" || w.starts_with("par_") || w.starts_with("into_par_"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn only_mlops_core_parallel_names_rayon() {
    let root = root();
    let allowed = root.join("mlops-core/src/parallel.rs");
    let members = [
        "",
        "mlops-core",
        "mlops-drift",
        "mlops-fairness",
        "mlops-py",
    ];
    let mut offences = Vec::new();
    let mut files = Vec::new();
    for m in members {
        rust_files(&root.join(m).join("src"), &mut files);
    }
    assert!(files.len() > 50, "found only {} sources", files.len());
    for path in files.iter().filter(|p| **p != allowed) {
        let text = std::fs::read_to_string(path).unwrap();
        for (i, line) in text.lines().enumerate() {
            // Comments may talk about rayon; code may not use it.
            let code = line.split("//").next().unwrap_or("");
            let words = rayon_words(code);
            if !words.is_empty() {
                offences.push(format!("{}:{}: {words:?}", path.display(), i + 1));
            }
        }
    }

    // Manifests: rayon (or a feature that pulls it in) only among mlops-core's normal
    // dependencies; tests and benches may use it to set up pools.
    let workspace: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.toml")).unwrap()).unwrap();
    let declared = workspace["workspace"]["dependencies"].as_table().unwrap();
    let brings_rayon = |name: &str, spec: &toml::Value| {
        let features = |v: &toml::Value| {
            v.get("features")
                .and_then(toml::Value::as_array)
                .is_some_and(|f| f.iter().any(|x| x.as_str() == Some("rayon")))
        };
        name == "rayon"
            || features(spec)
            || declared
                .get(name)
                .is_some_and(|d| features(d) && spec.get("workspace").is_some())
    };
    for m in members {
        let manifest: toml::Table =
            toml::from_str(&std::fs::read_to_string(root.join(m).join("Cargo.toml")).unwrap())
                .unwrap();
        let mut sections = vec![
            manifest.get("dependencies"),
            manifest.get("build-dependencies"),
        ];
        if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
            for t in targets.values() {
                sections.push(t.get("dependencies"));
            }
        }
        for deps in sections.into_iter().flatten() {
            for (name, spec) in deps.as_table().unwrap() {
                if brings_rayon(name, spec) && m != "mlops-core" {
                    offences.push(format!("{m}/Cargo.toml: dependency `{name}` brings rayon"));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "rayon outside mlops_core::parallel (go through its helpers instead):\n{}",
        offences.join("\n")
    );
}

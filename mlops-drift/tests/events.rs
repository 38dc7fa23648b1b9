//! The prediction event log: writing, rotation, threads, crash damage, replay.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use arrow_ipc::writer::StreamWriter;
use mlops_drift::Window;
use mlops_drift::events::{
    EventError, EventSchema, EventWriter, FeatureKind, FeatureValue, FileEnd, FsyncPolicy,
    PredictionEvent, WriterConfig, read_events, read_file, replay_into_monitor,
};
use mlops_drift::table::{ColumnData, Table};
use mlops_drift::{DriftMonitor, MonitorConfig, PredictionSpec, ProfileParams, ReferenceProfile};
use proptest::prelude::*;

/// A fresh directory under the system temp directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!(
            "mlops-events-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        Self(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn schema() -> EventSchema {
    EventSchema::new(vec![
        ("income".into(), FeatureKind::Numeric),
        ("housing".into(), FeatureKind::Categorical),
    ])
    .expect("schema")
}

/// Event `i`: deterministic values, some missing.
fn event(i: u64) -> PredictionEvent {
    let housing = ["rent", "own", "free"][(i % 3) as usize];
    PredictionEvent {
        time_us: 1_700_000_000_000_000 + i as i64 * 1_000,
        model_id: "pd".into(),
        model_version: format!("v{}", i % 2),
        request_id: format!("req-{i:06}"),
        features: vec![
            if i % 7 == 3 {
                FeatureValue::Missing
            } else {
                FeatureValue::Numeric(20_000.0 + (i % 97) as f64 * 731.5)
            },
            if i % 11 == 5 {
                FeatureValue::Missing
            } else {
                FeatureValue::Categorical(housing.into())
            },
        ],
        score: (i % 100) as f64 / 100.0,
        decision: i % 100 >= 70,
        policy_rule: format!("score >= 0.70 (group {})", i % 2),
        group: (!i.is_multiple_of(5)).then(|| ["A", "B"][(i % 2) as usize].to_owned()),
        action: if i % 100 >= 70 { "review" } else { "approve" }.into(),
        explanation: i
            .is_multiple_of(4)
            .then(|| format!("{{\"income\": {}}}", i % 13)),
    }
}

fn config(batch_rows: usize) -> WriterConfig {
    WriterConfig {
        batch_rows,
        max_batch_age: None,
        max_file_age: None,
        ..WriterConfig::default()
    }
}

#[test]
fn events_round_trip_through_files_in_order() {
    let dir = TempDir::new("roundtrip");
    let w = EventWriter::open(&dir.0, schema(), config(64)).expect("open");
    let events: Vec<PredictionEvent> = (0..1000).map(event).collect();
    for e in &events {
        w.append(e.clone()).expect("append");
    }
    w.close().expect("close");
    let s = w.stats();
    assert_eq!((s.appended, s.written, s.failed), (1000, 1000, 0));
    assert_eq!(s.batches, 1000_u64.div_ceil(64));
    let (back, report) = read_events(&dir.0, "events").expect("read");
    assert_eq!(back, events);
    assert!(report.is_clean());
    assert_eq!(report.files.len(), 1);
    assert_eq!(report.files[0].end, FileEnd::Closed);
    assert_eq!(report.files[0].bytes, s.bytes);
    assert_eq!(report.batches() as u64, s.batches);
}

#[test]
fn many_threads_lose_and_duplicate_nothing() {
    let dir = TempDir::new("threads");
    let w = Arc::new(
        EventWriter::open(
            &dir.0,
            schema(),
            WriterConfig {
                max_file_bytes: 20_000,
                ..config(37)
            },
        )
        .expect("open"),
    );
    let threads = 6;
    let per = 700;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let w = Arc::clone(&w);
            scope.spawn(move || {
                for k in 0..per {
                    w.append(event(t * per + k)).expect("append");
                }
            });
        }
    });
    w.close().expect("close");
    assert!(matches!(w.append(event(0)), Err(EventError::Closed)));
    let (back, report) = read_events(&dir.0, "events").expect("read");
    assert!(report.is_clean());
    assert!(
        report.files.len() > 3,
        "size rotation: {} files",
        report.files.len()
    );
    assert!(report.files.iter().all(|f| f.end == FileEnd::Closed));
    let mut seen: HashMap<String, PredictionEvent> = HashMap::new();
    for e in back {
        assert!(
            seen.insert(e.request_id.clone(), e).is_none(),
            "a duplicate"
        );
    }
    assert_eq!(seen.len() as u64, threads * per);
    for i in 0..threads * per {
        assert_eq!(seen[&format!("req-{i:06}")], event(i));
    }
    // Each thread's events stay in its order.
    let s = w.stats();
    assert_eq!((s.appended, s.written), (threads * per, threads * per));
}

#[test]
fn size_rotation_closes_files_at_the_limit() {
    let dir = TempDir::new("size");
    let limit = 6_000;
    let w = EventWriter::open(
        &dir.0,
        schema(),
        WriterConfig {
            max_file_bytes: limit,
            ..config(10)
        },
    )
    .expect("open");
    for i in 0..300 {
        w.append(event(i)).expect("append");
    }
    w.close().expect("close");
    let (back, report) = read_events(&dir.0, "events").expect("read");
    assert_eq!(back, (0..300).map(event).collect::<Vec<_>>());
    let n = report.files.len();
    assert!(n >= 3);
    for f in &report.files[..n - 1] {
        // Closed by the batch that reached the limit: under the limit before it.
        assert!(f.bytes >= limit, "{f:?}");
        assert_eq!(f.end, FileEnd::Closed);
    }
    // Numbered in order, and a new writer continues after the last.
    let w2 = EventWriter::open(&dir.0, schema(), config(10)).expect("reopen");
    w2.append(event(300)).expect("append");
    w2.close().expect("close");
    let (back, report2) = read_events(&dir.0, "events").expect("read");
    assert_eq!(report2.files.len(), n + 1);
    assert_eq!(back, (0..301).map(event).collect::<Vec<_>>());
}

#[test]
fn age_rotation_starts_a_file_per_batch_when_the_age_is_zero() {
    let dir = TempDir::new("age");
    let w = EventWriter::open(
        &dir.0,
        schema(),
        WriterConfig {
            max_file_age: Some(Duration::ZERO),
            fsync: FsyncPolicy::EveryBatch,
            ..config(5)
        },
    )
    .expect("open");
    for i in 0..23 {
        w.append(event(i)).expect("append");
    }
    w.close().expect("close");
    let (back, report) = read_events(&dir.0, "events").expect("read");
    assert_eq!(back.len(), 23);
    assert_eq!(report.files.len(), 5);
    assert_eq!(w.stats().files, 5);
    assert!(report.files.iter().all(|f| f.end == FileEnd::Closed));
}

#[test]
fn batch_age_writes_a_batch_before_it_is_full() {
    let dir = TempDir::new("batchage");
    let w = EventWriter::open(
        &dir.0,
        schema(),
        WriterConfig {
            max_batch_age: Some(Duration::ZERO),
            ..config(1000)
        },
    )
    .expect("open");
    w.append(event(0)).expect("append");
    assert_eq!(w.stats().written, 1);
    // Flushed, not closed: the live file reads as unterminated.
    let (back, report) = read_events(&dir.0, "events").expect("read");
    assert_eq!(back, vec![event(0)]);
    assert_eq!(report.files[0].end, FileEnd::Unterminated);
    assert!(report.is_clean());
}

#[test]
fn events_that_do_not_fit_are_refused_naming_the_request_and_column() {
    let dir = TempDir::new("invalid");
    let w = EventWriter::open(&dir.0, schema(), config(10)).expect("open");
    let mut e = event(1);
    e.features[0] = FeatureValue::Categorical("high".into());
    match w.append(e) {
        Err(EventError::InvalidEvent {
            request_id, column, ..
        }) => {
            assert_eq!(
                (request_id.as_str(), column.as_str()),
                ("req-000001", "income")
            );
        }
        other => panic!("{other:?}"),
    }
    let mut e = event(2);
    e.score = f64::NAN;
    assert!(matches!(
        w.append(e),
        Err(EventError::InvalidEvent { column, .. }) if column == "score"
    ));
    let mut e = event(3);
    e.features.pop();
    assert!(matches!(
        w.append(e),
        Err(EventError::InvalidEvent { column, .. }) if column == "features"
    ));
    assert_eq!(w.stats().appended, 0);
    assert!(EventSchema::new(vec![]).is_err());
    assert!(
        EventSchema::new(vec![
            ("a".into(), FeatureKind::Numeric),
            ("a".into(), FeatureKind::Categorical)
        ])
        .is_err()
    );
}

#[test]
fn an_unusable_directory_is_a_typed_error() {
    let dir = TempDir::new("unusable");
    let file = dir.0.join("not-a-dir");
    std::fs::write(&file, b"x").expect("write");
    match EventWriter::open(file.join("sub"), schema(), config(10)) {
        Err(EventError::Io {
            path, operation, ..
        }) => {
            assert_eq!(path, file.join("sub"));
            assert_eq!(operation, "create");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        read_events(dir.0.join("absent"), "events"),
        Err(EventError::Io { .. })
    ));
    assert!(matches!(
        EventWriter::open(
            &dir.0,
            schema(),
            WriterConfig {
                prefix: "../x".into(),
                ..config(1)
            }
        ),
        Err(EventError::InvalidParameter { .. })
    ));
}

/// A stream written directly with Arrow's `StreamWriter` (the oracle for message
/// boundaries): the bytes, and the offset after the schema, after each batch and after the
/// end-of-stream marker.
fn stream_with_offsets(batches: &[Vec<PredictionEvent>]) -> (Vec<u8>, Vec<usize>) {
    let s = schema();
    let mut w = StreamWriter::try_new(Vec::new(), &s.arrow_schema()).expect("writer");
    let mut offsets = vec![w.get_ref().len()];
    for b in batches {
        w.write(&s.to_batch(b).expect("batch")).expect("write");
        offsets.push(w.get_ref().len());
    }
    w.finish().expect("finish");
    offsets.push(w.get_ref().len());
    (w.into_inner().expect("bytes"), offsets)
}

fn three_batches() -> Vec<Vec<PredictionEvent>> {
    (0..3)
        .map(|b| (b * 10..b * 10 + 10).map(event).collect())
        .collect()
}

#[test]
fn a_file_cut_at_every_byte_returns_every_complete_batch() {
    let dir = TempDir::new("cut");
    let batches = three_batches();
    let (bytes, offsets) = stream_with_offsets(&batches);
    let path = dir.0.join("events-000000000000.arrows");
    let total = bytes.len();
    assert_eq!(offsets[4], total);
    for cut in 0..=total {
        std::fs::write(&path, &bytes[..cut]).expect("write");
        let (_, got, report) = read_file(&path).expect("read");
        // Complete batches: those whose message ends at or before the cut.
        let complete = (1..=3).filter(|&k| offsets[k] <= cut).count();
        let expected_end = if cut == 0 {
            None
        } else if cut == total {
            Some(FileEnd::Closed)
        } else if cut < offsets[0] {
            Some(FileEnd::Torn {
                offset: 0,
                skipped_bytes: cut as u64,
            })
        } else if offsets[..4].contains(&cut) {
            Some(FileEnd::Unterminated)
        } else {
            let last = offsets[complete];
            Some(FileEnd::Torn {
                offset: last as u64,
                skipped_bytes: (cut - last) as u64,
            })
        };
        match expected_end {
            None => assert!(matches!(report.end, FileEnd::NotAnEventLog { .. })),
            Some(e) => assert_eq!(report.end, e, "cut at {cut}"),
        }
        assert_eq!(got.len(), complete, "cut at {cut}");
        assert_eq!(report.events, 10 * complete as u64);
        let events: Vec<PredictionEvent> = got
            .iter()
            .flat_map(|b| schema().events_from_batch(b).expect("events"))
            .collect();
        assert_eq!(events, batches[..complete].concat(), "cut at {cut}");
        let skipped = if cut == total {
            0
        } else if cut < offsets[0] {
            cut
        } else {
            cut - offsets[complete]
        };
        assert_eq!(report.skipped_bytes(), skipped as u64, "cut at {cut}");
    }
}

#[test]
fn a_torn_last_file_in_a_directory_is_reported_and_the_rest_replayed() {
    let dir = TempDir::new("torndir");
    let batches = three_batches();
    let (bytes, offsets) = stream_with_offsets(&batches);
    std::fs::write(dir.0.join("events-000000000000.arrows"), &bytes).expect("write");
    // The second file: killed in the middle of its third batch.
    let cut = (offsets[2] + offsets[3]) / 2;
    std::fs::write(dir.0.join("events-000000000001.arrows"), &bytes[..cut]).expect("write");
    // Not a log file of this prefix: ignored.
    std::fs::write(dir.0.join("events-1.arrows"), b"junk").expect("write");
    let (events, report) = read_events(&dir.0, "events").expect("read");
    assert_eq!(events.len(), 30 + 20);
    assert_eq!(report.files.len(), 2);
    let damaged: Vec<_> = report.damaged().collect();
    assert_eq!(damaged.len(), 1);
    assert_eq!(
        damaged[0].end,
        FileEnd::Torn {
            offset: offsets[2] as u64,
            skipped_bytes: (cut - offsets[2]) as u64
        }
    );
    assert_eq!(report.skipped_bytes(), (cut - offsets[2]) as u64);
}

#[test]
fn flipped_bytes_in_the_last_batch_never_panic_and_keep_the_earlier_batches() {
    let dir = TempDir::new("flip");
    let batches = three_batches();
    let (bytes, offsets) = stream_with_offsets(&batches);
    let path = dir.0.join("events-000000000000.arrows");
    let before: Vec<PredictionEvent> = batches[..2].concat();
    for at in offsets[2]..offsets[4] {
        for flip in [0xFF_u8, 0x01, 0x80] {
            let mut b = bytes.clone();
            b[at] ^= flip;
            std::fs::write(&path, &b).expect("write");
            let (schema, got, report) = read_file(&path).expect("read");
            assert!(got.len() >= 2, "byte {at}: {report:?}");
            let schema = schema.expect("schema");
            let events: Vec<PredictionEvent> = got[..2]
                .iter()
                .flat_map(|x| schema.events_from_batch(x).expect("events"))
                .collect();
            assert_eq!(events, before);
            if got.len() == 2 {
                assert!(!report.is_clean(), "byte {at}: {report:?}");
            }
        }
    }
}

#[test]
fn data_after_the_end_marker_and_foreign_streams_are_reported() {
    let dir = TempDir::new("foreign");
    let (mut bytes, offsets) = stream_with_offsets(&three_batches());
    bytes.extend_from_slice(b"trailing");
    let path = dir.0.join("events-000000000000.arrows");
    std::fs::write(&path, &bytes).expect("write");
    let (_, got, report) = read_file(&path).expect("read");
    assert_eq!(got.len(), 3);
    assert_eq!(
        report.end,
        FileEnd::Corrupt {
            offset: offsets[4] as u64,
            skipped_bytes: 8,
            reason: "data after the end-of-stream marker".into()
        }
    );
    // A valid Arrow stream of another schema.
    let other = arrow_schema::Schema::new(vec![arrow_schema::Field::new(
        "x",
        arrow_schema::DataType::Int32,
        false,
    )]);
    let mut w = StreamWriter::try_new(Vec::new(), &other).expect("writer");
    w.finish().expect("finish");
    std::fs::write(&path, w.get_ref()).expect("write");
    let (schema, got, report) = read_file(&path).expect("read");
    assert!(schema.is_none() && got.is_empty());
    assert!(
        matches!(report.end, FileEnd::NotAnEventLog { .. }),
        "{report:?}"
    );
    assert_eq!(report.skipped_bytes(), report.bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Garbage never panics and never yields a batch.
    #[test]
    fn garbage_is_reported_never_read(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let dir = TempDir::new("garbage");
        let path = dir.0.join("events-000000000000.arrows");
        std::fs::write(&path, &bytes).expect("write");
        let (schema, got, report) = read_file(&path).expect("read");
        prop_assert!(schema.is_none());
        prop_assert!(got.is_empty());
        prop_assert!(!report.is_clean());
    }

    /// Garbage after a valid prefix keeps the prefix's batches.
    #[test]
    fn garbage_after_complete_batches_keeps_them(
        tail in proptest::collection::vec(any::<u8>(), 1..300),
        keep in 0usize..=3,
    ) {
        let dir = TempDir::new("garbagetail");
        let batches = three_batches();
        let (bytes, offsets) = stream_with_offsets(&batches);
        let mut b = bytes[..offsets[keep]].to_vec();
        b.extend_from_slice(&tail);
        let path = dir.0.join("events-000000000000.arrows");
        std::fs::write(&path, &b).expect("write");
        let (_, got, report) = read_file(&path).expect("read");
        prop_assert!(got.len() >= keep);
        prop_assert_eq!(report.events, got.iter().map(|x| x.num_rows() as u64).sum::<u64>());
    }
}

// ---- replay into a monitor ----

/// Training data: income and housing, the decision as `flagged` and the group as `grp`.
fn profile() -> ReferenceProfile {
    let income: Vec<f64> = (0..400)
        .map(|i| 20_000.0 + f64::from(i % 97) * 731.5)
        .collect();
    let housing: Vec<Option<&str>> = (0..400)
        .map(|i| Some(["rent", "own", "free"][i % 3]))
        .collect();
    let flagged: Vec<Option<&str>> = (0..400)
        .map(|i| Some(if i % 10 >= 7 { "true" } else { "false" }))
        .collect();
    let grp: Vec<Option<&str>> = (0..400).map(|i| Some(["A", "B"][i % 2])).collect();
    let t = Table::new(vec![
        ("income".into(), ColumnData::numeric(&income)),
        ("housing".into(), ColumnData::categorical(&housing)),
        ("flagged".into(), ColumnData::categorical(&flagged)),
        ("grp".into(), ColumnData::categorical(&grp)),
    ])
    .expect("table");
    ReferenceProfile::from_table(
        &t,
        &ProfileParams {
            group_columns: vec!["grp".into()],
            prediction: Some(PredictionSpec {
                column: "flagged".into(),
                threshold: None,
            }),
            ..ProfileParams::default()
        },
    )
    .expect("profile")
}

fn opt(v: &[Option<String>]) -> Vec<Option<std::borrow::Cow<'_, str>>> {
    v.iter()
        .map(|s| s.as_deref().map(std::borrow::Cow::Borrowed))
        .collect()
}

/// Income, housing, flagged and group columns.
type Columns = (
    Vec<f64>,
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<Option<String>>,
);

/// The events as the table a monitor would be fed directly.
fn direct_table(events: &[PredictionEvent]) -> Columns {
    let income = events
        .iter()
        .map(|e| match e.features[0] {
            FeatureValue::Numeric(x) => x,
            _ => f64::NAN,
        })
        .collect();
    let housing = events
        .iter()
        .map(|e| match &e.features[1] {
            FeatureValue::Categorical(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let flagged = events
        .iter()
        .map(|e| Some(e.decision.to_string()))
        .collect();
    let grp = events.iter().map(|e| e.group.clone()).collect();
    (income, housing, flagged, grp)
}

fn write_log(dir: &Path, events: &[PredictionEvent], batch_rows: usize) {
    let w = EventWriter::open(dir, schema(), config(batch_rows)).expect("open");
    for e in events {
        w.append(e.clone()).expect("append");
    }
    w.close().expect("close");
}

#[test]
fn replay_feeds_a_monitor_as_direct_ingestion_does() {
    let dir = TempDir::new("replay");
    let events: Vec<PredictionEvent> = (0..900).map(event).collect();
    write_log(&dir.0, &events, 100);
    let cfg = MonitorConfig {
        shards: 1,
        ..MonitorConfig::default()
    };
    let replayed = DriftMonitor::new(profile(), cfg.clone()).expect("monitor");
    let report = replay_into_monitor(&dir.0, "events", &replayed).expect("replay");
    assert_eq!(report.events(), 900);
    let direct = DriftMonitor::new(profile(), cfg).expect("monitor");
    for chunk in events.chunks(100) {
        let (income, housing, flagged, grp) = direct_table(chunk);
        let t = Table::new(vec![
            (
                "income".into(),
                ColumnData::Numeric {
                    values: std::borrow::Cow::Borrowed(&income),
                    nulls: Some(
                        chunk
                            .iter()
                            .map(|e| e.features[0] == FeatureValue::Missing)
                            .collect(),
                    ),
                },
            ),
            ("housing".into(), ColumnData::Categorical(opt(&housing))),
            ("flagged".into(), ColumnData::Categorical(opt(&flagged))),
            ("grp".into(), ColumnData::Categorical(opt(&grp))),
        ])
        .expect("table");
        direct.ingest_at(&t, 0.0).expect("ingest");
    }
    assert_eq!(replayed.counters(), direct.counters());
    let a = replayed.evaluate_at(0.0).expect("evaluate");
    let b = direct.evaluate_at(0.0).expect("evaluate");
    assert_eq!(a.features, b.features);
    assert_eq!(a.outputs, b.outputs);
    assert_eq!(a.counters.rows, 900);
    // Positives per group: counted from the events.
    let preds = replayed.counters().predictions.expect("predictions");
    assert_eq!(
        preds.all.positives,
        events.iter().filter(|e| e.decision).count() as u64
    );
}

#[test]
fn replay_puts_every_event_in_the_time_window_of_its_own_time() {
    let dir = TempDir::new("replaytime");
    // Events 1 ms apart from a round start; 250 ms windows: 250 events per window.
    let start = 1_700_000_000_000_000_i64;
    let events: Vec<PredictionEvent> = (0..1000)
        .map(|i| PredictionEvent {
            time_us: start + i as i64 * 1_000,
            ..event(i)
        })
        .collect();
    write_log(&dir.0, &events, 333); // batches straddle the windows
    let m = DriftMonitor::new(
        profile(),
        MonitorConfig {
            window: Window::Time(0.25),
            shards: 1,
            ..MonitorConfig::default()
        },
    )
    .expect("monitor");
    replay_into_monitor(&dir.0, "events", &m).expect("replay");
    let c = m.counters();
    assert_eq!((c.rows, c.late_rows), (1000, 0));
    // The last window (open) holds exactly its 250 events; the one before, complete, too.
    let t_end = start as f64 / 1e6 + 1.0;
    let r = m.evaluate_at(t_end).expect("evaluate");
    assert!(r.window.complete);
    assert_eq!(r.window.rows, 250);
    assert_eq!(
        r.window.start,
        Some(((start as f64 / 1e6) / 0.25).floor() * 0.25 + 0.75)
    );
}

#[test]
fn a_monitor_that_needs_a_column_the_events_lack_names_the_batch() {
    let dir = TempDir::new("replaymissing");
    write_log(&dir.0, &(0..10).map(event).collect::<Vec<_>>(), 5);
    let income: Vec<f64> = (0..50).map(f64::from).collect();
    let t = Table::new(vec![
        ("income".into(), ColumnData::numeric(&income)),
        ("debt".into(), ColumnData::numeric(&income)),
    ])
    .expect("table");
    let p = ReferenceProfile::from_table(&t, &ProfileParams::default()).expect("profile");
    let m = DriftMonitor::new(p, MonitorConfig::default()).expect("monitor");
    match replay_into_monitor(&dir.0, "events", &m) {
        Err(EventError::Ingest { batch, source, .. }) => {
            assert_eq!(batch, 0);
            assert!(
                matches!(source, mlops_drift::DriftError::MissingColumn { ref column } if column == "debt")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.counters().errors, 1);
}

/// The file `tests/python/test_event_log.py` opens with pyarrow and polars: the writer's
/// output for events 0..12 in batches of 5, byte for byte (Arrow's encoding is
/// deterministic). Regenerate with `MLOPS_UPDATE_FIXTURES=1`.
#[test]
fn the_python_fixture_is_what_the_writer_writes() {
    let dir = TempDir::new("fixture");
    write_log(&dir.0, &(0..12).map(event).collect::<Vec<_>>(), 5);
    let written = std::fs::read(dir.0.join("events-000000000000.arrows")).expect("read");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events-000000000000.arrows");
    if std::env::var_os("MLOPS_UPDATE_FIXTURES").is_some() {
        std::fs::write(&fixture, &written).expect("write fixture");
    }
    let stored = std::fs::read(&fixture).expect("fixture");
    assert!(
        stored == written,
        "the fixture is stale: run with MLOPS_UPDATE_FIXTURES=1"
    );
}

//! The prediction event and its Arrow schema.
//!
//! | column          | Arrow type                      | null? | meaning                          |
//! |-----------------|---------------------------------|-------|----------------------------------|
//! | `time`          | `timestamp[us, tz=UTC]`         | no    | when the request was scored      |
//! | `model_id`      | `utf8`                          | no    | the model                        |
//! | `model_version` | `utf8`                          | no    | its version                      |
//! | `request_id`    | `utf8`                          | no    | the key outcomes are joined on   |
//! | `features`      | `struct<...>`                   | no    | the inputs: `float64` / `utf8`   |
//! | `score`         | `float64`                       | no    | the model's score                |
//! | `decision`      | `bool`                          | no    | `true`: flagged (positive)       |
//! | `policy_rule`   | `utf8`                          | no    | the rule that made the decision  |
//! | `group`         | `utf8`                          | yes   | the group the policy applied     |
//! | `action`        | `utf8`                          | no    | what the service did             |
//! | `explanation`   | `utf8`                          | yes   | optional, free text (e.g. JSON)  |
//!
//! The schema's metadata holds `mlops_audit.event_log` = [`EVENT_LOG_FORMAT_VERSION`]. A
//! feature's value may be missing (a null); a numeric feature may also hold NaN or ±inf,
//! which the drift monitor counts as missing.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMicrosecondType};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, StructArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

use super::EventError;

/// The format version written into each file's schema metadata.
pub const EVENT_LOG_FORMAT_VERSION: u32 = 1;

/// The metadata key holding [`EVENT_LOG_FORMAT_VERSION`].
pub const FORMAT_KEY: &str = "mlops_audit.event_log";

/// The column names of the event schema, in order (`features` is the struct of inputs).
pub const COLUMNS: [&str; 11] = [
    "time",
    "model_id",
    "model_version",
    "request_id",
    "features",
    "score",
    "decision",
    "policy_rule",
    "group",
    "action",
    "explanation",
];

/// The kind of a feature column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureKind {
    /// Numbers (`float64`).
    Numeric,
    /// Categories (`utf8`).
    Categorical,
}

impl FeatureKind {
    fn data_type(self) -> DataType {
        match self {
            Self::Numeric => DataType::Float64,
            Self::Categorical => DataType::Utf8,
        }
    }

    /// `"numeric"` or `"categorical"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Numeric => "numeric",
            Self::Categorical => "categorical",
        }
    }
}

/// One feature's value in an event.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureValue {
    /// A number (NaN and ±inf are kept, and count as missing in the monitor).
    Numeric(f64),
    /// A category.
    Categorical(String),
    /// No value (written as a null).
    Missing,
}

/// One scored request.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionEvent {
    /// When the request was scored: microseconds since the UNIX epoch (UTC).
    pub time_us: i64,
    /// The model.
    pub model_id: String,
    /// Its version.
    pub model_version: String,
    /// The request's id, the key outcomes are joined on.
    pub request_id: String,
    /// The inputs, one per feature of the [`EventSchema`], in its order.
    pub features: Vec<FeatureValue>,
    /// The model's score (finite).
    pub score: f64,
    /// The decision: `true` when the request was flagged (the positive class: predicted to
    /// default, in the lending case).
    pub decision: bool,
    /// The policy rule that made the decision (e.g. `"threshold 0.31 for group B"`).
    pub policy_rule: String,
    /// The group the policy applied, if any.
    pub group: Option<String>,
    /// What the service did (e.g. `"approve"`, `"manual_review"`).
    pub action: String,
    /// An optional explanation (free text, e.g. JSON of feature attributions).
    pub explanation: Option<String>,
}

/// The features of an event log and the Arrow schema its files are written with.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSchema {
    features: Vec<(String, FeatureKind)>,
    arrow: SchemaRef,
}

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

impl EventSchema {
    /// A schema with these features, in this order.
    ///
    /// # Examples
    /// ```
    /// use mlops_drift::events::{EventSchema, FeatureKind};
    /// let schema = EventSchema::new(vec![
    ///     ("income".into(), FeatureKind::Numeric),
    ///     ("housing".into(), FeatureKind::Categorical),
    /// ])?;
    /// assert_eq!(schema.features().len(), 2);
    /// # Ok::<(), mlops_drift::events::EventError>(())
    /// ```
    ///
    /// # Errors
    /// [`EventError::InvalidSchema`] for no features, an empty name or a name given twice.
    pub fn new(features: Vec<(String, FeatureKind)>) -> Result<Self, EventError> {
        if features.is_empty() {
            return Err(EventError::InvalidSchema {
                column: "features".to_owned(),
                reason: "is empty: an event log records at least one input feature".to_owned(),
            });
        }
        let mut seen = HashSet::new();
        for (name, _) in &features {
            if name.is_empty() {
                return Err(EventError::InvalidSchema {
                    column: name.clone(),
                    reason: "has an empty name".to_owned(),
                });
            }
            if !seen.insert(name.as_str()) {
                return Err(EventError::InvalidSchema {
                    column: name.clone(),
                    reason: "appears more than once".to_owned(),
                });
            }
        }
        let fields: Fields = features
            .iter()
            .map(|(n, k)| Field::new(n, k.data_type(), true))
            .collect();
        let arrow = Schema::new(vec![
            Field::new(
                "time",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                false,
            ),
            utf8("model_id", false),
            utf8("model_version", false),
            utf8("request_id", false),
            Field::new("features", DataType::Struct(fields), false),
            Field::new("score", DataType::Float64, false),
            Field::new("decision", DataType::Boolean, false),
            utf8("policy_rule", false),
            utf8("group", true),
            utf8("action", false),
            utf8("explanation", true),
        ])
        .with_metadata(HashMap::from([(
            FORMAT_KEY.to_owned(),
            EVENT_LOG_FORMAT_VERSION.to_string(),
        )]));
        Ok(Self {
            features,
            arrow: Arc::new(arrow),
        })
    }

    /// Reads the feature list back from a file's Arrow schema, checking every column.
    ///
    /// # Errors
    /// A description of the first difference from an event schema (a missing or mistyped
    /// column, another format version).
    pub fn from_arrow(schema: &Schema) -> Result<Self, String> {
        match schema.metadata().get(FORMAT_KEY) {
            Some(v) if v == &EVENT_LOG_FORMAT_VERSION.to_string() => {}
            Some(v) => {
                return Err(format!(
                    "event log format version {v} is not supported (this version reads \
                     {EVENT_LOG_FORMAT_VERSION})"
                ));
            }
            None => return Err(format!("the schema has no `{FORMAT_KEY}` metadata")),
        }
        let features = match schema.field_with_name("features").map(|f| f.data_type()) {
            Ok(DataType::Struct(fields)) => fields
                .iter()
                .map(|f| match f.data_type() {
                    DataType::Float64 => Ok((f.name().clone(), FeatureKind::Numeric)),
                    DataType::Utf8 => Ok((f.name().clone(), FeatureKind::Categorical)),
                    other => Err(format!("feature `{}` has type {other}", f.name())),
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err("no struct column `features`".to_owned()),
        };
        let expected = Self::new(features).map_err(|e| e.to_string())?;
        let same = expected.arrow.fields().len() == schema.fields().len()
            && expected
                .arrow
                .fields()
                .iter()
                .zip(schema.fields())
                .all(|(a, b)| {
                    a.name() == b.name()
                        && a.data_type() == b.data_type()
                        && a.is_nullable() == b.is_nullable()
                });
        if !same {
            return Err(format!(
                "the columns differ from an event log's ({}): found {:?}",
                COLUMNS.join(", "),
                schema
                    .fields()
                    .iter()
                    .map(|f| format!("{}: {}", f.name(), f.data_type()))
                    .collect::<Vec<_>>()
            ));
        }
        Ok(expected)
    }

    /// The features, in order.
    pub fn features(&self) -> &[(String, FeatureKind)] {
        &self.features
    }

    /// The Arrow schema of the log's files.
    pub fn arrow_schema(&self) -> SchemaRef {
        Arc::clone(&self.arrow)
    }

    /// Checks that `event` fits the schema: one value per feature of the right kind, a
    /// finite score.
    ///
    /// # Errors
    /// [`EventError::InvalidEvent`] naming the request and the column.
    pub fn check(&self, event: &PredictionEvent) -> Result<(), EventError> {
        let bad = |column: &str, reason: String| EventError::InvalidEvent {
            request_id: event.request_id.clone(),
            column: column.to_owned(),
            reason,
        };
        if event.features.len() != self.features.len() {
            return Err(bad(
                "features",
                format!(
                    "has {} values but the schema has {} features",
                    event.features.len(),
                    self.features.len()
                ),
            ));
        }
        for ((name, kind), v) in self.features.iter().zip(&event.features) {
            let fits = matches!(
                (kind, v),
                (_, FeatureValue::Missing)
                    | (FeatureKind::Numeric, FeatureValue::Numeric(_))
                    | (FeatureKind::Categorical, FeatureValue::Categorical(_))
            );
            if !fits {
                return Err(bad(
                    name,
                    format!("is {} but the event holds {v:?}", kind.name()),
                ));
            }
        }
        if !event.score.is_finite() {
            return Err(bad(
                "score",
                format!("is {}; a score must be finite", event.score),
            ));
        }
        Ok(())
    }

    /// The events as one record batch, after [`EventSchema::check`]ing each.
    ///
    /// # Errors
    /// The first event's [`EventError::InvalidEvent`].
    pub fn to_batch(&self, events: &[PredictionEvent]) -> Result<RecordBatch, EventError> {
        for e in events {
            self.check(e)?;
        }
        let strings = |f: &dyn Fn(&PredictionEvent) -> Option<&str>| -> ArrayRef {
            Arc::new(events.iter().map(f).collect::<StringArray>())
        };
        let mut children: Vec<ArrayRef> = Vec::with_capacity(self.features.len());
        for (j, (_, kind)) in self.features.iter().enumerate() {
            let column = |e: &PredictionEvent| e.features.get(j).cloned();
            children.push(match kind {
                FeatureKind::Numeric => Arc::new(
                    events
                        .iter()
                        .map(|e| match column(e) {
                            Some(FeatureValue::Numeric(x)) => Some(x),
                            _ => None,
                        })
                        .collect::<Float64Array>(),
                ),
                FeatureKind::Categorical => Arc::new(
                    events
                        .iter()
                        .map(|e| match &e.features.get(j) {
                            Some(FeatureValue::Categorical(s)) => Some(s.as_str()),
                            _ => None,
                        })
                        .collect::<StringArray>(),
                ),
            });
        }
        let fields = match self.arrow.field(4).data_type() {
            DataType::Struct(f) => f.clone(),
            _ => Fields::empty(),
        };
        let invalid = |e: arrow_schema::ArrowError| EventError::InvalidSchema {
            column: "features".to_owned(),
            reason: e.to_string(),
        };
        let features = StructArray::try_new(fields, children, None).map_err(invalid)?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(
                TimestampMicrosecondArray::from(
                    events.iter().map(|e| e.time_us).collect::<Vec<_>>(),
                )
                .with_timezone("UTC"),
            ),
            strings(&|e| Some(&e.model_id)),
            strings(&|e| Some(&e.model_version)),
            strings(&|e| Some(&e.request_id)),
            Arc::new(features),
            Arc::new(Float64Array::from(
                events.iter().map(|e| e.score).collect::<Vec<_>>(),
            )),
            Arc::new(BooleanArray::from(
                events.iter().map(|e| e.decision).collect::<Vec<_>>(),
            )),
            strings(&|e| Some(&e.policy_rule)),
            strings(&|e| e.group.as_deref()),
            strings(&|e| Some(&e.action)),
            strings(&|e| e.explanation.as_deref()),
        ];
        RecordBatch::try_new(Arc::clone(&self.arrow), columns).map_err(invalid)
    }

    /// The events of a batch read from a log (whose schema [`EventSchema::from_arrow`]
    /// accepted).
    ///
    /// # Errors
    /// A description of the first column or value that does not fit (a batch whose schema
    /// is not this one, a null in a column that has none).
    pub fn events_from_batch(&self, batch: &RecordBatch) -> Result<Vec<PredictionEvent>, String> {
        if batch.schema().fields() != self.arrow.fields() {
            return Err("the batch's columns differ from the log's schema".to_owned());
        }
        let col = |i: usize| batch.column(i);
        let text = |i: usize| {
            col(i)
                .as_string_opt::<i32>()
                .ok_or_else(|| format!("column `{}` is not utf8", COLUMNS[i]))
        };
        let time = col(0)
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or("column `time` is not a timestamp")?;
        let (model_id, model_version, request_id) = (text(1)?, text(2)?, text(3)?);
        let features = col(4)
            .as_struct_opt()
            .ok_or("column `features` is not a struct")?;
        let score = col(5)
            .as_primitive_opt::<Float64Type>()
            .ok_or("column `score` is not float64")?;
        let decision = col(6)
            .as_boolean_opt()
            .ok_or("column `decision` is not boolean")?;
        let (policy_rule, group, action, explanation) = (text(7)?, text(8)?, text(9)?, text(10)?);
        let required = |a: &dyn Array, i: usize| -> Result<(), String> {
            if a.null_count() > 0 {
                return Err(format!("column `{}` holds nulls", COLUMNS[i]));
            }
            Ok(())
        };
        for (i, a) in [
            (0, time as &dyn Array),
            (1, model_id),
            (2, model_version),
            (3, request_id),
            (4, features),
            (5, score),
            (6, decision),
            (7, policy_rule),
            (9, action),
        ] {
            required(a, i)?;
        }
        let opt = |a: &StringArray, r: usize| (!a.is_null(r)).then(|| a.value(r).to_owned());
        let mut out = Vec::with_capacity(batch.num_rows());
        for r in 0..batch.num_rows() {
            let mut values = Vec::with_capacity(self.features.len());
            for (j, (name, kind)) in self.features.iter().enumerate() {
                let a = features.column(j);
                values.push(if a.is_null(r) {
                    FeatureValue::Missing
                } else {
                    match kind {
                        FeatureKind::Numeric => FeatureValue::Numeric(
                            a.as_primitive_opt::<Float64Type>()
                                .ok_or_else(|| format!("feature `{name}` is not float64"))?
                                .value(r),
                        ),
                        FeatureKind::Categorical => FeatureValue::Categorical(
                            a.as_string_opt::<i32>()
                                .ok_or_else(|| format!("feature `{name}` is not utf8"))?
                                .value(r)
                                .to_owned(),
                        ),
                    }
                });
            }
            out.push(PredictionEvent {
                time_us: time.value(r),
                model_id: model_id.value(r).to_owned(),
                model_version: model_version.value(r).to_owned(),
                request_id: request_id.value(r).to_owned(),
                features: values,
                score: score.value(r),
                decision: decision.value(r),
                policy_rule: policy_rule.value(r).to_owned(),
                group: opt(group, r),
                action: action.value(r).to_owned(),
                explanation: opt(explanation, r),
            });
        }
        Ok(out)
    }
}

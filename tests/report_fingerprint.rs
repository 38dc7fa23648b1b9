//! Input fingerprints are the same in Rust and Python: both sides are checked against the
//! same digests, computed independently with Python's `hashlib` over the bytes the
//! definition names (`tests/python/test_report.py::test_fingerprint_same_as_rust` checks
//! the package against these very values).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_audit::report::InputFingerprint;

/// hashlib.sha256(struct.pack("<7d", 0.0, -0.0, 1.5, -2.25, 1e300, inf, 5e-324)).
const NUMBERS_SHA256: &str = "cfc03343a0667f41bdbe876fccfa8ab621ec846c2c942396e703e9a47ba3851b";
/// hashlib.sha256 over, for each of "A", "Bé", "", "日本": struct.pack("<Q", len(utf8)) + utf8.
const STRINGS_SHA256: &str = "06b29923e654d663af72ff3c09494f10a16a1530097ea90766a1640f818edb29";
/// hashlib.sha256(bytes([0, 1, 1, 0, 1])).
const BYTES_SHA256: &str = "abc55ef8f1d293376e9dcfaa041fac6b193e352ebaa466a5f7f53b8f54316f18";

#[test]
fn numbers_hash_their_little_endian_bits() {
    let v = [0.0, -0.0, 1.5, -2.25, 1e300, f64::INFINITY, 5e-324];
    let fp = InputFingerprint::of_f64("x", &v);
    assert_eq!((fp.name.as_str(), fp.rows), ("x", 7));
    assert_eq!(fp.sha256, NUMBERS_SHA256);
}

#[test]
fn strings_hash_length_prefixed_utf8() {
    let fp = InputFingerprint::of_strs("g", &["A", "Bé", "", "日本"]);
    assert_eq!(fp.rows, 4);
    assert_eq!(fp.sha256, STRINGS_SHA256);
}

#[test]
fn bytes_hash_as_they_are() {
    assert_eq!(
        InputFingerprint::of_u8("y", &[0, 1, 1, 0, 1]).sha256,
        BYTES_SHA256
    );
}

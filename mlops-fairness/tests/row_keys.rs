//! Row keys from text or bytes: the documented SHA-256 prefix, checked against the
//! published test vectors of FIPS 180-2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_fairness::{key_from_bytes, uniform_from_key};

#[test]
fn key_from_bytes_is_the_big_endian_prefix_of_sha256() {
    // FIPS 180-2, appendix B.1: SHA-256("abc") = ba7816bf 8f01cfea 414140de ...
    assert_eq!(key_from_bytes(b"abc"), 0xba78_16bf_8f01_cfea);
    // SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 ...
    assert_eq!(key_from_bytes(b""), 0xe3b0_c442_98fc_1c14);
    // FIPS 180-2, appendix B.2: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
    // = 248d6a61 d20638b8 ...
    assert_eq!(
        key_from_bytes(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        0x248d_6a61_d206_38b8
    );
}

#[test]
fn text_keys_draw_like_their_hash() {
    let k = key_from_bytes("application-00042".as_bytes());
    assert_eq!(uniform_from_key(7, k), uniform_from_key(7, k));
    assert_ne!(
        uniform_from_key(7, k),
        uniform_from_key(7, key_from_bytes(b"application-00043"))
    );
}

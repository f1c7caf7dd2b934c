//! Bytes as one JSON record: the decoder's fast path must decide exactly as serde does.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = casift_fuzz::steer(data, b"{", casift_fuzz::RECORD.as_bytes());
    assert!(
        casift::input::json::fast_path_agrees(&input),
        "fast path and serde disagree on {:?}",
        String::from_utf8_lossy(&input)
    );
});

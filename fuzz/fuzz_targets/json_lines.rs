//! Bytes as JSON lines of sign-ins (forced to start with an object).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lead = format!("{}\n", casift_fuzz::RECORD);
    let input = casift_fuzz::steer(data, b"{", lead.as_bytes());
    casift_fuzz::check_reader("signins.jsonl", &input);
});

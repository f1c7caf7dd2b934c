//! Bytes as a portal JSON download (a bare array of sign-ins).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lead = format!("[{},", casift_fuzz::RECORD);
    let input = casift_fuzz::steer(data, b"[", lead.as_bytes());
    casift_fuzz::check_reader("signins.json", &input);
});

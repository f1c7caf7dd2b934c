//! Bytes as diagnostic-settings records (JSON lines of envelopes with `properties`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lead = format!(
        "{{\"time\":\"2026-10-01T08:00:00Z\",\"category\":\"SignInLogs\",\"resultType\":\"53003\",\"properties\":{}}}\n",
        casift_fuzz::RECORD
    );
    let input = casift_fuzz::steer(data, b"{\"time\"", lead.as_bytes());
    casift_fuzz::check_reader("PT1H.json", &input);
});

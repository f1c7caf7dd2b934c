//! Bytes as rows of a portal CSV download (the portal header is prefixed unless present).
#![no_main]
use libfuzzer_sys::fuzz_target;

const HEADER: &[u8] = b"Date (UTC),Request ID,Correlation ID,User ID,User,Username,Application,Application ID,Resource,IP address,Location,Status,Sign-in error code,Failure reason,Client app,Conditional Access,IP address (seen by resource)\n";

fuzz_target!(|data: &[u8]| {
    let input = casift_fuzz::steer(data, b"Date (UTC)", HEADER);
    casift_fuzz::check_reader("NonInteractiveSignIns_2026-10-01_2026-10-02.csv", &input);
});

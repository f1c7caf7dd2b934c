//! Bytes inside Graph API pages (`{"@odata.context":…,"value":[…]}`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lead = format!(
        "{{\"@odata.context\":\"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns\",\"value\":[{},",
        casift_fuzz::RECORD
    );
    let input = casift_fuzz::steer(data, b"{\"@odata", lead.as_bytes());
    casift_fuzz::check_reader("graph.json", &input);
});

//! Bytes as rows of a Log Analytics CSV export (its header is prefixed unless present).
#![no_main]
use libfuzzer_sys::fuzz_target;

const HEADER: &[u8] = b"TenantId,TimeGenerated [UTC],ResultType,CorrelationId,AppDisplayName,AppId,AuthenticationRequirement,ClientAppUsed,ConditionalAccessPolicies,ConditionalAccessStatus,CreatedDateTime [UTC],IsInteractive,Id,IPAddress,NetworkLocationDetails,Status,UserPrincipalName,UserId\n";

fuzz_target!(|data: &[u8]| {
    let input = casift_fuzz::steer(data, b"TenantId", HEADER);
    casift_fuzz::check_reader("query_data.csv", &input);
});

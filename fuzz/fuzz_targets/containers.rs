//! Bytes as the layers of a zip/gzip nest around sign-ins (or a raw zip or gzip): the
//! container limits (depth, members, expansion) end every nest with an error, never a crash.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    casift_fuzz::check_containers(data);
});

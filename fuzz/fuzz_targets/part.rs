//! Bytes as a part file (`casift merge`'s input): opened, merged with itself (so the
//! duplicate check across parts and the replay of its records run too) and finished into an
//! analysis. Any error is fine; a panic, a hang or unbounded memory is not.
#![no_main]
use std::io::Write;

use casift::partial::{format::PartFile, merge::Merger};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("casift-fuzz-{}.part", std::process::id()));
    let Ok(mut f) = std::fs::File::create(&path) else {
        return;
    };
    if f.write_all(data).is_err() {
        return;
    }
    drop(f);
    for disjoint in [false, true] {
        let Ok(mut m) = Merger::new(disjoint, None) else {
            return;
        };
        let mut ok = true;
        for _ in 0..2 {
            match PartFile::open(&path) {
                Ok(p) => ok &= m.add(p).is_ok(),
                Err(_) => ok = false,
            }
            if !ok {
                break;
            }
        }
        if ok && let Ok(Some(st)) = m.finish() {
            casift::pipeline::finish(st, None, None);
        }
    }
    let _ = std::fs::remove_file(&path);
});

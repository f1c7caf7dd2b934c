//! Shape detection, the Extractor-Suite CSV, containers, encodings, duplicates and the
//! messages for files that are not policy exports.

use crate::input::testzip::zip_of;
use std::io::Write;

use super::{err, policy_json, set};
use crate::policy::load::{load, load_bytes};

fn p(id: &str, name: &str) -> String {
    format!(
        r#"{{"id":"{id}","displayName":"{name}","state":"enabled","conditions":{{"clientAppTypes":["all"]}}}}"#
    )
}

#[test]
fn json_shapes_are_told_apart_by_content() {
    let cases = [
        (
            format!(
                r#"{{"@odata.context":"x#identity/conditionalAccess/policies","value":[{}]}}"#,
                p("a", "A")
            ),
            "graph_list",
        ),
        (
            format!("{{\"value\":[]}}\n{{\"value\":[{}]}}", p("a", "A")),
            "graph_list",
        ),
        (format!(r#"[{{"value":[{}]}}]"#, p("a", "A")), "graph_list"),
        (format!("[{}]", p("a", "A")), "bare_array"),
        (p("a", "A"), "graph_entity"),
        (format!("{}\n{}\n", p("a", "A"), p("b", "B")), "goose_jsonl"),
        (
            r#"{"Id":"a","DisplayName":"A","State":"enabled","Conditions":{}}"#.to_string(),
            "powershell",
        ),
        (
            format!(
                r#"{{"value":[{}],"Count":1}}"#,
                r#"{"Id":"a","DisplayName":"A","State":"enabled","Conditions":{}}"#
            ),
            "powershell",
        ),
    ];
    for (text, shape) in cases {
        let s = set(&text);
        assert_eq!(s.inputs[0].shape, shape, "{text}");
        assert!(
            s.policies
                .iter()
                .all(|p| p.origin.shape == shape && p.origin.path == "t.json")
        );
        assert!(!s.policies.is_empty(), "{text}");
    }
    // The path labels a lone object of an EntraExporter tree, nothing else.
    let ee = load_bytes(
        r"x\Identity\Conditional\AccessPolicies\a\a.json",
        p("a", "A").as_bytes(),
    )
    .unwrap();
    assert_eq!(ee.inputs[0].shape, "entra_exporter");
}

#[test]
fn empty_exports_are_accepted() {
    for (text, shape) in [
        (
            r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies","value":[]}"#,
            "graph_list",
        ),
        ("[]", "bare_array"),
        (
            r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/namedLocations","value":[]}"#,
            "named_locations",
        ),
    ] {
        let s = set(text);
        assert_eq!((s.policies.len(), s.inputs[0].shape), (0, shape), "{text}");
    }
}

#[test]
fn json_lines_errors_name_the_line_and_record() {
    let text = format!(
        "{}\n{}\n{}\n",
        p("a", "A"),
        p("b", "B"),
        r#"{"id":"c","displayName":"C","state":"enabled","conditions":{"locations":{"includeLocations":"All"}}}"#
    );
    let e = err(&text);
    assert!(
        e.starts_with(r#"t.json: line 3: policy #3 ("C"): conditions.locations.includeLocations"#),
        "{e}"
    );
    let e = err(&format!("{}\n{{\"id\": \n", p("a", "A")));
    assert!(e.contains("invalid JSON") && e.contains("line 3"), "{e}");
    let e = err(&format!("{}\n42\n", p("a", "A")));
    assert!(e.contains("JSON number on line 2"), "{e}");
}

#[test]
fn malformed_json_names_line_and_column() {
    let e = err("{\n  \"value\": [\n    {\"id\": \"a\",\n");
    assert!(
        e.starts_with("t.json: invalid JSON: EOF while parsing") && e.contains("line 4 column 0"),
        "{e}"
    );
    let e = err("[{\"id\":\"a\"},]");
    assert!(e.contains("trailing comma at line 1 column 13"), "{e}");
}

#[test]
fn what_is_not_a_policy_export_is_named() {
    let signin = r#"{"@odata.context":"x#auditLogs/signIns","value":[{"id":"s","createdDateTime":"2026-01-01T00:00:00Z","userPrincipalName":"a@example.com","appliedConditionalAccessPolicies":[]}]}"#;
    assert!(err(signin).contains("looks like a sign-in export, not Conditional Access policies"));
    let diag =
        r#"{"records":[{"time":"2026-01-01T00:00:00Z","category":"SignInLogs","properties":{}}]}"#;
    assert!(err(diag).contains("sign-in export"));
    let csv = "Date (UTC),Request ID,User agent\n2026-01-01,x,y\n";
    assert!(err(csv).contains("sign-in export"));
    let group = r#"{"@odata.context":"x#groups/$entity","id":"g","displayName":"CA-BreakGlass","securityEnabled":true}"#;
    let e = err(group);
    assert!(
        e.contains("neither Conditional Access policies nor named locations")
            && e.contains("securityEnabled"),
        "{e}"
    );
    assert!(
        err("# Policies\n\nExported by hand.\n").contains("neither JSON nor the Extractor-Suite")
    );
    assert!(err("").contains("empty file"));
    assert!(err("{}").contains("keys of the first object: none"));
    let mixed = format!("[{},{}]", p("a", "A"), r#"{"foo":1}"#);
    let e = err(&mixed);
    assert!(e.contains("item #2 is neither") && e.contains("foo"), "{e}");
}

#[test]
fn a_file_of_named_locations_only_is_accepted() {
    let s = set(
        r##"[{"@odata.type":"#microsoft.graph.ipNamedLocation","id":"l1","displayName":"Office","isTrusted":true,
        "ipRanges":[{"cidrAddress":"192.0.2.0/24"}]},{"id":"l2","displayName":"Countries","countriesAndRegions":["BE"]}]"##,
    );
    assert!(s.policies.is_empty());
    assert_eq!(s.locations.len(), 2);
    assert_eq!(
        (s.inputs[0].shape, s.inputs[0].locations),
        ("named_locations", 2)
    );
    let e = err(r#"[{"displayName":"Bad","ipRanges":[{"cidrAddress":"192.0.2.0/33"}]}]"#);
    assert!(
        e.contains("location #1") && e.contains("192.0.2.0/33"),
        "{e}"
    );
}

#[test]
fn duplicates_in_one_file() {
    let same = set(&format!("[{},{}]", p("a", "A"), p("a", "A")));
    assert_eq!(same.policies.len(), 1);
    assert!(same.notes.is_empty());
    assert_eq!(
        same.inputs[0].note.as_deref(),
        Some("1 already read from an earlier file")
    );
    let different = set(&format!("[{},{}]", p("a", "A"), p("a", "Other")));
    assert_eq!(different.policies.len(), 1);
    assert_eq!(different.policies[0].display_name, "A");
    assert!(
        different.notes[0].contains("different content"),
        "{:?}",
        different.notes
    );
}

const CSV_HEADER: &str = "\"DisplayName\",\"Id\",\"State\",\"CreatedDateTime\",\"ModifiedDateTime\",\"Description\",\"IncludeUsers\",\"ExcludeUsers\",\"IncludeApplications\",\"ClientAppTypes\",\"DeviceFilter\",\"BuiltInControls\",\"GrantOperator\",\"ApplicationEnforcedRestrictions\",\"CloudAppSecurity\",\"SignInFrequency\",\"PersistentBrowser\",\"IncludeDeviceStates\"\r\n";

#[test]
fn extractor_csv_rows() {
    let csv = format!(
        "#TYPE System.Management.Automation.PSCustomObject\r\n{CSV_HEADER}\
         \"Block\",\"a\",\"enabled\",\"24/05/2024 09:27:52\",\"\",\"multi\r\nline\",\"All\",\"u1; u2\",\"All\",\"exchangeActiveSync; other\",\"exclude: device.isCompliant -eq True\",\"block\",\"OR\",\"\",\"\",\" \",\"\",\"\"\r\n\
         \"Session\",\"b\",\"disabled\",\"\",\"\",\"\",\"All\",\"\",\"All\",\"\",\"Not Configured\",\"\",\"\",\"True\",\"True\",\"12 hours\",\"always\",\"compliant\"\r\n"
    );
    let s = load_bytes("x.csv", csv.as_bytes()).unwrap();
    assert_eq!(s.policies.len(), 2);
    let a = &s.policies[0];
    assert_eq!(a.origin.index, 1);
    // 24/05: a day-first file.
    assert_eq!(a.created.unwrap().to_rfc3339(), "2024-05-24T09:27:52+00:00");
    assert_eq!(
        a.conditions.users.as_ref().unwrap().exclude_users,
        ["u1", "u2"]
    );
    assert_eq!(
        a.conditions.client_app_types,
        ["exchangeActiveSync", "other"]
    );
    let f = a.conditions.device_filter.as_ref().unwrap();
    assert_eq!(
        (f.mode.as_str(), f.rule.as_str()),
        ("exclude", "device.isCompliant -eq True")
    );
    assert!(a.blocks() && a.session.is_empty());
    let b = &s.policies[1];
    assert!(b.grant.is_none());
    assert!(b.session.application_enforced_restrictions);
    assert_eq!(b.session.cloud_app_security.as_deref(), Some(""));
    assert_eq!(
        b.session.sign_in_frequency.as_ref().map(|f| f.value),
        Some(Some(12))
    );
    assert_eq!(b.session.persistent_browser.as_deref(), Some("always"));
    assert_eq!(
        b.conditions.unknown_conditions,
        ["devices.includeDeviceStates"]
    );
    assert!(
        s.notes
            .iter()
            .any(|n| n.starts_with("x.csv: the Extractor-Suite CSV is lossy"))
    );
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("devices.includeDeviceStates"))
    );
}

#[test]
fn extractor_csv_errors_name_the_line() {
    let csv = format!(
        "{CSV_HEADER}\"A\",\"a\",\"enabled\",\"\",\"\",\"\",\"All\",\"\",\"All\",\"\",\"\",\"\",\"\",\"\",\"\",\" \",\"\",\"\"\r\n\
         \"B\",\"b\",\"enabled\",\"\",\"\",\"two\nlines\",\"All\",\"\",\"All\",\"\",\"\",\"\",\"\",\"maybe\",\"\",\" \",\"\",\"\"\r\n"
    );
    let e = load_bytes("x.csv", csv.as_bytes()).unwrap_err().to_string();
    assert!(
        e.starts_with(
            r#"x.csv: line 3 (policy #2 "B"): applicationenforcedrestrictions is not True or False"#
        ),
        "{e}"
    );
    let bad_sif = format!(
        "{CSV_HEADER}\"A\",\"a\",\"enabled\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"often hours\",\"\",\"\"\r\n"
    );
    assert!(
        load_bytes("x.csv", bad_sif.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("SignInFrequency")
    );
    let no_state = format!("{CSV_HEADER}\"A\",\"a\",\"\"\r\n");
    assert!(
        load_bytes("x.csv", no_state.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("line 2 (policy #1 \"A\"): no State")
    );
    let odd_date = format!("{CSV_HEADER}\"A\",\"a\",\"enabled\",\"Tuesday\"\r\n");
    let s = load_bytes("x.csv", odd_date.as_bytes()).unwrap();
    assert!(s.policies[0].created.is_none());
    assert!(
        s.notes.iter().any(|n| n.contains("\"Tuesday\"")),
        "{:?}",
        s.notes
    );
}

#[test]
fn encodings() {
    let text = format!("[{}]", p("a", "Été"));
    let want = set(&text).policies;
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(text.as_bytes());
    for bytes in [&le, &be, &bom] {
        assert_eq!(load_bytes("t.json", bytes).unwrap().policies, want);
    }
    let no_bom: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(
        load_bytes("t.json", &no_bom)
            .unwrap_err()
            .to_string()
            .contains("byte-order mark")
    );
    assert!(
        load_bytes("t.json", &le[..le.len() - 1])
            .unwrap_err()
            .to_string()
            .contains("odd")
    );
    // An unpaired surrogate.
    let lone = [0xFF, 0xFE, 0x00, 0xD8, b'[', 0];
    assert!(
        load_bytes("t.json", &lone)
            .unwrap_err()
            .to_string()
            .contains("UTF-16")
    );
    assert!(
        load_bytes("t.json", b"[\xff]")
            .unwrap_err()
            .to_string()
            .contains("UTF-8")
    );
}

#[test]
fn zips_are_read_member_by_member_in_name_order() {
    let inner = zip_of(&[("c.json", p("c", "C").as_bytes())]);
    let outer = zip_of(&[
        ("z/b.json", p("b", "B").as_bytes()),
        ("a.json", p("a", "A").as_bytes()),
        ("notes.txt", b"hello"),
        ("inner.zip", &inner),
    ]);
    let s = load_bytes("x.zip", &outer).unwrap();
    let ids: Vec<&str> = s.policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["a", "c", "b"]);
    assert_eq!(s.policies[1].origin.path, "x.zip!inner.zip!c.json");
    let notes = s
        .inputs
        .iter()
        .find(|i| i.path == "x.zip!notes.txt")
        .unwrap();
    assert_eq!(notes.shape, "ignored");
    // A nest deeper than the cap is an error naming it, not a stack overflow.
    let mut nest = zip_of(&[("p.json", p("a", "A").as_bytes())]);
    for _ in 0..4 {
        nest = zip_of(&[("n.zip", &nest)]);
    }
    let e = load_bytes("deep.zip", &nest).unwrap_err().to_string();
    assert!(
        e.contains("nested more than 3 deep") && e.starts_with("deep.zip!n.zip!n.zip!n.zip"),
        "{e}"
    );
    let e = load_bytes("empty.zip", &zip_of(&[("readme.txt", b"x")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("holds no Conditional Access policy"), "{e}");
    let e = load_bytes("bad.zip", b"PK\x03\x04garbage")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("bad.zip: invalid zip archive"), "{e}");
}

#[test]
fn gzip_is_decompressed() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(p("a", "A").as_bytes()).unwrap();
    let s = load_bytes("p.json.gz", &gz.finish().unwrap()).unwrap();
    assert_eq!(s.policies[0].id, "a");
    assert!(
        load_bytes("p.gz", &[0x1f, 0x8b, 8, 0, 1])
            .unwrap_err()
            .to_string()
            .contains("gzip")
    );
}

#[test]
fn directories_are_walked_in_order_and_odd_entries_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("b.json"), p("b", "B")).unwrap();
    std::fs::write(d.join("sub/a.json"), p("a", "A")).unwrap();
    std::fs::write(d.join("README.md"), "# notes\n").unwrap();
    std::fs::write(
        d.join("group.json"),
        r#"{"id":"g","displayName":"G","mailNickname":"g"}"#,
    )
    .unwrap();
    // EntraExporter also exports users: a UPN alone is not a sign-in.
    std::fs::write(
        d.join("user.json"),
        r#"{"id":"u","displayName":"U","userPrincipalName":"u@example.com","mail":"u@example.com"}"#,
    )
    .unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.join("missing.json"), d.join("dangling.json")).unwrap();
        std::os::unix::fs::symlink(d, d.join("sub/loop")).unwrap();
        let fifo = d.join("fifo.json");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("no mkfifo: FIFO case not checked");
        }
    }
    let s = load(&[d.to_path_buf()]).unwrap();
    let ids: Vec<&str> = s.policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["b", "a"]);
    let ignored: Vec<(String, String)> = s
        .inputs
        .iter()
        .filter(|i| i.shape == "ignored")
        .map(|i| {
            let name = i
                .path
                .strip_prefix(&d.display().to_string())
                .unwrap_or(&i.path)
                .to_string();
            (name, i.note.clone().unwrap_or_default())
        })
        .collect();
    let names: Vec<&str> = ignored.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"/README.md") && names.contains(&"/group.json"),
        "{ignored:?}"
    );
    assert!(names.contains(&"/user.json"), "{ignored:?}");
    #[cfg(unix)]
    {
        assert!(names.contains(&"/dangling.json"), "{ignored:?}");
        assert!(
            ignored
                .iter()
                .any(|(n, why)| n == "/sub/loop" && why.contains("loop")),
            "{ignored:?}"
        );
        if d.join("fifo.json").exists() {
            assert!(
                ignored
                    .iter()
                    .any(|(n, why)| n == "/fifo.json" && why.contains("not a regular file")),
                "{ignored:?}"
            );
        }
    }
    // A sign-in export in the folder stops the run.
    std::fs::write(
        d.join("signins.json"),
        r#"[{"userPrincipalName":"a@example.com","appId":"x","ipAddress":"192.0.2.1"}]"#,
    )
    .unwrap();
    let e = load(&[d.to_path_buf()]).unwrap_err().to_string();
    assert!(
        e.contains("signins.json") && e.contains("sign-in export"),
        "{e}"
    );
    // Nothing usable at all.
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("README.md"), "x").unwrap();
    let e = load(&[empty.path().to_path_buf()]).unwrap_err().to_string();
    assert!(e.contains("holds no Conditional Access policy"), "{e}");
    let e = load(&[d.join("nope.json")]).unwrap_err().to_string();
    assert!(e.contains("nope.json"), "{e}");
}

#[test]
fn unknown_conditions_are_noted_once_per_policy() {
    let s = set(&policy_json(r#""conditions":{"times":{"allDay":true}}"#));
    assert_eq!(s.notes.len(), 1);
    assert!(
        s.notes[0].contains("'P' (p1)") && s.notes[0].contains("times"),
        "{:?}",
        s.notes
    );
}

#[test]
fn extractor_csv_with_a_culture_separator() {
    let csv = "\"DisplayName\";\"Id\";\"State\";\"CreatedDateTime\";\"IncludeUsers\";\"BuiltInControls\"\r\n\
               \"Block\";\"a\";\"enabled\";\"24.05.2024 09:27:52\";\"All\";\"block\"\r\n";
    let s = load_bytes("de.csv", csv.as_bytes()).unwrap();
    assert_eq!(s.inputs[0].shape, "extractor_csv");
    let p = &s.policies[0];
    assert!(p.blocks());
    assert_eq!(p.created.unwrap().to_rfc3339(), "2024-05-24T09:27:52+00:00");
}

#[test]
fn a_file_larger_than_any_policy_export_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    // Sparse: no disk is written, but reading it would hold 65 MiB.
    std::fs::File::create(&big)
        .unwrap()
        .set_len((65 << 20) as u64)
        .unwrap();
    std::fs::write(dir.path().join("p.json"), p("a", "A")).unwrap();
    let e = load(std::slice::from_ref(&big)).unwrap_err().to_string();
    assert!(
        e.contains("big.json") && e.contains("larger than 64 MiB"),
        "{e}"
    );
    let s = load(&[dir.path().to_path_buf()]).unwrap();
    let i = s
        .inputs
        .iter()
        .find(|i| i.path.ends_with("big.json"))
        .unwrap();
    assert_eq!(i.shape, "ignored");
    assert!(
        i.note
            .as_deref()
            .unwrap_or("")
            .contains("larger than 64 MiB")
    );
}

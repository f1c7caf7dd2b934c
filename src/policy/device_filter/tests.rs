//! Tests of the device-filter rule language: the filters doc's null table, Kleene logic,
//! parentheses, values quoted or bare, case-insensitivity and refusal of broken rules.

use super::*;

fn unregistered() -> DeviceFacts {
    DeviceFacts {
        device_id: Some(String::new()),
        is_compliant: Some(false),
        ..DeviceFacts::default()
    }
}

fn compliant_joined() -> DeviceFacts {
    DeviceFacts {
        device_id: Some("5b3f1a4e-0000-4000-8000-00000000d001".to_string()),
        is_compliant: Some(true),
        trust_type: Some("Azure AD joined".to_string()),
        operating_system: Some("Windows".to_string()),
        display_name: Some("LAPTOP-042".to_string()),
    }
}

fn value(rule: &str, d: &DeviceFacts) -> Option<bool> {
    evaluate(rule, d).expect("rule parses").value
}

#[test]
fn e1_4_unregistered_positive_operators_are_false() {
    let d = unregistered();
    for rule in [
        r#"device.isCompliant -eq True"#,
        r#"device.deviceOwnership -eq "Company""#,
        r#"device.displayName -startsWith "SAW""#,
        r#"device.model -endsWith "Pro""#,
        r#"device.extensionAttribute1 -contains "x""#,
        r#"device.trustType -in ["AzureAD","ServerAD"]"#,
        r#"device.model -match "^S.*""#,
    ] {
        assert_eq!(value(rule, &d), Some(false), "{rule}");
    }
}

#[test]
fn e1_4_unregistered_negative_operators_are_true() {
    let d = unregistered();
    for rule in [
        r#"device.extensionAttribute1 -ne "SAW""#,
        r#"device.displayName -notStartsWith "SAW""#,
        r#"device.model -notEndsWith "Pro""#,
        r#"device.model -notContains "x""#,
        r#"device.trustType -notIn ["AzureAD"]"#,
        r#"device.model -notMatch "x""#,
    ] {
        assert_eq!(value(rule, &d), Some(true), "{rule}");
    }
}

#[test]
fn j0_rules_on_unregistered_and_on_known_devices() {
    let and_rule = r#"device.isCompliant -eq True -and device.deviceOwnership -eq "Company""#;
    let or_rule = r#"device.deviceOwnership -eq "Company" -or device.isCompliant -eq True"#;
    assert_eq!(value(and_rule, &unregistered()), Some(false));
    assert_eq!(value(or_rule, &unregistered()), Some(false));
    // Registered and compliant: the OR rule holds whatever the ownership; the AND rule needs
    // deviceOwnership, which no log carries.
    let d = compliant_joined();
    assert_eq!(value(or_rule, &d), Some(true));
    let a = evaluate(and_rule, &d).unwrap();
    assert_eq!(a.value, None);
    assert_eq!(a.unknown_properties, vec!["deviceOwnership".to_string()]);
    // A non-compliant registered device makes the AND rule false without ownership.
    let mut n = d.clone();
    n.is_compliant = Some(false);
    assert_eq!(value(and_rule, &n), Some(false));
}

#[test]
fn parentheses_bind_before_and_or() {
    let d = compliant_joined();
    // false -and (true -or x) = false; (false -and true) -or true = true.
    assert_eq!(
        value(
            r#"device.isCompliant -eq False -and (device.trustType -eq "AzureAD" -or device.model -eq "x")"#,
            &d
        ),
        Some(false)
    );
    assert_eq!(
        value(
            r#"(device.isCompliant -eq False -and device.trustType -eq "AzureAD") -or device.displayName -eq "laptop-042""#,
            &d
        ),
        Some(true)
    );
    assert_eq!(
        value(r#"-not (device.trustType -eq "ServerAD")"#, &d),
        Some(true)
    );
}

#[test]
fn case_insensitive_operators_properties_and_values() {
    let d = compliant_joined();
    assert_eq!(value(r#"DEVICE.TRUSTTYPE -EQ "azuread""#, &d), Some(true));
    assert_eq!(value("device.iscompliant -eq true", &d), Some(true));
    assert_eq!(
        value(r#"device.operatingSystem -StartsWith 'win'"#, &d),
        Some(true)
    );
    assert_eq!(
        value(
            r#"device.deviceId -eq "5B3F1A4E-0000-4000-8000-00000000D001""#,
            &d
        ),
        Some(true)
    );
    assert_eq!(
        value(r#"device.trustType -in ["ServerAD", "AzureAD"]"#, &d),
        Some(true)
    );
    assert_eq!(
        value(r#"device.trustType -notIn ["ServerAD", "AzureAD"]"#, &d),
        Some(false)
    );
    assert_eq!(
        value(
            r#"device.isCompliant -eq True and device.trustType -ne "Workplace""#,
            &d
        ),
        Some(true)
    );
}

#[test]
fn log_trust_type_words_map_to_filter_values() {
    let mut d = compliant_joined();
    d.trust_type = Some("Hybrid Azure AD joined".to_string());
    assert_eq!(value(r#"device.trustType -eq "ServerAD""#, &d), Some(true));
    d.trust_type = Some("Microsoft Entra registered".to_string());
    assert_eq!(value(r#"device.trustType -eq "Workplace""#, &d), Some(true));
}

#[test]
fn unknown_facts_make_unknown_unless_the_other_side_decides() {
    let d = DeviceFacts::default();
    let a = evaluate(r#"device.isCompliant -eq True"#, &d).unwrap();
    assert_eq!(a.value, None);
    assert_eq!(a.unknown_properties, vec!["isCompliant".to_string()]);
    let known = compliant_joined();
    // -or with a true side is true even though extensionAttribute1 is unknown.
    assert_eq!(
        value(
            r#"device.extensionAttribute1 -eq "SAW" -or device.isCompliant -eq True"#,
            &known
        ),
        Some(true)
    );
    assert_eq!(value(r#"device.displayName -match "^LAP""#, &known), None);
    // A property that is not a device property at all stays unknown.
    let a = evaluate(r#"device.colour -eq "red""#, &unregistered()).unwrap();
    assert_eq!(a.value, None);
}

#[test]
fn broken_rules_are_refused_with_a_reason() {
    let d = compliant_joined();
    for rule in [
        "",
        "device.isCompliant",
        "device.isCompliant -eq",
        "device.isCompliant -equals True",
        "user.department -eq \"x\"",
        "(device.isCompliant -eq True",
        "device.isCompliant -eq True)",
        "device.model -eq \"open",
        "device.model -in [\"a\"",
        "device.isCompliant -eq True -and",
    ] {
        let e = evaluate(rule, &d);
        assert!(e.is_err(), "{rule:?} parsed as {e:?}");
    }
    let deep = format!(
        "{}device.model -eq \"x\"{}",
        "(".repeat(1_000),
        ")".repeat(1_000)
    );
    assert!(evaluate(&deep, &d).unwrap_err().contains("nests"));
}

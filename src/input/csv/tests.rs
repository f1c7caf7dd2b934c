//! Tests of the CSV decoders: header aliasing, fixtures under `fixtures/signins/csv/`, and
//! the real Log Analytics samples in `../shared/samples` (required when `CI=true`).

use std::path::{Path, PathBuf};

use ::csv::{ByteRecord, ReaderBuilder};

use super::*;
use crate::model::PolicyResult;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/signins/csv")
        .join(name)
}

fn sample(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/samples/log_analytics")
        .join(name);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none_or(|v| v != "true"),
        "sample missing under CI: {}",
        p.display()
    );
    None
}

/// Reads a file the way the pipeline will: flexible, bytes, delimiter sniffed.
pub(super) fn read(path: &Path) -> (ByteRecord, Vec<ByteRecord>) {
    let bytes = std::fs::read(path).unwrap();
    let delim = detect_delimiter(&bytes);
    let mut rdr = ReaderBuilder::new()
        .flexible(true)
        .delimiter(delim)
        .from_reader(bytes.as_slice());
    let headers = rdr.byte_headers().unwrap().clone();
    let rows = rdr.byte_records().map(Result::unwrap).collect();
    (headers, rows)
}

struct Decoded {
    layout: CsvLayout,
    rows: Vec<SignIn>,
}

fn decode_file(path: &Path) -> Decoded {
    let (h, rows) = read(path);
    let mut layout = layout(&h).unwrap();
    detect_day_first(&mut layout, &rows);
    let hint = event_type_from_file_name(&path.to_string_lossy());
    let rows = rows
        .iter()
        .map(|r| decode(&layout, r, hint).unwrap())
        .collect();
    Decoded { layout, rows }
}

fn header(cols: &[&str]) -> ByteRecord {
    ByteRecord::from(cols.to_vec())
}

fn rec(cells: &[&str]) -> ByteRecord {
    ByteRecord::from(cells.to_vec())
}

#[test]
fn english_header_with_traps() {
    let h = header(&[
        "\u{feff}Date (UTC)",
        "Request ID",
        "Incoming token type",
        "Application ID ",
        "Resource ID ",
        "Autonomous system  number",
        "  Sign-in   error code ",
        "Incoming token type",
        "Something new",
        "Conditional Access",
    ]);
    let l = layout(&h).unwrap();
    assert_eq!(l.kind, CsvKind::Portal);
    assert_eq!(l.column(Field::Date), Some(0));
    assert_eq!(l.column(Field::AppId), Some(3));
    assert_eq!(l.column(Field::ResourceId), Some(4));
    assert_eq!(l.column(Field::ErrorCode), Some(6));
    assert_eq!(l.column(Field::ConditionalAccess), Some(9));
    assert!(!l.has(Field::Ip));
}

#[test]
fn duplicate_portal_header_first_wins() {
    let h = header(&[
        "Date (UTC)",
        "Request ID",
        "Sign-in error code",
        "Request ID",
    ]);
    let l = layout(&h).unwrap();
    assert_eq!(l.column(Field::RequestId), Some(1));
    let s = decode(
        &l,
        &rec(&["2026-10-01T00:00:00Z", "a", "0", "b"]),
        EventType::Unknown,
    )
    .unwrap();
    assert_eq!(s.request_id, "a");
    assert_eq!(s.interactive, None);
}

#[test]
fn localized_headers() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "Date (UTC)",
                "ID de requête",
                "Code d'erreur de connexion",
                "Accès conditionnel",
                "Nom d\u{2019}utilisateur",
            ],
            "fr",
        ),
        (
            &[
                "Datum (UTC)",
                "Anforderungs-ID",
                "Anmeldefehlercode",
                "Bedingter Zugriff",
                "Benutzername",
            ],
            "de",
        ),
        (
            &[
                "Fecha (UTC)",
                "Id. de solicitud",
                "Código de error de inicio de sesión",
                "Acceso condicional",
                "Nombre de usuario",
            ],
            "es",
        ),
        (
            &[
                "DATA (UTC)",
                "ID da solicitação",
                "Código de erro de entrada",
                "Acesso condicional",
                "Nome de usuário",
            ],
            "pt",
        ),
    ];
    for (cols, lang) in cases {
        let l = layout(&header(cols)).unwrap_or_else(|e| panic!("{lang}: {e}"));
        assert_eq!(l.kind, CsvKind::Portal, "{lang}");
        for (i, f) in [
            Field::Date,
            Field::RequestId,
            Field::ErrorCode,
            Field::ConditionalAccess,
            Field::UserPrincipalName,
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(l.column(f), Some(i), "{lang} {f:?}");
        }
    }
    // Decomposed accents (NFD) and upper case match too.
    let l = layout(&header(&[
        "FECHA (UTC)",
        "Id. de solicitud",
        "Co\u{301}digo de error de inicio de sesio\u{301}n",
    ]))
    .unwrap();
    assert_eq!(l.column(Field::ErrorCode), Some(2));
}

#[test]
fn not_a_sign_in_csv() {
    let e = layout(&header(&["name", "value"])).unwrap_err();
    assert!(e.contains("not a sign-in CSV"), "{e}");
    let e = layout(&header(&["Request ID", "User", "Status"])).unwrap_err();
    assert!(e.contains("none of them a date"), "{e}");
    let e = layout(&header(&["Date", "Authentication method", "Succeeded"])).unwrap_err();
    assert!(e.contains("Request ID"), "{e}");
}

#[test]
fn ragged_rows_do_not_panic() {
    let d: &[u8] = b"Date (UTC),Request ID,Sign-in error code,IP address\n\
             2026-10-01T00:00:00Z,r1,0,192.0.2.1\n\
             2026-10-01T00:00:00Z,r2\n\
             \n\
             ,r3,0\n\
             13/13/2025 99:00,r4,0\n\
             2026-10-01T00:00:00Z,r5,abc,192.0.2.1,extra,cells\n\
             2026-10-01T00:00:00Z,r6,0,\xff\xfe192.0.2.1\n";
    let mut rdr = ReaderBuilder::new().flexible(true).from_reader(d);
    let l = layout(rdr.byte_headers().unwrap()).unwrap();
    let out: Vec<Result<SignIn, String>> = rdr
        .byte_records()
        .map(|r| decode(&l, &r.unwrap(), EventType::Interactive))
        .collect();
    assert_eq!(out.len(), 6);
    assert!(out[0].is_ok());
    assert_eq!(out[1].as_ref().unwrap_err(), "missing Sign-in error code");
    assert_eq!(out[2].as_ref().unwrap_err(), "missing Date (UTC)");
    assert_eq!(
        out[3].as_ref().unwrap_err(),
        "unparseable date \"13/13/2025 99:00\""
    );
    assert!(out[4].as_ref().unwrap_err().contains("Sign-in error code"));
    let lossy = out[5].as_ref().unwrap();
    assert!(lossy.ip.contains('\u{fffd}'));
    assert_eq!(lossy.ip_addr, None);
    // A row too short to hold the date.
    let l = layout(&header(&["Request ID", "Sign-in error code", "Date (UTC)"])).unwrap();
    assert_eq!(
        decode(&l, &rec(&["r"]), EventType::Unknown).unwrap_err(),
        "missing Date (UTC)"
    );
}

#[test]
fn file_names_give_event_types() {
    use EventType::*;
    for (n, t) in [
        ("InteractiveSignIns_2026-10-01_2026-10-02.csv", Interactive),
        (
            "x/y/NonInteractiveSignIns_2026-10-01_2026-10-02.csv",
            NonInteractive,
        ),
        ("ApplicationSignIns_2026.csv", ServicePrincipal),
        ("C:\\exports\\MSISignIns_2026.csv", ManagedIdentity),
        ("interactivesignins_authdetails_2026.csv", Interactive),
        ("fr_InteractiveSignIns_export.csv", Interactive),
        ("NonInteractive/export.csv", Unknown),
        ("signins.csv", Unknown),
    ] {
        assert_eq!(event_type_from_file_name(n), t, "{n}");
    }
}

#[test]
fn value_helpers() {
    for (v, b) in [
        ("True", Some(true)),
        ("NO", Some(false)),
        ("Oui", Some(true)),
        ("Non", Some(false)),
        ("Ja", Some(true)),
        ("Nein", Some(false)),
        ("Sí", Some(true)),
        ("Sim", Some(true)),
        ("Não", Some(false)),
        ("", None),
        ("maybe", None),
    ] {
        assert_eq!(parse_bool(v), b, "{v}");
    }
    assert_eq!(parse_ca_status("Not Applied"), CaStatus::NotApplied);
    assert_eq!(parse_ca_status("Échec"), CaStatus::Failure);
    assert_eq!(parse_ca_status("Nicht angewendet"), CaStatus::NotApplied);
    assert_eq!(parse_ca_status("Éxito"), CaStatus::Success);
    assert_eq!(parse_ca_status("Falha"), CaStatus::Failure);
    assert_eq!(
        parse_ca_status("Bizarre"),
        CaStatus::Unknown("Bizarre".into())
    );
    let l = split_location("Sao Paulo, Sao Paulo, BR");
    assert_eq!(
        (l.city.as_str(), l.state.as_str(), l.country.as_str()),
        ("Sao Paulo", "Sao Paulo", "BR")
    );
    assert_eq!(split_location("United States").country, "United States");
    assert_eq!(
        split_location("Washington, D.C., District of Columbia, US").city,
        "Washington, D.C."
    );
    for v in [
        "Not Applied",
        "True",
        "no",
        "Mobile-App 2",
        " Yes",
        "Yes ",
        "Not  Applied",
    ] {
        assert_eq!(fold(v), normalize_header(v), "{v:?}");
    }
    assert_eq!(parse_code("53,003"), Some(53003));
    assert_eq!(parse_code("50074.0"), Some(50074));
    assert_eq!(detect_delimiter(b"a;b;\"c,d\"\r\n1,2,3,4,5"), b';');
    assert_eq!(detect_delimiter(b"a,b,c"), b',');
    assert_eq!(detect_delimiter(b"a\tb\tc"), b'\t');
    assert_eq!(detect_delimiter(b"single"), b',');
}

#[test]
fn fixture_interactive_english() {
    let d = decode_file(&fixture("InteractiveSignIns_2026-10-01_2026-10-02.csv"));
    assert_eq!(d.layout.kind, CsvKind::Portal);
    assert!(!d.layout.day_first);
    let r = &d.rows;
    assert_eq!(r.len(), 6);
    assert!(
        r.iter()
            .all(|s| s.event_type == EventType::Interactive && s.interactive == Some(true))
    );
    assert!(
        r.iter()
            .all(|s| !s.has_policy_detail && s.policies.is_empty())
    );
    let codes: Vec<i64> = r.iter().map(|s| s.error_code).collect();
    assert_eq!(codes, [0, 53003, 50074, 53000, 50126, 0]);
    assert_eq!(r[0].request_id, "00000000-0000-4000-8000-000000000001");
    assert_eq!(r[0].created.to_rfc3339(), "2026-10-01T07:22:01+00:00");
    assert_eq!(r[0].ca_status, CaStatus::Success);
    assert_eq!(
        r[0].additional_details,
        "MFA requirement satisfied by claim in the token"
    );
    assert_eq!(r[0].app_id, "c44b4083-3bb0-49c1-b47d-974e53cbdf3c");
    assert_eq!(r[1].ca_status, CaStatus::Failure);
    assert_eq!(r[1].ip_addr, Some("203.0.113.7".parse().unwrap()));
    assert_eq!(r[1].location.country, "FR");
    assert_eq!(r[2].ca_status, CaStatus::NotApplied);
    assert_eq!(r[3].device.is_compliant, Some(false));
    assert_eq!(r[3].device.is_managed, Some(true));
    assert_eq!(r[3].device.trust_type, "Azure AD registered");
    assert!(r[4].failure_reason.contains(", or invalid"));
    assert!(
        r[4].failure_reason
            .contains("\nSecond line, after a newline")
    );
    assert_eq!(r[5].ip_addr, Some("2001:db8::1".parse().unwrap()));
    assert_eq!(r[5].resource_ip_addr, Some("192.0.2.99".parse().unwrap()));
    assert_eq!(
        (r[5].location.city.as_str(), r[5].location.state.as_str()),
        ("Seattle", "Washington")
    );
}

#[test]
fn fixture_non_interactive_old_41_columns() {
    let path = fixture("NonInteractiveSignIns_2026-10-01_2026-10-02.csv");
    let (h, _) = read(&path);
    assert_eq!(h.len(), 41);
    let d = decode_file(&path);
    assert!(!d.layout.day_first);
    let r = &d.rows;
    assert_eq!(r.len(), 4);
    assert!(
        r.iter()
            .all(|s| s.event_type == EventType::NonInteractive && s.interactive == Some(false))
    );
    assert!(
        r.iter()
            .all(|s| s.app_id == "499b84ac-1321-427f-aa17-267ca6975798")
    );
    assert_eq!(
        r.iter().map(|s| s.error_code).collect::<Vec<_>>(),
        [53003, 50076, 0, 53003]
    );
    assert_eq!(r[0].created.to_rfc3339(), "2026-10-01T07:22:01+00:00");
    assert_eq!(r[1].created.to_rfc3339(), "2026-10-01T19:22:05+00:00");
    assert_eq!(r[2].created.to_rfc3339(), "2026-10-13T00:01:00+00:00");
    assert_eq!(r[0].client_app_used, "Mobile Apps and Desktop clients");
    assert_eq!(r[3].location, Location::default());
}

#[test]
fn fixture_french_bom_day_first() {
    let d = decode_file(&fixture("fr_InteractiveSignIns_export.csv"));
    assert_eq!(d.layout.kind, CsvKind::Portal);
    assert!(d.layout.day_first, "13/10/2026 proves day-first");
    let r = &d.rows;
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].created.to_rfc3339(), "2026-10-01T09:41:00+00:00");
    assert_eq!(r[1].created.to_rfc3339(), "2026-10-13T14:02:33+00:00");
    assert_eq!(
        r.iter().map(|s| s.error_code).collect::<Vec<_>>(),
        [0, 53003, 50074]
    );
    assert_eq!(
        r.iter().map(|s| s.ca_status.clone()).collect::<Vec<_>>(),
        [CaStatus::Success, CaStatus::Failure, CaStatus::NotApplied]
    );
    assert_eq!(r[0].user_principal_name, "camille@example.com");
    assert_eq!(r[0].device.is_compliant, Some(true));
    assert_eq!(r[1].device.is_managed, Some(false));
    assert_eq!(r[2].device.is_compliant, None);
    assert_eq!(r[0].location.state, "Île-de-France");
    assert_eq!(r[0].app_id, "c44b4083-3bb0-49c1-b47d-974e53cbdf3c");
    assert_eq!(
        r[0].authentication_requirement,
        "Authentification à facteur unique"
    );
}

#[test]
fn fixture_german_semicolon() {
    let d = decode_file(&fixture("de_InteractiveSignIns_export.csv"));
    let r = &d.rows;
    assert_eq!(r.len(), 3);
    assert_eq!(r[1].created.to_rfc3339(), "2026-10-02T10:00:00+00:00");
    assert_eq!(
        r.iter().map(|s| s.error_code).collect::<Vec<_>>(),
        [0, 53000, 0]
    );
    assert_eq!(r[1].ca_status, CaStatus::Failure);
    assert_eq!(r[2].ca_status, CaStatus::NotApplied);
    assert_eq!(r[1].device.is_compliant, Some(false));
    assert_eq!(r[0].location.city, "München");
    assert_eq!(r[2].ip_addr, Some("2001:db8::40".parse().unwrap()));
}

#[test]
fn fixture_application_sign_ins() {
    let d = decode_file(&fixture("ApplicationSignIns_2026-10-01_2026-10-02.csv"));
    let r = &d.rows;
    assert_eq!(r.len(), 3);
    assert!(
        r.iter()
            .all(|s| s.event_type == EventType::ServicePrincipal && s.interactive == Some(false))
    );
    assert_eq!(r[1].error_code, 53003);
    assert_eq!(r[1].ca_status, CaStatus::Failure);
    assert_eq!(r[2].error_code, 7000215);
    assert_eq!(r[0].service_principal_name, "build-pipeline-sp");
    assert_eq!(
        r[0].service_principal_id,
        "00000000-0000-4000-8000-000000000060"
    );
    assert_eq!(r[0].user_label(), "build-pipeline-sp");
}

#[test]
fn fixture_auth_details() {
    let (h, rows) = read(&fixture(
        "InteractiveSignIns_AuthDetails_2026-10-01_2026-10-02.csv",
    ));
    let l = layout(&h).unwrap();
    assert_eq!(l.kind, CsvKind::AuthDetails);
    let pairs: Vec<(String, AuthDetail)> = rows
        .iter()
        .map(|r| decode_auth_detail(&l, r).unwrap())
        .collect();
    assert_eq!(pairs.len(), 5);
    assert_eq!(pairs[0].0, "00000000-0000-4000-8000-000000000001");
    assert_eq!(pairs[3].1.method, "Microsoft Authenticator app");
    assert_eq!(pairs[3].1.succeeded, Some(false));
    assert_eq!(pairs[3].1.step_requirement, "Multifactor authentication");
    assert_eq!(pairs[2].1.method_detail, "Password in the cloud");
    assert!(decode(&l, &rows[0], EventType::Interactive).is_err());
    assert_eq!(
        decode_auth_detail(&l, &rec(&[])).unwrap_err(),
        "missing Request ID"
    );
}

#[test]
fn fixture_log_analytics() {
    let d = decode_file(&fixture("loganalytics_signinlogs.csv"));
    assert_eq!(d.layout.kind, CsvKind::LogAnalytics);
    let r = &d.rows;
    assert_eq!(r.len(), 4);
    assert_eq!(
        r.iter().map(|s| s.error_code).collect::<Vec<_>>(),
        [0, 53003, 50076, 0]
    );
    assert_eq!(r[0].created.to_rfc3339(), "2026-04-28T14:08:45.221+00:00");
    assert_eq!(r[2].created.to_rfc3339(), "2026-04-28T11:59:59.500+00:00");
    assert_eq!(r[3].created.to_rfc3339(), "2026-04-29T00:00:01+00:00");
    assert!(r.iter().all(|s| s.has_policy_detail));
    assert_eq!(r[0].policies.len(), 3);
    assert_eq!(
        r[0].policies[2].result,
        Some(PolicyResult::ReportOnlyFailure)
    );
    assert_eq!(r[0].policies[2].conditions_satisfied, "3");
    assert_eq!(r[0].auth_details.len(), 2);
    assert_eq!(
        r[0].auth_details[1].step_requirement,
        "Multifactor authentication"
    );
    assert_eq!(
        r[0].network_locations.as_ref().unwrap()[0].network_names,
        ["HQ"]
    );
    let block = &r[1].policies[1];
    assert_eq!(block.result, Some(PolicyResult::Failure));
    assert_eq!(block.grant_controls, ["Block"]);
    assert_eq!(block.display_name, "Block access outside trusted locations");
    assert_eq!(r[1].ca_status, CaStatus::Failure);
    assert!(r[1].failure_reason.starts_with("Access has been blocked"));
    assert_eq!(r[1].location.city, "Redmond");
    assert_eq!(r[1].device.operating_system, "Windows 10");
    assert_eq!(r[1].device.is_compliant, Some(false));
    // Row 3 carries its JSON in the `_string` columns and is non-interactive.
    assert_eq!(r[2].event_type, EventType::NonInteractive);
    assert_eq!(r[2].interactive, Some(false));
    assert_eq!(r[2].policies[0].grant_controls, ["Mfa"]);
    assert_eq!(r[2].device.browser, "Edge 120.0.0");
    assert_eq!(r[0].event_type, EventType::Interactive);
    assert_eq!(r[0].interactive, Some(true));
    assert_eq!(r[3].policies, []);
    assert_eq!(r[3].network_locations, None);
    assert_eq!(r[3].ca_status, CaStatus::NotApplied);
}

#[test]
fn la_coalesces_columns_and_rejects_bad_policy_json() {
    let h = header(&[
        "CreatedDateTime [UTC]",
        "ResultType",
        "ConditionalAccessPolicies_string",
        "ConditionalAccessPolicies_dynamic",
    ]);
    let l = layout(&h).unwrap();
    let s = decode(
        &l,
        &rec(&[
            "2026-01-01T00:00:00Z",
            "0",
            "[]",
            r#"[{"id":"p","result":"success","conditionsSatisfied":"none"}]"#,
        ]),
        EventType::Unknown,
    )
    .unwrap();
    assert_eq!(s.policies.len(), 1, "_dynamic wins over _string");
    assert_eq!(s.policies[0].conditions_satisfied, "none");
    let s = decode(
        &l,
        &rec(&["2026-01-01T00:00:00Z", "0", "[]", ""]),
        EventType::Unknown,
    )
    .unwrap();
    assert!(s.has_policy_detail && s.policies.is_empty());
    let e = decode(
        &l,
        &rec(&["2026-01-01T00:00:00Z", "0", "", "[{"]),
        EventType::Unknown,
    )
    .unwrap_err();
    assert!(
        e.starts_with("invalid ConditionalAccessPolicies JSON"),
        "{e}"
    );
    assert_eq!(
        decode(&l, &rec(&["2026-01-01T00:00:00Z"]), EventType::Unknown).unwrap_err(),
        "missing ResultType"
    );
    assert_eq!(
        decode(&l, &rec(&[]), EventType::Unknown).unwrap_err(),
        "missing CreatedDateTime"
    );
}

#[test]
fn real_la_export_sample() {
    let Some(p) = sample("SigninLogs_LA_export_sentinel_training_lab_first9rows.csv") else {
        return;
    };
    let d = decode_file(&p);
    assert_eq!(d.layout.kind, CsvKind::LogAnalytics);
    let r = &d.rows;
    assert_eq!(r.len(), 9);
    let mut codes: Vec<i64> = r.iter().map(|s| s.error_code).collect();
    codes.sort_unstable();
    assert_eq!(codes, [0, 0, 0, 0, 0, 0, 0, 16000, 50058]);
    assert_eq!(r[0].created.to_rfc3339(), "2021-04-28T14:08:45.221+00:00");
    assert_eq!(r[0].request_id, "cfb68155-70f5-4e28-b046-0a3a7086c401");
    assert_eq!(
        r[0].user_principal_name,
        "adelev@m365x816222.onmicrosoft.com"
    );
    assert_eq!(r[0].app_display_name, "Azure Portal");
    assert_eq!(r[0].resource_id, "797f4846-ba00-4fd7-ba43-dac1f8f63013");
    assert_eq!(r[0].location.city, "Azor");
    assert_eq!(r[0].location.country, "IL");
    assert_eq!(r[0].device.operating_system, "Windows 10");
    assert_eq!(r[0].auth_details[0].method, "Previously satisfied");
    assert!(r.iter().all(|s| s.has_policy_detail
        && s.interactive == Some(true)
        && s.event_type == EventType::Interactive
        && s.ca_status == CaStatus::NotApplied));
    assert_eq!(r[0].policies[0].result, Some(PolicyResult::NotEnabled));
    assert_eq!(r[0].policies[0].conditions_satisfied, "0");
    assert_eq!(r[0].network_locations, Some(vec![]));
    let f = r.iter().find(|s| s.error_code == 50058).unwrap();
    assert!(
        f.failure_reason
            .starts_with("The application tried to perform a silent sign in")
    );
}

#[test]
fn real_la_query_result_is_not_sign_ins() {
    let Some(p) = sample("SigninLogs_LA_query_result_sentinel_training_lab_signinLogs.csv") else {
        return;
    };
    let (h, _) = read(&p);
    assert_eq!(
        layout(&h).unwrap_err(),
        "a Log Analytics query result, not sign-in rows (no CreatedDateTime/TimeGenerated column)"
    );
}

/// Every CSV fixture and the real Log Analytics samples, sorted.
pub(super) fn csv_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.extend(
        sample("")
            .and_then(|d| std::fs::read_dir(d).ok())
            .into_iter()
            .flat_map(|rd| {
                rd.map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            }),
    );
    files.sort();
    files
}

/// The prefilter's view of every row of every CSV fixture (and the real Log Analytics
/// samples) is what the full decode gives for the same fields, so a record the prefilter
/// rejects is counted under the same duplicate key and time as a decoded one.
#[test]
fn peek_agrees_with_decode() {
    let mut compared = 0;
    for path in &csv_files() {
        let (h, rows) = read(path);
        let Ok(mut layout) = layout(&h) else { continue };
        detect_day_first(&mut layout, &rows);
        let hint = event_type_from_file_name(&path.to_string_lossy());
        for r in &rows {
            let (Ok(s), Some(p)) = (decode(&layout, r, hint), peek(&layout, r, hint)) else {
                continue;
            };
            let name = path.display();
            assert_eq!(p.request_id, s.request_id, "{name}");
            assert_eq!(p.created, s.created, "{name}");
            assert_eq!(p.event_type, s.event_type, "{name}");
            assert_eq!(p.user_principal_name, s.user_principal_name, "{name}");
            assert_eq!(p.user_id, s.user_id, "{name}");
            assert_eq!(p.user_display_name, s.user_display_name, "{name}");
            assert_eq!(p.service_principal_name, s.service_principal_name, "{name}");
            assert_eq!(p.service_principal_id, s.service_principal_id, "{name}");
            assert_eq!(p.app_id, s.app_id, "{name}");
            assert_eq!(p.app_display_name, s.app_display_name, "{name}");
            assert_eq!(p.correlation_id, s.correlation_id, "{name}");
            compared += 1;
        }
    }
    assert!(compared > 10, "only {compared} rows compared");
}

proptest::proptest! {
    /// The values' fast fold is the header fold, on the bytes where it takes a shortcut and
    /// around them (spaces at the ends or doubled, brackets, accents, tabs).
    #[test]
    fn value_fold_is_the_header_fold(v in "[A-Za-z0-9 \\-\\[\\]\t\u{e9}\u{a0}`]{0,12}") {
        proptest::prop_assert_eq!(fold(&v), normalize_header(&v));
    }
}

//! Unit tests of the file shapes `parse` accepts and rejects, on inline text.

use super::*;

fn parse(text: &str) -> std::result::Result<Vec<NamedLocation>, String> {
    parse_bytes(text.as_bytes())
}

fn nets(l: &NamedLocation) -> Vec<String> {
    l.ranges.iter().map(ToString::to_string).collect()
}

#[test]
fn graph_list_single_object_and_bare_array_agree() {
    let obj = r##"{"@odata.type":"#microsoft.graph.ipNamedLocation","id":"a","displayName":"Office",
        "isTrusted":true,"ipRanges":[{"@odata.type":"#microsoft.graph.iPv4CidrRange","cidrAddress":"192.0.2.0/24"}]}"##;
    let list = format!(r##"{{"@odata.context":"x","value":[{obj}]}}"##);
    let bare = format!("[{obj}]");
    let a = parse(obj).unwrap();
    assert_eq!(a, parse(&list).unwrap());
    assert_eq!(a, parse(&bare).unwrap());
    assert_eq!(a[0].kind, LocationKind::Ip);
    assert!(a[0].trusted);
    assert_eq!(nets(&a[0]), ["192.0.2.0/24"]);
    assert!(parse(r##"{"value":[]}"##).unwrap().is_empty());
    assert!(parse("[]").unwrap().is_empty());
}

#[test]
fn host_bits_are_cleared_and_bare_ips_are_hosts() {
    let l = parse(
        r##"{"displayName":"X","ipRanges":[{"cidrAddress":" 203.0.113.5/24 "},"2001:db8::1",
        {"cidrAddress":"2001:4898:80e8:7:d92a:7695:fda1:9d62/48"}]}"##,
    )
    .unwrap();
    assert_eq!(
        nets(&l[0]),
        ["203.0.113.0/24", "2001:db8::1/128", "2001:4898:80e8::/48"]
    );
}

#[test]
fn bad_values_name_location_and_text() {
    let e = parse(r##"[{"displayName":"A","ipRanges":[]},{"displayName":"B","ipRanges":[{"cidrAddress":"10.0.0.0/33"}]}]"##)
        .unwrap_err();
    assert!(
        e.contains("location #2 \"B\"") && e.contains("10.0.0.0/33"),
        "{e}"
    );
    let e = parse(r##"[{"displayName":"C","ipRanges":[{"cidrAddress":"office"}]}]"##).unwrap_err();
    assert!(e.contains("\"office\""), "{e}");
    let e = parse(r##"[{"id":"x","ipRanges":[]}]"##).unwrap_err();
    assert!(
        e.contains("location #1") && e.contains("displayName"),
        "{e}"
    );
    let e = parse(r##"{"displayName":"D","foo":1}"##).unwrap_err();
    assert!(
        e.contains("not a named location") && e.contains("foo"),
        "{e}"
    );
    let e = parse(r##"{"@odata.type":"#microsoft.graph.fooNamedLocation","displayName":"E"}"##)
        .unwrap_err();
    assert!(e.contains("unknown @odata.type"), "{e}");
    let e = parse(r##"{"displayName":"F","countriesAndRegions":["USA"]}"##).unwrap_err();
    assert!(e.contains("\"USA\""), "{e}");
    let e = parse(r##"{"displayName":"G","isTrusted":"maybe","ipRanges":[]}"##).unwrap_err();
    assert!(e.contains("isTrusted"), "{e}");
    let e = parse(r##"[1]"##).unwrap_err();
    assert!(e.contains("#1"), "{e}");
    let e = parse(r##"{"value":[{"displayName":"H","ipRanges":[]}"##).unwrap_err();
    assert!(e.starts_with("invalid JSON"), "{e}");
}

#[test]
fn powershell_shapes() {
    let l = parse(
        r##"{"Id":"p1","DisplayName":"PS","CreatedDateTime":"\/Date(1704873600000)\/",
        "AdditionalProperties":{"@odata.type":"#microsoft.graph.countryNamedLocation",
        "countriesAndRegions":["be","NL"],"includeUnknownCountriesAndRegions":true,
        "countryLookupMethod":"authenticatorAppGps"}}"##,
    )
    .unwrap();
    assert_eq!(l[0].id, "p1");
    assert_eq!(l[0].kind, LocationKind::Country);
    assert_eq!(l[0].countries, ["BE", "NL"]);
    assert!(l[0].include_unknown_countries);
    assert_eq!(l[0].country_lookup, CountryLookup::AuthenticatorGps);
    // Windows PowerShell wraps piped arrays.
    let w = parse(r##"{"value":[{"Id":"p2","DisplayName":"W","AdditionalProperties":{"ipRanges":[]}}],"Count":1}"##)
        .unwrap();
    assert_eq!((w[0].id.as_str(), w[0].kind), ("p2", LocationKind::Ip));
    // Default -Depth 2 flattens the range objects: say how to fix it, guess nothing.
    let e = parse(
        r##"{"DisplayName":"T","AdditionalProperties":{"@odata.type":"#microsoft.graph.ipNamedLocation",
        "ipRanges":["System.Collections.Generic.Dictionary`2[System.String,System.Object]"]}}"##,
    )
    .unwrap_err();
    assert!(e.contains("-Depth"), "{e}");
}

#[test]
fn compliant_network_is_kept() {
    let l = parse(r##"{"@odata.type":"#microsoft.graph.compliantNetworkNamedLocation","id":"c","displayName":"GSA","compliantNetworkType":"allTenantCompliantNetworks","isTrusted":true}"##).unwrap();
    assert_eq!(l[0].kind, LocationKind::CompliantNetwork);
    assert!(l[0].trusted && l[0].ranges.is_empty() && !l[0].is_evaluable());
    let inferred = parse(r##"{"displayName":"GSA","compliantNetworkType":"x"}"##).unwrap();
    assert_eq!(inferred[0].kind, LocationKind::CompliantNetwork);
}

#[test]
fn encodings() {
    let text = r##"[{"displayName":"Été","ipRanges":["192.0.2.0/24"]}]"##;
    let want = parse(text).unwrap();
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(text.as_bytes());
    assert_eq!(parse_bytes(&bom).unwrap(), want);
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(parse_bytes(&le).unwrap(), want);
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    assert_eq!(parse_bytes(&be).unwrap(), want);
    let no_bom: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(
        parse_bytes(&no_bom)
            .unwrap_err()
            .contains("byte-order mark")
    );
    assert!(parse_bytes(b"[\xff]").unwrap_err().contains("UTF-8"));
    assert!(
        parse_bytes(&le[..le.len() - 1])
            .unwrap_err()
            .contains("odd")
    );
}

#[test]
fn csv_with_and_without_header() {
    let plain =
        parse("Office,192.0.2.0/24,true\nOffice,2001:db8::/48,TRUE\n\nHome,198.51.100.7,no\n")
            .unwrap();
    assert_eq!(plain.len(), 2);
    assert_eq!(nets(&plain[0]), ["192.0.2.0/24", "2001:db8::/48"]);
    assert!(plain[0].trusted && !plain[1].trusted);
    assert_eq!(nets(&plain[1]), ["198.51.100.7/32"]);
    assert!(plain[0].id.is_empty());

    let reordered = parse("\u{feff}Trusted;CIDR;Name\r\n1;192.0.2.0/24;Office\r\n").unwrap();
    assert_eq!(reordered[0].name, "Office");
    assert!(reordered[0].trusted);
}

#[test]
fn csv_errors_name_line_and_text() {
    let e = parse("Office,192.0.2.0/24,true\nHome,198.51.100.300,no\n").unwrap_err();
    assert!(e.contains("line 2") && e.contains("198.51.100.300"), "{e}");
    let e = parse("Office,192.0.2.0/24,maybe\n").unwrap_err();
    assert!(e.contains("maybe"), "{e}");
    let e = parse("Office,192.0.2.0/24\n").unwrap_err();
    assert!(e.contains("expected 3 fields"), "{e}");
    let e = parse("Office,192.0.2.0/24,yes\nOffice,198.51.100.0/24,no\n").unwrap_err();
    assert!(e.contains("line 2") && e.contains("line 1"), "{e}");
    let e = parse("name,cidr\nOffice,192.0.2.0/24\n").unwrap_err();
    assert!(e.contains("header"), "{e}");
    let e = parse("# nothing\n\n").unwrap_err();
    assert!(e.contains("no named location"), "{e}");
}

#[test]
fn a_policy_export_is_named_as_such() {
    for text in [
        r##"{"value":[{"id":"p","displayName":"P","state":"enabled","conditions":{}}]}"##,
        r##"[{"Id":"p","DisplayName":"P","Conditions":{"Users":null}}]"##,
        "{\"id\":\"p\",\"conditions\":{}}\n{\"id\":\"q\",\"conditions\":{}}\n",
        "\u{feff}\"DisplayName\",\"Id\",\"State\",\"CreatedDateTime\"\r\n\"P\",\"p\",\"enabled\",\"\"\r\n",
    ] {
        let e = parse(text).unwrap_err();
        assert!(
            e.contains("Conditional Access policy export") && e.contains("--policies"),
            "{text}: {e}"
        );
    }
}

#[test]
fn json_lines_without_odata_type_are_classified_by_keys() {
    // Untitled Goose: one object per line, top-level @odata.type popped.
    let text = concat!(
        r##"{"id": "a", "displayName": "Office", "isTrusted": true, "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "192.0.2.0/24"}]}"##,
        "\n",
        r##"{"id": "b", "displayName": "Countries", "countriesAndRegions": ["BE"], "includeUnknownCountriesAndRegions": false}"##,
        "\n"
    );
    let l = parse(text).unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!((l[0].kind, l[0].trusted), (LocationKind::Ip, true));
    assert_eq!(l[1].kind, LocationKind::Country);
    assert_eq!(l[1].countries, ["BE"]);
    let e = parse("{\"displayName\":\"A\",\"ipRanges\":[]}\n[1]\n").unwrap_err();
    assert!(e.contains("line 2"), "{e}");
}

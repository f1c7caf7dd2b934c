//! Format detection from content, in one place: the container shape and the first record's
//! keys decide the format; file names are never consulted here. Files that are JSON but not
//! sign-ins (audit logs, CA policies, named locations) are recognised and named.

use super::Format;
use super::split::{Span, Splitter};

/// Classifies a JSON input from its first bytes (as much as was read for sniffing).
/// `Err` is the reason it is not a sign-in export.
pub fn classify_json(sample: &[u8], complete: bool) -> Result<Format, String> {
    let first = sample
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| sample[i]);
    // Scan only as far as the first record: the sample may be megabytes.
    let mut sp = Splitter::new();
    let mut spans = Vec::new();
    let mut scanned = 0;
    while !spans.iter().any(|s: &Span| sample[s.start] == b'{') && scanned < sample.len() {
        let end = (scanned + (64 << 10)).min(sample.len());
        sp.scan(&sample[..end], scanned, &mut spans);
        scanned = end;
    }
    let wrapper_text = |start: usize| -> &[u8] { &sample[..start.min(sample.len())] };

    if let Some(span) = spans.iter().find(|s| sample.get(s.start) == Some(&b'{')) {
        let rec = &sample[span.start..span.end];
        let head = wrapper_text(span.start);
        let in_event_hub = contains(head, b"\"records\"");
        let in_pages = contains(head, b"\"value\"");
        match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(rec) {
            Ok(obj) => return classify_object(&obj, first, in_pages, in_event_hub),
            Err(_) => {
                // The first record is broken (truncated, trailing comma): judge by its text.
                return classify_text(rec, first, in_pages, in_event_hub);
            }
        }
    }
    if sp.in_record() {
        // One record larger than the sniffing window, or a truncated file.
        let start = sp.open_record_start().unwrap_or(0);
        let head = wrapper_text(start);
        return classify_text(
            &sample[start..],
            first,
            contains(head, b"\"value\""),
            contains(head, b"\"records\""),
        );
    }
    if complete {
        // Complete input without any object: `[]`, `{"value":[]}` are empty exports.
        let t: Vec<u8> = sample
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        if t == b"[]" {
            return Ok(Format::PortalJson);
        }
        if contains(&t, b"\"value\":[]") {
            return Ok(Format::GraphPages);
        }
        if contains(&t, b"\"records\":[]") {
            return Ok(Format::EventHub);
        }
    }
    Err("JSON without any sign-in record (expected objects with createdDateTime)".to_string())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

fn container_format(first: Option<u8>, in_pages: bool, in_event_hub: bool) -> Format {
    if in_event_hub {
        Format::EventHub
    } else if in_pages {
        Format::GraphPages
    } else if first == Some(b'[') {
        Format::PortalJson
    } else {
        Format::JsonLines
    }
}

fn classify_object(
    obj: &serde_json::Map<String, serde_json::Value>,
    first: Option<u8>,
    in_pages: bool,
    in_event_hub: bool,
) -> Result<Format, String> {
    let has = |k: &str| obj.contains_key(k);
    let text = |k: &str| obj.get(k).and_then(|v| v.as_str()).unwrap_or("");
    if has("properties") || (has("time") && has("category")) {
        let category = text("category");
        let sign_in_category = crate::model::EventType::parse(category).is_some()
            || category.eq_ignore_ascii_case("ADFSSignInLogs");
        if !category.is_empty() && !sign_in_category {
            return Err(format!(
                "diagnostic-settings records of category {category:?}, not sign-ins"
            ));
        }
        return Ok(if in_event_hub {
            Format::EventHub
        } else {
            Format::Diagnostic
        });
    }
    let odata = text("@odata.type");
    if odata.contains("NamedLocation")
        || has("ipRanges")
        || has("countriesAndRegions")
        || obj
            .get("AdditionalProperties")
            .is_some_and(|v| v.get("ipRanges").is_some() || v.get("countriesAndRegions").is_some())
    {
        return Err(
            "a named-locations export, not sign-ins (pass it with --locations)".to_string(),
        );
    }
    if has("conditions") && (has("grantControls") || has("state")) {
        return Err("a Conditional Access policy export, not sign-ins".to_string());
    }
    if has("createdDateTime") {
        return Ok(container_format(first, in_pages, in_event_hub));
    }
    if has("CreatedDateTime")
        || (has("TimeGenerated") && (has("UserPrincipalName") || has("ResultType")))
    {
        return Ok(Format::LogAnalyticsJson);
    }
    if has("activityDisplayName") || has("loggedByService") {
        return Err("an audit log export, not sign-ins".to_string());
    }
    if has("TimeGenerated") || has("OperationName") {
        let cat = if text("Category").is_empty() {
            text("Type")
        } else {
            text("Category")
        };
        return Err(format!(
            "Log Analytics records{} without sign-in columns (CreatedDateTime, UserPrincipalName, ResultType)",
            if cat.is_empty() {
                String::new()
            } else {
                format!(" of category {cat:?}")
            }
        ));
    }
    Err("JSON records without createdDateTime: not a sign-in export".to_string())
}

fn classify_text(
    rec: &[u8],
    first: Option<u8>,
    in_pages: bool,
    in_event_hub: bool,
) -> Result<Format, String> {
    if contains(rec, b"\"properties\"") && contains(rec, b"\"category\"") {
        return Ok(if in_event_hub {
            Format::EventHub
        } else {
            Format::Diagnostic
        });
    }
    if contains(rec, b"\"createdDateTime\"") {
        return Ok(container_format(first, in_pages, in_event_hub));
    }
    if contains(rec, b"\"CreatedDateTime\"") {
        return Ok(Format::LogAnalyticsJson);
    }
    Err("invalid JSON without sign-in fields (expected createdDateTime)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_recognised() {
        let c = |s: &str| classify_json(s.as_bytes(), true);
        assert_eq!(
            c(r#"[{"id":"1","createdDateTime":"x"}]"#),
            Ok(Format::PortalJson)
        );
        assert_eq!(
            c(r#"{"@odata.context":"x","value":[{"createdDateTime":"x"}]}"#),
            Ok(Format::GraphPages)
        );
        assert_eq!(
            c("{\"createdDateTime\":\"x\"}\n{\"a\":1}"),
            Ok(Format::JsonLines)
        );
        assert_eq!(
            c(r#"{"records":[{"category":"SignInLogs","properties":{}}]}"#),
            Ok(Format::EventHub)
        );
        assert_eq!(
            c(r#"{"time":"x","category":"SignInLogs"}"#),
            Ok(Format::Diagnostic)
        );
        assert_eq!(
            c(r#"{"CreatedDateTime":"x","Id":"y"}"#),
            Ok(Format::LogAnalyticsJson)
        );
        assert_eq!(c("[]"), Ok(Format::PortalJson));
        assert_eq!(
            c(r#"{"value":[{"createdDateTime":"x",}]}"#),
            Ok(Format::GraphPages)
        );
    }

    #[test]
    fn non_sign_in_json_is_named() {
        let c = |s: &str| classify_json(s.as_bytes(), true).unwrap_err();
        assert!(c(r#"{"time":"x","category":"AuditLogs","properties":{}}"#).contains("AuditLogs"));
        assert!(
            c(r##"{"@odata.type":"#microsoft.graph.ipNamedLocation"}"##).contains("--locations")
        );
        assert!(c(r#"{"conditions":{},"state":"enabled"}"#).contains("Conditional Access policy"));
        assert!(
            c(r#"{"TimeGenerated":"x","Category":"ApplicationManagement"}"#)
                .contains("ApplicationManagement")
        );
        assert!(c("[1,2]").contains("without any sign-in record"));
    }
}

//! The HTML report in a real browser: headless Chromium renders it to PNG and PDF and dumps
//! the DOM (the page renders, the findings are there, nothing executable came from a log),
//! and its network log proves the page requested nothing. With `CI=true` a missing Chromium
//! fails the test; elsewhere it is skipped with a message.
//!
//! How the network check reads Chromium's net log (`--log-net-log`): a file:// page never
//! appears in it (file URLs do not go through the network stack), so every URL request in
//! the log is either Chromium's own background traffic (component updater, account and time
//! checks: logged with `"initiator": "not an origin"`, and resolved to nothing here by
//! `--host-resolver-rules`) or a request made by a page, whose initiator is the page's
//! origin (`"null"` for a file:// page). The test first proves on two control pages that a
//! page request is seen by this check and that the report's Content-Security-Policy blocks
//! it, then that the report makes none.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

const CSP_META: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">";
/// A local address nothing needs to listen on: the request is logged before it connects.
const PROBE: &str = "http://127.0.0.1:9/probe.png";

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CASIFT_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let fixed = Path::new("/usr/bin/chromium");
    if fixed.exists() {
        return Some(fixed.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.exists())
}

struct Rendered {
    dom: String,
    png: Vec<u8>,
    pdf: Vec<u8>,
    net_log: Value,
}

/// Renders `page` with headless Chromium: screenshot, PDF, DOM dump and net log at once.
fn render(chromium: &Path, dir: &Path, page: &Path, tag: &str) -> Rendered {
    let out = |ext: &str| dir.join(format!("{tag}.{ext}"));
    let url = format!("file://{}", page.display());
    let mut child = StdCommand::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--no-pings",
            "--disable-domain-reliability",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--hide-scrollbars",
            "--no-pdf-header-footer",
            "--window-size=1280,2000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.join(format!("{tag}-profile")).display()
        ))
        .arg(format!("--screenshot={}", out("png").display()))
        .arg(format!("--print-to-pdf={}", out("pdf").display()))
        .arg(format!("--log-net-log={}", out("net.json").display()))
        .arg("--dump-dom")
        .arg(&url)
        // A DOM bigger than a pipe buffer would block a piped child: write to files.
        .stdout(Stdio::from(File::create(out("dom.html")).unwrap()))
        .stderr(Stdio::from(File::create(out("stderr.txt")).unwrap()))
        .stdin(Stdio::null())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish rendering {url} within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(out("stderr.txt")).unwrap_or_default();
    assert!(status.success(), "chromium failed on {url}: {stderr}");
    let read = |ext: &str| {
        std::fs::read(out(ext))
            .unwrap_or_else(|e| panic!("chromium wrote no {ext} for {url}: {e}\n{stderr}"))
    };
    let net = String::from_utf8(read("net.json")).unwrap();
    // A log cut at shutdown lacks its closing brackets; the events are still whole.
    let net_log = serde_json::from_str(&net)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", net.trim_end().trim_end_matches(','))))
        .expect("net log is JSON");
    Rendered {
        dom: String::from_utf8(read("dom.html")).unwrap(),
        png: read("png"),
        pdf: read("pdf"),
        net_log,
    }
}

/// URLs that a page asked for: URL requests whose initiator is an origin (see the module
/// comment), excluding the page's own `file:` and `data:` URLs.
fn page_requests(net_log: &Value) -> Vec<String> {
    let events = net_log["events"].as_array().expect("net log events");
    assert!(!events.is_empty(), "empty net log");
    let mut urls: Vec<String> = events
        .iter()
        .filter_map(|e| {
            let p = e.get("params")?;
            let url = p.get("url")?.as_str()?;
            let initiator = p.get("initiator")?.as_str()?;
            let local = url.starts_with("file:") || url.starts_with("data:");
            (initiator != "not an origin" && !local).then(|| url.to_string())
        })
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

#[test]
fn html_report_renders_in_chromium_without_any_request() {
    let Some(chromium) = find_chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but Chromium is missing: install the Debian package `chromium`");
        }
        eprintln!("html_browser: Chromium not found (/usr/bin/chromium); test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();

    // Controls: the check sees a page's request, and the report's CSP stops it.
    let probe = format!("<p>control</p><img src=\"{PROBE}\" alt=\"\">");
    let open = dir.join("control-open.html");
    std::fs::write(
        &open,
        format!("<!DOCTYPE html><html><head><title>open</title></head><body>{probe}</body></html>"),
    )
    .unwrap();
    let fenced = dir.join("control-csp.html");
    std::fs::write(
        &fenced,
        format!("<!DOCTYPE html><html><head>{CSP_META}<title>csp</title></head><body>{probe}</body></html>"),
    )
    .unwrap();
    let r = render(&chromium, dir, &open, "control-open");
    assert_eq!(
        page_requests(&r.net_log),
        vec![PROBE.to_string()],
        "the net-log check does not see a page's request: it cannot prove anything"
    );
    let r = render(&chromium, dir, &fenced, "control-csp");
    assert_eq!(
        page_requests(&r.net_log),
        Vec::<String>::new(),
        "the Content-Security-Policy meta tag did not block the request"
    );

    // The report itself.
    let report = dir.join("report.html");
    Command::cargo_bin("casift")
        .unwrap()
        .env_clear()
        .env("TZ", "UTC")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "analyze",
            "fixtures/signins/portal.json",
            "--locations",
            "fixtures/locations/named_locations.json",
            "-o",
        ])
        .arg(&report)
        .assert()
        .success();
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains(CSP_META));

    let r = render(&chromium, dir, &report, "report");
    assert_eq!(
        page_requests(&r.net_log),
        Vec::<String>::new(),
        "the report made requests"
    );
    assert!(
        r.dom
            .contains("<title>casift report: Conditional Access findings</title>"),
        "title missing from the rendered DOM"
    );
    for text in [
        "Conditional Access report",
        "Blocked by a Conditional Access policy",
        "IP address outside every trusted named location",
        "203.0.113.6/31",
        "&lt;script&gt;alert(1)&lt;/script&gt; | App",
        "Sign-ins per hour (UTC)",
    ] {
        assert!(
            r.dom.contains(text),
            "{text:?} missing from the rendered DOM"
        );
    }
    let dom = r.dom.to_ascii_lowercase();
    assert!(!dom.contains("<script") && !dom.contains("<img") && !dom.contains("<b>"));
    assert_eq!(png_size(&r.png), (1280, 2000));
    assert!(r.png.len() > 20_000, "screenshot looks blank");
    assert!(r.pdf.starts_with(b"%PDF-"), "no PDF printed");

    // Kept for a human look at the design.
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html_report.png");
    let _ = std::fs::write(&keep, &r.png);
    eprintln!("html_browser: screenshot at {}", keep.display());
}

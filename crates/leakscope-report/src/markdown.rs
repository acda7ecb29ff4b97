//! The Markdown report: tables per recipient, for issues and pull requests.
//!
//! A heading, one summary line, then per recipient organisation (else registrable domain),
//! third parties first, a table of its leaks; then linkage and anomalies as tables. Every
//! piece of text from the capture (values, locations, rules, names) is escaped so that it
//! cannot break a table or add markup: a value in a code span gets a fence longer than any
//! run of backticks in it, and `|` is escaped everywhere (GitHub splits cells before it reads
//! code spans).
//!
//! The grouping of recipients ([`recipient_groups`], which the text and HTML reports use too)
//! and the escaping of control characters ([`one_line`], which the text report uses too) live
//! in `render.rs`; the words for categories ([`category_words`]) and the small helpers here
//! are shared with the SARIF and HTML reports.

use std::io::{self, Write};

use crate::render::{
    RecipientGroup, counts, inputs_read, one_line, plural, quiet_recipients, recipient_groups,
};
use crate::{
    Category, Leak, Party, Render, Report, TEXT_LEAKS_PER_RECIPIENT, request_list, shown_value,
};

/// Tables per recipient, for issues and pull requests (GitHub-flavoured Markdown).
///
/// Leaks listed per recipient are capped at [`TEXT_LEAKS_PER_RECIPIENT`] (an issue has a size
/// limit; the JSON report lists every leak), and values are the report's: redacted previews
/// unless the report was made with `--show-values`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarkdownRenderer;

/// A category in words, for people: `Browsing history`, `Persistent identifier`.
pub(crate) fn category_words(category: Category) -> &'static str {
    match category {
        Category::BrowsingHistory => "Browsing history",
        Category::SearchQuery => "Search query",
        Category::PersistentId => "Persistent identifier",
        Category::DeviceFingerprint => "Device fingerprint",
        Category::Network => "Network",
        Category::Location => "Location",
        Category::Contact => "Contact data",
        Category::InstalledApps => "Installed apps",
        Category::PrivateMode => "Private-mode flag",
        Category::KnownValue => "Known value",
    }
}

/// What a category means (the contract's table).
pub(crate) fn category_meaning(category: Category) -> &'static str {
    match category {
        Category::BrowsingHistory => "A page the user visited, or came from.",
        Category::SearchQuery => "What the user searched for.",
        Category::PersistentId => {
            "An identifier that outlives a request and follows the device or user."
        }
        Category::DeviceFingerprint => "Device attributes that together narrow a device down.",
        Category::Network => "The network the device is on.",
        Category::Location => "Where the device is.",
        Category::Contact => "Who the user is: email, phone, name, or their hashes.",
        Category::InstalledApps => "Which other apps are installed.",
        Category::PrivateMode => "The request says it was made in incognito/private mode.",
        Category::KnownValue => "A value the user told leakscope to look for was found.",
    }
}

/// `body … (+2 more places)`: how many places beyond the first a leak was found at.
pub(crate) fn more_places(leak: &Leak) -> u64 {
    (leak.locations.len().saturating_sub(1) as u64).saturating_add(leak.other_locations)
}

/// The first place a leak was found, or `""`.
pub(crate) fn first_location(leak: &Leak) -> &str {
    leak.locations
        .first()
        .map(|l| l.location.as_str())
        .unwrap_or_default()
}

/// `text` cut to `max` characters, the cut marked with `…`.
pub(crate) fn cut_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Whether the report carries values (`--show-values`) rather than redacted previews.
pub(crate) fn shows_values(report: &Report) -> bool {
    report.leaks.iter().any(|l| l.value.is_some())
        || report.linkage.iter().any(|l| l.values.is_some())
}

/// Text for a table cell or heading: markup characters and `|` escaped, one line.
fn md(text: &str) -> String {
    let text = one_line(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` as a code span that survives a table cell: a fence of more backticks than any run
/// in the text (with spaces inside when the text starts or ends with one), and `|` as `\|`.
/// Empty text is written as `(empty)`.
fn code(text: &str) -> String {
    if text.is_empty() {
        return "(empty)".to_owned();
    }
    let text = one_line(text).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if longest > 0 || text.starts_with(' ') || text.ends_with(' ') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

impl Render for MarkdownRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut out = io::BufWriter::with_capacity(64 << 10, out);
        write_report(report, &mut out)?;
        out.flush()
    }
}

fn write_report(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let summary = &report.summary;
    writeln!(out, "# leakscope report")?;
    writeln!(out)?;
    let first = &report.first_party;
    let first_party = if first.domains.is_empty() {
        format!("first party: {}", md(&first.how))
    } else {
        let domains: Vec<String> = first.domains.iter().map(|d| code(d)).collect();
        format!("first party: {} ({})", domains.join(", "), md(&first.how))
    };
    writeln!(
        out,
        "**{}, {}, {}**; {first_party}",
        plural(summary.requests as u64, "request"),
        plural(summary.leaks as u64, "leak"),
        plural(summary.occurrences, "occurrence"),
    )?;
    writeln!(out)?;
    if !report.leaks.is_empty() {
        if shows_values(report) {
            writeln!(
                out,
                "> **This report contains the leaked values** (`--show-values`): share it with \
                 care."
            )?;
        } else {
            writeln!(
                out,
                "Values are redacted: a few characters from each end and the length \
                 (`--show-values` shows them)."
            )?;
        }
        writeln!(out)?;
    }
    if !report.inputs.is_empty() {
        let inputs = inputs_read(report, code, md);
        writeln!(out, "Inputs: {}", inputs.join(", "))?;
        writeln!(out)?;
    }
    if summary.leaks > 0 {
        let (categories, severities) = counts(summary);
        writeln!(
            out,
            "Leaks by category: {categories}. By severity: {severities}."
        )?;
        writeln!(out)?;
    }

    for group in recipient_groups(report) {
        write_group(&group, out)?;
    }

    let quiet = quiet_recipients(summary, code);
    if !quiet.is_empty() {
        writeln!(out, "No leaks found in requests to: {}.", quiet.join(", "))?;
        writeln!(out)?;
    }

    if !report.linkage.is_empty() {
        let with_values = report.linkage.iter().any(|l| l.values.is_some());
        writeln!(out, "## Linkage")?;
        writeln!(out)?;
        if with_values {
            writeln!(
                out,
                "| kind | value ids | values | recipients | requests | why |"
            )?;
            writeln!(out, "|---|---|---|---|---:|---|")?;
        } else {
            writeln!(out, "| kind | value ids | recipients | requests | why |")?;
            writeln!(out, "|---|---|---|---:|---|")?;
        }
        for link in &report.linkage {
            let ids: Vec<String> = link.value_ids.iter().map(|id| code(id)).collect();
            let recipients: Vec<String> = link.recipients.iter().map(|r| md(r)).collect();
            let values = if with_values {
                let values: Vec<String> = link.values.iter().flatten().map(|v| code(v)).collect();
                format!(" {} |", values.join(", "))
            } else {
                String::new()
            };
            writeln!(
                out,
                "| {} | {} |{values} {} | {} | {} |",
                link.kind.as_str(),
                ids.join(", "),
                recipients.join(", "),
                link.requests,
                md(&link.why)
            )?;
        }
        writeln!(out)?;
    }

    if !report.anomalies.is_empty() {
        writeln!(out, "## Anomalies")?;
        writeln!(out)?;
        writeln!(out, "| request | source | message |")?;
        writeln!(out, "|---:|---|---|")?;
        for anomaly in &report.anomalies {
            let request = anomaly.request.map(|r| format!("#{r}")).unwrap_or_default();
            writeln!(
                out,
                "| {request} | {} | {} |",
                md(&anomaly.source),
                md(&anomaly.message)
            )?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "<sub>{} {}</sub>",
        md(&report.tool.name),
        md(&report.tool.version)
    )?;
    Ok(())
}

fn write_group(group: &RecipientGroup<'_>, out: &mut dyn Write) -> io::Result<()> {
    let party = match group.party {
        Party::First => "first party",
        Party::Third => "third party",
    };
    writeln!(out, "## {} ({party})", md(&group.name))?;
    writeln!(out)?;
    writeln!(out, "{}", group.facts(code))?;
    writeln!(out)?;
    writeln!(
        out,
        "| category | severity | value | occurrences | requests | first location | rule |"
    )?;
    writeln!(out, "|---|---|---|---:|---|---|---|")?;
    // With several hosts in the group, each location says which host it is on.
    let several_hosts = group
        .leaks
        .iter()
        .any(|l| l.recipient.host != group.leaks[0].recipient.host);
    for leak in group.leaks.iter().take(TEXT_LEAKS_PER_RECIPIENT) {
        let more = match more_places(leak) {
            0 => String::new(),
            n => format!(" (+{})", plural(n, "more place")),
        };
        let location = first_location(leak);
        let location = if several_hosts && !leak.recipient.host.is_empty() {
            code(&format!("{} {location}", leak.recipient.host))
        } else if location.is_empty() {
            String::new()
        } else {
            code(location)
        };
        // How it was recognised (a value typed into a form, the user's own value, what a
        // header reveals), after the place.
        let evidence = leak
            .evidence
            .as_deref()
            .map(|e| format!(": {}", md(e)))
            .unwrap_or_default();
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {location}{more}{evidence} | {} |",
            leak.category.as_str(),
            leak.severity.as_str(),
            code(shown_value(leak)),
            leak.occurrences,
            request_list(&leak.requests, 5),
            code(&leak.rule),
        )?;
    }
    if group.leaks.len() > TEXT_LEAKS_PER_RECIPIENT {
        writeln!(out)?;
        writeln!(
            out,
            "… and {} more (`--format json` lists every leak).",
            plural(
                (group.leaks.len() - TEXT_LEAKS_PER_RECIPIENT) as u64,
                "leak"
            )
        )?;
    }
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::builder::test_support::{one_leak_report, small_report};
    use crate::{ReportBuilder, ReportOptions};

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        MarkdownRenderer.render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn structure_of_a_small_report() {
        let report = small_report(false);
        let text = render(&report);
        assert!(text.starts_with("# leakscope report\n"), "{text}");
        assert!(
            text.contains("**3 requests, 4 leaks, 4 occurrences**; first party: `example.org`"),
            "{text}"
        );
        assert!(text.contains("Values are redacted"), "{text}");
        let google = text.find("## Google (third party)").expect(&text);
        let xiaomi = text.find("## Xiaomi (third party)").expect(&text);
        assert!(google < text.find("## Linkage").unwrap());
        assert!(xiaomi < text.find("## Linkage").unwrap());
        assert!(text.contains(
            "| category | severity | value | occurrences | requests | first location | rule |"
        ));
        assert!(
            text.contains(
                "| search-query | high | `sym…ion (22 chars)` | 1 | #1 | \
                 `body form[data] > base64 > json $.events[0].keyword` | \
                 `search.query-field` |"
            ),
            "{text}"
        );
        assert!(text.contains("| kind | value ids | recipients | requests | why |"));
        assert!(text.contains("| shared-id | `v-"), "{text}");
        assert!(text.contains("No leaks found in requests to: `example.org` (1 request)."));
        // Redacted: no value appears.
        assert!(!text.contains("symptoms of depression"));
        assert!(!text.contains("38400000-8cf0"));
        // Every table row has the header's number of cells.
        for line in text.lines().filter(|l| l.starts_with("| ")) {
            let cells = line.replace("\\|", "").matches('|').count();
            assert!(cells == 8 || cells == 6 || cells == 4, "{line}");
        }
    }

    #[test]
    fn cells_escape_pipes_and_backticks() {
        let report = one_leak_report("x|y.har", "rule|x", "a|b`c``d\nnext", "query[q|`]");
        let text = render(&report);
        assert!(text.contains("``` a\\|b`c``d\\nnext ```"), "{text}");
        assert!(text.contains("`` query[q\\|`] ``"), "{text}");
        assert!(text.contains("`rule\\|x`"), "{text}");
        assert!(text.contains("`x\\|y.har`"), "{text}");
        let row = text
            .lines()
            .find(|l| l.starts_with("| search-query"))
            .expect(&text);
        assert_eq!(row.replace("\\|", "").matches('|').count(), 8, "{row}");
        assert!(text.contains("This report contains the leaked values"));
    }

    #[test]
    fn text_cells_escape_markup() {
        assert_eq!(md("a|b"), "a\\|b");
        assert_eq!(md("<b>*x*</b>"), "\\<b\\>\\*x\\*\\</b\\>");
        assert_eq!(md("line\nbreak"), "line\\\\nbreak");
        assert_eq!(code(""), "(empty)");
        assert_eq!(code("`"), "`` ` ``");
        assert_eq!(code(" x"), "`  x `");
    }

    #[test]
    fn empty_report() {
        let report = ReportBuilder::new("leakscope", "0.1.0", ReportOptions::default()).finish();
        let text = render(&report);
        assert!(
            text.contains("**0 requests, 0 leaks, 0 occurrences**"),
            "{text}"
        );
        assert!(!text.contains("## "));
    }
}

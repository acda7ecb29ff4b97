//! Writing a report in one format ([`Render`]), and the text report for a person
//! ([`TextRenderer`]).
//!
//! Also what the text, Markdown and HTML reports share: the grouping of recipients by
//! organisation ([`recipient_groups`]) and the escaping of control characters
//! ([`one_line`]). The text report escapes every piece of text that comes from a capture
//! (names, hosts, locations, rule ids, evidence, linkage, anomalies; values are printed
//! quoted, with Rust's escapes), so that a capture cannot send escape sequences to the
//! terminal the report is read in, or forge lines of it.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use crate::markdown::{first_location, more_places};
use crate::{Leak, Party, Recipient, RecipientSummary, Report, Severity};

/// Writes a [`Report`] in one format.
pub trait Render {
    /// Write `report` to `out`.
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// Leaks listed per recipient in the text report; the rest are counted (a person does not read
/// ten thousand lines, and the JSON report lists them all).
pub const TEXT_LEAKS_PER_RECIPIENT: usize = 200;

/// A report for a person: leaks grouped by recipient (organisation, party), then category,
/// each distinct leak once with its counts and first location; then linkage, totals and
/// anomalies.
#[derive(Debug, Clone, Copy)]
pub struct TextRenderer {
    /// Columns to fit lines into (a location longer than that is cut with `…`).
    pub width: usize,
    /// Colour with ANSI escapes (for a terminal; the CLI turns it off for files, pipes and
    /// `NO_COLOR`).
    pub color: bool,
}

impl Default for TextRenderer {
    fn default() -> Self {
        TextRenderer {
            width: 100,
            color: false,
        }
    }
}

/// `1 request`, `3 requests`, `2 occurrences`, `3 parties`.
pub(crate) fn plural(n: impl Into<u64>, word: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("{n} {word}")
    } else if let Some(stem) = word.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {word}s")
    }
}

/// The leak counts of a summary as `browsing-history 6, search-query 2` (the contract's order)
/// and `high 9, medium 5` (highest first).
pub(crate) fn counts(summary: &crate::Summary) -> (String, String) {
    let categories: Vec<String> = summary
        .by_category
        .iter()
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    let severities: Vec<String> = summary
        .by_severity
        .iter()
        .rev()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    (categories.join(", "), severities.join(", "))
}

/// The capture files of a report as `capture.har (har, 9 requests)` or `x.har (not read)`, the
/// file written by `file` and the format by `text` (each escaped for the output format).
pub(crate) fn inputs_read(
    report: &Report,
    file: impl Fn(&str) -> String,
    text: impl Fn(&str) -> String,
) -> Vec<String> {
    report
        .inputs
        .iter()
        .map(|i| match &i.format {
            Some(format) => format!(
                "{} ({}, {})",
                file(&i.file),
                text(format),
                plural(i.requests as u64, "request")
            ),
            None => format!("{} (not read)", file(&i.file)),
        })
        .collect()
}

/// The recipients that got requests but no leak, as `name (3 requests)`, each domain written
/// by `name` (escaped for the format).
pub(crate) fn quiet_recipients(
    summary: &crate::Summary,
    name: impl Fn(&str) -> String,
) -> Vec<String> {
    summary
        .recipients
        .iter()
        .filter(|d| d.leaks == 0)
        .map(|d| {
            let shown = if d.domain.is_empty() {
                "(no host)".to_owned()
            } else {
                name(&d.domain)
            };
            format!("{shown} ({})", plural(d.requests as u64, "request"))
        })
        .collect()
}

/// Cuts `text` to at most `width` characters, ending in `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => Style::new()
            .fg_color(Some(AnsiColor::Magenta.into()))
            .bold(),
        Severity::High => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Severity::Low => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
    }
}

/// The requests a leak was carried by, as `#1, #4, #5` (the first few, then `…`).
pub fn request_list(requests: &[u32], shown: usize) -> String {
    let mut out: Vec<String> = requests
        .iter()
        .take(shown)
        .map(|r| format!("#{r}"))
        .collect();
    if requests.len() > shown {
        out.push("…".to_owned());
    }
    out.join(", ")
}

/// The value a report shows for a leak: the value with `--show-values`, else the preview.
pub fn shown_value(leak: &Leak) -> &str {
    leak.value
        .as_deref()
        .or(leak.redacted.as_deref())
        .unwrap_or("")
}

impl TextRenderer {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }
}

impl Render for TextRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut out = io::BufWriter::with_capacity(64 << 10, out);
        self.write_report(report, &mut out)?;
        out.flush()
    }
}

impl TextRenderer {
    fn write_report(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let summary = &report.summary;
        let bold = Style::new().bold();
        let dim = Style::new().dimmed();
        let shows_values = report.leaks.iter().any(|l| l.value.is_some());
        writeln!(
            out,
            "{} {}: {}, {} ({}){}",
            one_line(&report.tool.name),
            one_line(&report.tool.version),
            plural(summary.requests as u64, "request"),
            plural(summary.leaks as u64, "leak"),
            plural(summary.occurrences, "occurrence"),
            if shows_values || report.leaks.is_empty() {
                ""
            } else {
                "; values redacted (--show-values shows them)"
            }
        )?;
        let first = &report.first_party;
        if first.domains.is_empty() {
            writeln!(out, "first party: {}", one_line(&first.how))?;
        } else {
            writeln!(
                out,
                "first party: {} ({})",
                one_line(&first.domains.join(", ")),
                one_line(&first.how)
            )?;
        }

        // Recipients in the summary's order (third parties first, most leaks first), grouped
        // by organisation.
        let indent_width = self.width.saturating_sub(10).max(20);
        for mut group in recipient_groups(report) {
            // One heading per category, whichever of the organisation's hosts got the leak.
            group.leaks.sort_by_key(|l| l.category);
            writeln!(out)?;
            let mut line = vec![match group.party {
                Party::First => "first party".to_owned(),
                Party::Third => "third party".to_owned(),
            }];
            let domains = group.domain_names();
            if !domains.is_empty() {
                line.push(one_line(&domains.join(", ")).into_owned());
            }
            if !group.domains.is_empty() {
                line.push(plural(group.requests() as u64, "request"));
            }
            line.push(plural(group.leaks.len() as u64, "leak"));
            writeln!(
                out,
                "{}  {}",
                self.paint(bold, &one_line(&group.name)),
                line.join(" · "),
            )?;
            let hosts = group.hosts();
            if !hosts.is_empty() {
                writeln!(
                    out,
                    "  {}",
                    self.paint(
                        dim,
                        &fit(
                            &format!("hosts: {}", one_line(&hosts.join(", "))),
                            indent_width
                        )
                    )
                )?;
            }
            let leaks = &group.leaks;
            for (at, leak) in leaks.iter().enumerate().take(TEXT_LEAKS_PER_RECIPIENT) {
                if at == 0 || leaks[at - 1].category != leak.category {
                    // Sorted by category: the category's leaks follow this one.
                    let count = leaks[at..]
                        .iter()
                        .take_while(|l| l.category == leak.category)
                        .count();
                    writeln!(
                        out,
                        "  {} ({count})",
                        self.paint(bold, leak.category.as_str())
                    )?;
                }
                let requests = leak.requests.len();
                writeln!(
                    out,
                    "    {} {:?}  {}× in {}: {}  [{}]",
                    self.paint(
                        severity_style(leak.severity),
                        &format!("{:<8}", leak.severity.as_str())
                    ),
                    shown_value(leak),
                    leak.occurrences,
                    plural(requests as u64, "request"),
                    request_list(&leak.requests, 5),
                    one_line(&leak.rule),
                )?;
                let more = match more_places(leak) {
                    0 => String::new(),
                    1 => " (+1 more place)".to_owned(),
                    n => format!(" (+{n} more places)"),
                };
                let place = format!(
                    "{} {}{more}",
                    one_line(&leak.recipient.host),
                    one_line(first_location(leak))
                );
                writeln!(
                    out,
                    "             {}",
                    self.paint(dim, &fit(&place, self.width.saturating_sub(13).max(20)))
                )?;
                if let Some(evidence) = &leak.evidence {
                    writeln!(
                        out,
                        "             {}",
                        fit(&one_line(evidence), indent_width)
                    )?;
                }
            }
            if leaks.len() > TEXT_LEAKS_PER_RECIPIENT {
                writeln!(
                    out,
                    "  … and {} more (--format json lists every leak)",
                    plural((leaks.len() - TEXT_LEAKS_PER_RECIPIENT) as u64, "leak")
                )?;
            }
        }

        if !report.linkage.is_empty() {
            writeln!(out)?;
            writeln!(out, "{}", self.paint(bold, "Linkage"))?;
            for link in &report.linkage {
                let ids = if link.value_ids.len() == 1 {
                    one_line(&link.value_ids[0]).into_owned()
                } else {
                    format!(
                        "{} values ({})",
                        link.value_ids.len(),
                        one_line(&link.rules.join(", "))
                    )
                };
                writeln!(
                    out,
                    "  {:<12} {ids}: {}",
                    link.kind.as_str(),
                    one_line(&link.why)
                )?;
                if let Some(values) = &link.values {
                    writeln!(
                        out,
                        "               {}",
                        fit(
                            &format!("values: {}", one_line(&values.join(", "))),
                            indent_width
                        )
                    )?;
                }
            }
        }

        let quiet = quiet_recipients(summary, |domain| one_line(domain).into_owned());
        if !quiet.is_empty() {
            writeln!(out)?;
            writeln!(out, "No leaks: {}", quiet.join(", "))?;
        }

        if summary.leaks > 0 {
            writeln!(out)?;
            let (categories, severities) = counts(summary);
            writeln!(out, "Leaks by category: {categories}")?;
            writeln!(out, "Leaks by severity: {severities}")?;
        }
        if !report.anomalies.is_empty() {
            writeln!(out)?;
            writeln!(out, "Anomalies ({}):", report.anomalies.len())?;
            for anomaly in &report.anomalies {
                let source = one_line(&anomaly.source);
                let message = one_line(&anomaly.message);
                match anomaly.request {
                    Some(index) => {
                        writeln!(out, "  {source} (request #{index}): {message}")?;
                    }
                    None => writeln!(out, "  {source}: {message}")?,
                }
            }
        }
        Ok(())
    }
}

/// Line breaks and every other control character (C0, DEL, C1) as visible escapes (`\n`,
/// `\u{1b}`), so that text from a capture stays on its line and cannot drive a terminal
/// (colours, cursor moves, titles) or break a Markdown table row. Text without any comes
/// back borrowed.
pub(crate) fn one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The leaks of one recipient organisation (else registrable domain) and party.
#[derive(Debug)]
pub(crate) struct RecipientGroup<'a> {
    /// The organisation, else the domain (`(no host)` when there is neither).
    pub(crate) name: String,
    /// First or third party.
    pub(crate) party: Party,
    /// The domains of the summary that belong to it (none for leaks the summary does not
    /// name, in a report read back from JSON).
    pub(crate) domains: Vec<&'a RecipientSummary>,
    /// Its leaks, in the report's order.
    pub(crate) leaks: Vec<&'a Leak>,
}

impl RecipientGroup<'_> {
    /// Requests sent to the group's domains.
    pub(crate) fn requests(&self) -> usize {
        self.domains.iter().map(|d| d.requests).sum()
    }

    /// The line under the group's heading: its domains and hosts (each name written by
    /// `code`), the requests sent to it and its leaks, joined by ` · `.
    pub(crate) fn facts(&self, code: impl Fn(&str) -> String) -> String {
        let mut line = Vec::new();
        let domains: Vec<String> = self.domain_names().into_iter().map(&code).collect();
        if !domains.is_empty() {
            line.push(format!("domains: {}", domains.join(", ")));
        }
        let hosts: Vec<String> = self.hosts().into_iter().map(&code).collect();
        if !hosts.is_empty() {
            line.push(format!("hosts: {}", hosts.join(", ")));
        }
        if !self.domains.is_empty() {
            line.push(plural(self.requests() as u64, "request"));
        }
        line.push(plural(self.leaks.len() as u64, "leak"));
        line.join(" · ")
    }

    /// The group's registrable domains, else (when the summary names none) its leaks' domains.
    pub(crate) fn domain_names(&self) -> Vec<&str> {
        let from_summary = self.domains.iter().map(|d| d.domain.as_str());
        self.names(from_summary, |recipient| &recipient.domain)
    }

    /// The hosts that received the group's requests.
    pub(crate) fn hosts(&self) -> Vec<&str> {
        let from_summary = self
            .domains
            .iter()
            .flat_map(|d| d.hosts.iter().map(String::as_str));
        self.names(from_summary, |recipient| &recipient.host)
    }

    /// The names the summary gives (`from_summary`), else (when it names none of the group's
    /// domains) `of` each leak's recipient: non-empty, each once, in order.
    fn names<'s>(
        &'s self,
        from_summary: impl Iterator<Item = &'s str>,
        of: fn(&Recipient) -> &String,
    ) -> Vec<&'s str> {
        let mut names: Vec<&str> = if self.domains.is_empty() {
            self.leaks
                .iter()
                .map(|l| of(&l.recipient).as_str())
                .collect()
        } else {
            from_summary.collect()
        };
        names.retain(|n| !n.is_empty());
        dedup_keep_order(&mut names);
        names
    }
}

fn dedup_keep_order(items: &mut Vec<&str>) {
    let mut seen = HashSet::with_capacity(items.len());
    items.retain(|item| seen.insert(*item));
}

/// The recipients that received leaks, grouped by organisation (else domain) and party, in
/// the summary's order (third parties first, most leaks first), each with its leaks. Leaks
/// whose domain the summary does not list (a hand-edited report) get groups of their own at
/// the end, so that no leak is left out.
///
/// Linear in recipients and leaks: groups are found by name and leaks by domain through hash
/// maps, and each leak is looked at once (the text, Markdown and HTML reports all group with
/// this).
pub(crate) fn recipient_groups(report: &Report) -> Vec<RecipientGroup<'_>> {
    let mut groups: Vec<RecipientGroup<'_>> = Vec::new();
    let mut by_name: HashMap<(String, Party), usize> = HashMap::new();
    let mut by_domain: HashMap<(&str, Party), usize> = HashMap::new();
    for recipient in report.summary.recipients.iter().filter(|r| r.leaks > 0) {
        let name = recipient.display_name().to_owned();
        let at = *by_name
            .entry((name.clone(), recipient.party))
            .or_insert_with(|| {
                groups.push(RecipientGroup {
                    name,
                    party: recipient.party,
                    domains: Vec::new(),
                    leaks: Vec::new(),
                });
                groups.len() - 1
            });
        groups[at].domains.push(recipient);
        by_domain
            .entry((recipient.domain.as_str(), recipient.party))
            .or_insert(at);
    }
    for leak in &report.leaks {
        let recipient = &leak.recipient;
        let at = match by_domain.get(&(recipient.domain.as_str(), recipient.party)) {
            Some(&at) => at,
            None => *by_name
                .entry((recipient.display_name().to_owned(), recipient.party))
                .or_insert_with(|| {
                    groups.push(RecipientGroup {
                        name: recipient.display_name().to_owned(),
                        party: recipient.party,
                        domains: Vec::new(),
                        leaks: Vec::new(),
                    });
                    groups.len() - 1
                }),
        };
        groups[at].leaks.push(leak);
    }
    groups.retain(|g| !g.leaks.is_empty());
    groups
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::builder::test_support::{builder, request_with as request, sighting, small_report};
    use crate::{Anomaly, Category, NoSink};

    fn render(report: &Report, color: bool) -> String {
        let mut out = Vec::new();
        TextRenderer { width: 100, color }
            .render(report, &mut out)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn leaks_grouped_by_organisation_then_category() {
        let text = render(&small_report(false), false);
        let google = text
            .find("\nGoogle  third party · google-analytics.com · 1 request · 2 leaks\n")
            .expect(&text);
        let xiaomi = text
            .find("\nXiaomi  third party · miui.com · 1 request · 2 leaks\n")
            .expect(&text);
        assert!(google < xiaomi, "{text}");
        assert!(text.contains("  hosts: tracking.intl.miui.com\n"), "{text}");
        // Categories in the contract's order within a group, each with its count.
        let xiaomi = &text[xiaomi..];
        let search = xiaomi.find("  search-query (1)\n").expect(xiaomi);
        let id = xiaomi.find("  persistent-id (1)\n").expect(xiaomi);
        assert!(search < id, "{xiaomi}");
        assert!(text.contains("No leaks: example.org (1 request)"), "{text}");
        assert!(!text.contains("symptoms of depression"));
    }

    #[test]
    fn twenty_thousand_recipients_each_get_their_group() {
        // One leak to each of 20,000 registrable domains: grouping them used to compare every
        // recipient with every group and every group with every leak (about ten seconds in a
        // debug build); it is linear now. (Speed is a benchmark's job, not a test's: this
        // checks the grouping holds at that size.)
        const DOMAINS: usize = 20_000;
        let mut builder = builder(false);
        for i in 0..DOMAINS {
            let scan = request(
                i,
                &format!("t.d{i}.example"),
                vec![sighting(
                    "search.query-field",
                    Category::SearchQuery,
                    Severity::High,
                    &format!("query {i}"),
                    "query[q]",
                )],
            );
            builder.add(scan, &mut NoSink).unwrap();
        }
        let report = builder.finish();
        let text = render(&report, false);
        assert_eq!(text.matches("  third party · d").count(), DOMAINS);
        assert!(text.contains("\nd19999.example  third party · d19999.example · 1 request"));
        assert_eq!(text.matches("  search-query (1)\n").count(), DOMAINS);
    }

    #[test]
    fn control_characters_from_the_capture_are_escaped() {
        let mut builder = builder(true);
        let mut found = sighting(
            "rule\u{1b}[2J",
            Category::SearchQuery,
            Severity::High,
            "value\u{1b}]0;title\u{7}",
            "query[q\u{1b}[31m]\nFAKE location line",
        );
        found.evidence = Some("evidence \u{9b}31m\rFAKE evidence".to_owned());
        let mut scan = request(0, "evil\u{1b}[31m.example.net\nFAKE host line", vec![found]);
        scan.anomalies.push(Anomaly {
            request: Some(0),
            source: "capture.har\u{1b}[1A entry 0".to_owned(),
            message: "broken\u{7f}\nFAKE anomaly line".to_owned(),
        });
        builder.add(scan, &mut NoSink).unwrap();
        let mut report = builder.finish();
        report.linkage.push(crate::Linkage {
            kind: crate::LinkageKind::SharedId,
            value_ids: vec!["v-1\u{1b}[0m".to_owned()],
            values: Some(vec!["a\u{1b}[5mb".to_owned()]),
            category: Category::PersistentId,
            rules: vec!["id.x".to_owned()],
            recipients: vec!["x".to_owned()],
            requests: 2,
            distinct_sets: None,
            why: "why\u{1b}[31m\nFAKE why line".to_owned(),
        });
        report.first_party.how = "how\u{1b}[31m".to_owned();

        let text = render(&report, false);
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(!text.contains('\u{9b}'), "{text:?}");
        assert!(!text.contains('\u{7}'), "{text:?}");
        assert!(!text.contains('\u{7f}'), "{text:?}");
        assert!(!text.contains('\r'), "{text:?}");
        assert!(
            !text.lines().any(|l| l.starts_with("FAKE")),
            "a capture added a line:\n{text}"
        );
        assert!(
            text.contains("evil\\u{1b}[31m.example.net\\nFAKE host line"),
            "{text}"
        );
        assert!(
            text.contains("query[q\\u{1b}[31m]\\nFAKE location line"),
            "{text}"
        );
        assert!(text.contains("[rule\\u{1b}[2J]"), "{text}");
        assert!(
            text.contains("evidence \\u{9b}31m\\rFAKE evidence"),
            "{text}"
        );
        assert!(text.contains("capture.har\\u{1b}[1A entry 0 (request #0): broken\\u{7f}\\nFAKE"));
        assert!(
            text.contains("v-1\\u{1b}[0m: why\\u{1b}[31m\\nFAKE why line"),
            "{text}"
        );
        assert!(text.contains("values: a\\u{1b}[5mb"), "{text}");
        assert!(text.contains("(how\\u{1b}[31m)") || text.contains(": how\\u{1b}[31m"));

        // In colour, the only escapes are the renderer's own styles.
        let coloured = render(&report, true);
        let styles = [
            severity_style(Severity::High),
            Style::new().bold(),
            Style::new().dimmed(),
        ];
        let mut stripped = coloured.clone();
        for style in styles {
            stripped = stripped
                .replace(&style.render().to_string(), "")
                .replace(&style.render_reset().to_string(), "");
        }
        assert!(!stripped.contains('\u{1b}'), "{stripped:?}");
        assert_eq!(stripped, text);
    }

    #[test]
    fn one_line_escapes_c0_del_and_c1_only() {
        assert!(matches!(one_line("plain é ✓"), Cow::Borrowed("plain é ✓")));
        assert_eq!(one_line("a\nb\tc\rd"), "a\\nb\\tc\\rd");
        assert_eq!(
            one_line("\u{0}\u{1b}\u{7f}\u{80}\u{9f}"),
            "\\u{0}\\u{1b}\\u{7f}\\u{80}\\u{9f}"
        );
    }
}

//! Writing a report in one format, and the text report for a person.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use crate::{Leak, Party, Report, Severity};

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

fn plural(n: impl Into<u64>, word: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("{n} {word}")
    } else if let Some(stem) = word.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {word}s")
    }
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
        let summary = &report.summary;
        let bold = Style::new().bold();
        let dim = Style::new().dimmed();
        let shows_values = report.leaks.iter().any(|l| l.value.is_some());
        writeln!(
            out,
            "{} {}: {}, {} ({}){}",
            report.tool.name,
            report.tool.version,
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
            writeln!(out, "first party: {}", first.how)?;
        } else {
            writeln!(
                out,
                "first party: {} ({})",
                first.domains.join(", "),
                first.how
            )?;
        }

        // Recipients in the summary's order (third parties first, most leaks first), grouped
        // by organisation.
        let mut groups: Vec<(String, Party, Vec<&crate::RecipientSummary>)> = Vec::new();
        for recipient in summary.recipients.iter().filter(|r| r.leaks > 0) {
            let name = recipient
                .organisation
                .clone()
                .unwrap_or_else(|| recipient.domain.clone());
            match groups
                .iter_mut()
                .find(|(n, p, _)| *n == name && *p == recipient.party)
            {
                Some(group) => group.2.push(recipient),
                None => groups.push((name, recipient.party, vec![recipient])),
            }
        }
        let indent_width = self.width.saturating_sub(10).max(20);
        for (name, party, domains) in &groups {
            let requests: usize = domains.iter().map(|d| d.requests).sum();
            let mut leaks: Vec<&Leak> = report
                .leaks
                .iter()
                .filter(|l| {
                    l.recipient.party == *party
                        && domains.iter().any(|d| d.domain == l.recipient.domain)
                })
                .collect();
            // One heading per category, whichever of the organisation's hosts got the leak.
            leaks.sort_by_key(|l| l.category);
            writeln!(out)?;
            let party_text = match party {
                Party::First => "first party",
                Party::Third => "third party",
            };
            let domain_names: Vec<&str> = domains.iter().map(|d| d.domain.as_str()).collect();
            writeln!(
                out,
                "{}  {} · {} · {} · {}",
                self.paint(bold, if name.is_empty() { "(no host)" } else { name }),
                party_text,
                domain_names.join(", "),
                plural(requests as u64, "request"),
                plural(leaks.len() as u64, "leak"),
            )?;
            let hosts: Vec<&str> = domains
                .iter()
                .flat_map(|d| d.hosts.iter().map(String::as_str))
                .collect();
            writeln!(
                out,
                "  {}",
                self.paint(
                    dim,
                    &fit(&format!("hosts: {}", hosts.join(", ")), indent_width)
                )
            )?;
            let mut category = None;
            for leak in leaks.iter().take(TEXT_LEAKS_PER_RECIPIENT) {
                if category != Some(leak.category) {
                    category = Some(leak.category);
                    let count = leaks.iter().filter(|l| l.category == leak.category).count();
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
                    leak.rule,
                )?;
                let location = leak
                    .locations
                    .first()
                    .map(|l| l.location.as_str())
                    .unwrap_or_default();
                let more = leak.locations.len().saturating_sub(1);
                let more = more as u64 + leak.other_locations;
                let more = match more {
                    0 => String::new(),
                    1 => " (+1 more place)".to_owned(),
                    n => format!(" (+{n} more places)"),
                };
                let place = format!("{} {location}{more}", leak.recipient.host);
                writeln!(
                    out,
                    "             {}",
                    self.paint(dim, &fit(&place, self.width.saturating_sub(13).max(20)))
                )?;
                if let Some(evidence) = &leak.evidence {
                    writeln!(out, "             {}", fit(evidence, indent_width))?;
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
                    link.value_ids[0].clone()
                } else {
                    format!(
                        "{} values ({})",
                        link.value_ids.len(),
                        link.rules.join(", ")
                    )
                };
                writeln!(out, "  {:<12} {ids}: {}", link.kind.as_str(), link.why)?;
                if let Some(values) = &link.values {
                    writeln!(
                        out,
                        "               {}",
                        fit(&format!("values: {}", values.join(", ")), indent_width)
                    )?;
                }
            }
        }

        let quiet: Vec<String> = summary
            .recipients
            .iter()
            .filter(|d| d.leaks == 0)
            .map(|d| {
                let name = if d.domain.is_empty() {
                    "(no host)"
                } else {
                    &d.domain
                };
                format!("{name} ({})", plural(d.requests as u64, "request"))
            })
            .collect();
        if !quiet.is_empty() {
            writeln!(out)?;
            writeln!(out, "No leaks: {}", quiet.join(", "))?;
        }

        if summary.leaks > 0 {
            writeln!(out)?;
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
            writeln!(out, "Leaks by category: {}", categories.join(", "))?;
            writeln!(out, "Leaks by severity: {}", severities.join(", "))?;
        }
        if !report.anomalies.is_empty() {
            writeln!(out)?;
            writeln!(out, "Anomalies ({}):", report.anomalies.len())?;
            for anomaly in &report.anomalies {
                match anomaly.request {
                    Some(index) => writeln!(
                        out,
                        "  {} (request #{index}): {}",
                        anomaly.source, anomaly.message
                    )?,
                    None => writeln!(out, "  {}: {}", anomaly.source, anomaly.message)?,
                }
            }
        }
        Ok(())
    }
}

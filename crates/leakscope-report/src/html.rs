//! The HTML report: one self-contained page to open in a browser or attach to an audit.
//!
//! Everything is in the one file: the styles are inline, the chart is inline SVG, there is no
//! script, and nothing is loaded from anywhere (a Content-Security-Policy in the page forbids
//! it too), so the page shows the same offline, and opening it tells no one. The page has a
//! summary, a bar chart of the categories of leak each recipient organisation received, a
//! table of leaks per organisation (third parties first), linkage, the recipients that
//! received no leak, anomalies, and, when a [`Diff`] is given, what changed against another
//! capture. Every piece of text is escaped; values are the report's: redacted previews unless
//! the report was made with `--show-values`.

use std::fmt::{self, Display, Write as _};
use std::io::{self, Write};

use crate::markdown::{
    category_meaning, category_words, cut_chars, first_location, more_places, shows_values,
};
use crate::render::{RecipientGroup, inputs_read, plural, quiet_recipients, recipient_groups};
use crate::{
    Category, Diff, Leak, LeakKind, Party, Render, Report, Severity, request_list, shown_value,
};

/// One self-contained HTML page: inline CSS and SVG, no script, nothing loaded.
#[derive(Debug, Clone, Default)]
pub struct HtmlRenderer {
    /// A diff to show below the report, as a section comparing it with another capture. For
    /// library users: the CLI writes its HTML report (`leakscope scan --format html`) without
    /// one, and `leakscope diff` writes text, JSON or Markdown only.
    pub diff: Option<Diff>,
}

impl Render for HtmlRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut page = String::with_capacity(64 << 10);
        write_page(report, self.diff.as_ref(), &mut page)
            .map_err(|_| io::Error::other("could not format the HTML report"))?;
        out.write_all(page.as_bytes())?;
        out.flush()
    }
}

/// `text` as code, escaped.
fn code(text: &str) -> String {
    format!("<code>{}</code>", Esc(text))
}

/// Text escaped for HTML content and attribute values (`&`, `<`, `>`, `"`, `'`); control
/// characters other than line breaks and tabs become U+FFFD.
struct Esc<'a>(&'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(|c: char| {
            matches!(c, '&' | '<' | '>' | '"' | '\'') || (c.is_control() && c != '\n' && c != '\t')
        }) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or('\u{fffd}');
            f.write_str(match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => "\u{fffd}",
            })?;
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// The colour of a category in the chart and its chips (Okabe–Ito based, told apart with
/// colour blindness too).
fn colour(category: Category) -> &'static str {
    match category {
        Category::BrowsingHistory => "#0072b2",
        Category::SearchQuery => "#e69f00",
        Category::PersistentId => "#d55e00",
        Category::DeviceFingerprint => "#cc79a7",
        Category::Network => "#009e73",
        Category::Location => "#56b4e9",
        Category::Contact => "#882255",
        Category::InstalledApps => "#c9b400",
        Category::PrivateMode => "#5f6b76",
        Category::KnownValue => "#332288",
    }
}

/// `12,345`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const STYLE: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--bg:#f6f8fa;--card:#fff;--line:#d8dee4;--code:#eff2f5}
*{box-sizing:border-box}
html{background:var(--bg)}
body{margin:0;color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
main{max-width:1240px;margin:0 auto;padding:28px 32px 48px}
h1{font-size:28px;margin:0;letter-spacing:-.01em}
h2{font-size:20px;margin:0 0 4px}
h3{font-size:16px;margin:18px 0 4px}
section{margin:22px 0}
.sub{color:var(--muted);margin:2px 0 10px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0 12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 18px;min-width:140px}
.card b{display:block;font-size:26px;line-height:1.3}
.card span{color:var(--muted);font-size:13px}
.note{border-radius:6px;padding:8px 12px;margin:10px 0;border:1px solid #d0d7de;background:#fff}
.note.redacted{background:#ddf4ff;border-color:#9cd2f5}
.note.values{background:#ffebe9;border-color:#ff8182}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px}
.tablewrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13.5px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12.5px;white-space:nowrap}
tbody tr:last-child td{border-bottom:0}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font:12.5px/1.45 ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;background:var(--code);border-radius:4px;padding:1px 4px;overflow-wrap:anywhere}
td.loc{min-width:200px}
td.val{min-width:170px;max-width:380px}
td.val:not(.redacted){min-width:260px}
td.req{min-width:130px}
td.rule code{white-space:nowrap}
td.val.redacted code{white-space:nowrap}
td.nw,td.ids code{white-space:nowrap}
.muted{color:var(--muted)}
.small{font-size:12.5px}
.chip{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;line-height:19px;border:1px solid;white-space:nowrap}
.sev-critical{color:#6e1b8f;background:#f6e8fc;border-color:#d9a8ef}
.sev-high{color:#a40e26;background:#ffebe9;border-color:#ffb3b8}
.sev-medium{color:#8a4600;background:#fff1de;border-color:#f5c58a}
.sev-low{color:#0a4a8a;background:#e6f1fd;border-color:#a8cdf5}
.party-third{color:#a40e26;background:#fff;border-color:#ffb3b8}
.party-first{color:#3d4750;background:#fff;border-color:#c5ccd3}
.cat{white-space:nowrap}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;list-style:none;padding:0;margin:10px 0 0;font-size:13px}
svg.chart{display:block;width:100%;max-width:1000px;height:auto}
svg.chart text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:13px;fill:#1f2328}
svg.chart text.total{fill:#59636e;font-size:12px}
svg.chart a:hover text{text-decoration:underline}
table.kinds th.change{width:190px}
table.kinds th.category{width:180px}
table.kinds th.rule{width:230px}
details summary{cursor:pointer;color:var(--muted);font-size:12.5px}
details ul{margin:4px 0 0;padding-left:18px}
.change-base{color:#1a7f37;font-weight:600}
.change-other{color:#a40e26;font-weight:600}
.change-both{color:#59636e}
footer{color:var(--muted);font-size:12.5px;margin-top:36px;border-top:1px solid var(--line);padding-top:10px}
"#;

fn write_page(report: &Report, diff: Option<&Diff>, out: &mut String) -> fmt::Result {
    let summary = &report.summary;
    let groups = recipient_groups(report);
    let files: Vec<&str> = report.inputs.iter().map(|i| i.file.as_str()).collect();
    let title = if files.is_empty() {
        "leakscope report".to_owned()
    } else {
        format!("leakscope report: {}", files.join(", "))
    };
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">")?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    // Nothing may be loaded, whatever the page holds.
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:; form-action 'none'\">"
    )?;
    writeln!(out, "<meta name=\"referrer\" content=\"no-referrer\">")?;
    writeln!(out, "<title>{}</title>", Esc(&title))?;
    writeln!(out, "<style>{STYLE}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>")?;
    writeln!(out, "<main>")?;

    // Title and summary.
    writeln!(out, "<header>")?;
    writeln!(out, "<h1>leakscope report</h1>")?;
    let inputs = inputs_read(report, code, |text| Esc(text).to_string());
    if inputs.is_empty() {
        writeln!(out, "<p class=\"sub\">No capture read.</p>")?;
    } else {
        writeln!(out, "<p class=\"sub\">{}</p>", inputs.join(", "))?;
    }
    writeln!(out, "</header>")?;
    writeln!(out, "<section id=\"summary\">")?;
    writeln!(out, "<div class=\"cards\">")?;
    let third = groups.iter().filter(|g| g.party == Party::Third).count();
    for (n, label) in [
        (
            summary.requests as u64,
            if summary.requests == 1 {
                "request"
            } else {
                "requests"
            },
        ),
        (
            summary.leaks as u64,
            if summary.leaks == 1 { "leak" } else { "leaks" },
        ),
        (
            summary.occurrences,
            if summary.occurrences == 1 {
                "occurrence"
            } else {
                "occurrences"
            },
        ),
        (
            third as u64,
            if third == 1 {
                "third party that received leaks"
            } else {
                "third parties that received leaks"
            },
        ),
    ] {
        writeln!(
            out,
            "<div class=\"card\"><b>{}</b><span>{label}</span></div>",
            thousands(n)
        )?;
    }
    writeln!(out, "</div>")?;
    let first = &report.first_party;
    if first.domains.is_empty() {
        writeln!(out, "<p><b>First party:</b> {}</p>", Esc(&first.how))?;
    } else {
        let domains: Vec<String> = first.domains.iter().map(|d| code(d)).collect();
        writeln!(
            out,
            "<p><b>First party:</b> {} <span class=\"muted\">(from {})</span></p>",
            domains.join(", "),
            Esc(&first.how)
        )?;
    }
    if summary.leaks > 0 {
        let severities: Vec<String> = summary
            .by_severity
            .iter()
            .rev()
            .map(|(s, n)| format!("{} {n}", severity_chip(*s)))
            .collect();
        writeln!(out, "<p><b>By severity:</b> {}</p>", severities.join(" "))?;
    }
    if !report.leaks.is_empty() {
        if shows_values(report) {
            writeln!(
                out,
                "<p class=\"note values\"><b>This report contains the leaked values</b> \
                 (made with <code>--show-values</code>): share it with care.</p>"
            )?;
        } else {
            writeln!(
                out,
                "<p class=\"note redacted\"><b>Values are redacted:</b> each shows a few \
                 characters from each end and its length, so the report can be shared. \
                 <code>--show-values</code> puts the values in.</p>"
            )?;
        }
    }
    writeln!(out, "</section>")?;

    write_chart(&groups, out)?;
    for (at, group) in groups.iter().enumerate() {
        write_group(at, group, out)?;
    }
    write_linkage(report, out)?;

    let quiet = quiet_recipients(summary, code);
    if !quiet.is_empty() {
        writeln!(out, "<section id=\"quiet\">")?;
        writeln!(out, "<h2>No leaks found</h2>")?;
        writeln!(
            out,
            "<p class=\"sub\">Requests went to these domains, and no rule found a leak in \
             them: {}.</p>",
            quiet.join(", ")
        )?;
        writeln!(out, "</section>")?;
    }

    write_anomalies(report, out)?;
    if let Some(diff) = diff {
        write_diff(diff, out)?;
    }
    writeln!(
        out,
        "<footer>Written by {} {} ({}). This page is self-contained: it loads nothing and \
         runs no script.</footer>",
        Esc(&report.tool.name),
        Esc(&report.tool.version),
        Esc(&report.schema)
    )?;
    writeln!(out, "</main>")?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

fn severity_chip(severity: Severity) -> String {
    format!("<span class=\"chip sev-{0}\">{0}</span>", severity.as_str())
}

fn party_chip(party: Party) -> &'static str {
    match party {
        Party::First => "<span class=\"chip party-first\">first party</span>",
        Party::Third => "<span class=\"chip party-third\">third party</span>",
    }
}

fn category_label(category: Category) -> String {
    format!(
        "<span class=\"cat\" title=\"{}\"><span class=\"sw\" style=\"background:{}\"></span>{}</span>",
        Esc(category_meaning(category)),
        colour(category),
        category.as_str()
    )
}

/// Rows of the chart; the rest are named below it.
const CHART_ROWS: usize = 40;

/// A horizontal stacked bar per recipient organisation: its leaks per category.
fn write_chart(groups: &[RecipientGroup<'_>], out: &mut String) -> fmt::Result {
    writeln!(out, "<section id=\"chart\">")?;
    writeln!(out, "<h2>What went where</h2>")?;
    if groups.is_empty() {
        writeln!(out, "<p class=\"sub\">No leaks found.</p>")?;
        return writeln!(out, "</section>");
    }
    writeln!(
        out,
        "<p class=\"sub\">Leaks per recipient organisation (else domain), by category. A \
         leak is one datum sent to one recipient, however many requests carried it.</p>"
    )?;
    let rows: Vec<(&RecipientGroup<'_>, Vec<(Category, usize)>)> = groups
        .iter()
        .take(CHART_ROWS)
        .map(|group| {
            let counts = Category::ALL
                .into_iter()
                .map(|c| (c, group.leaks.iter().filter(|l| l.category == c).count()))
                .filter(|(_, n)| *n > 0)
                .collect();
            (group, counts)
        })
        .collect();
    let max = rows
        .iter()
        .map(|(g, _)| g.leaks.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let (label_width, bar_width, row_height, bar_height) = (230.0, 640.0, 30.0, 20.0);
    let width = label_width + bar_width + 70.0;
    let height = row_height * rows.len() as f64 + 8.0;
    writeln!(out, "<figure class=\"panel\" style=\"margin:0\">")?;
    writeln!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" \
         height=\"{height}\" role=\"img\" aria-label=\"Leaks per recipient, by category\">"
    )?;
    for (row, (group, counts)) in rows.iter().enumerate() {
        let y = 4.0 + row_height * row as f64;
        let total = group.leaks.len();
        let name = cut_chars(&group.name, 30);
        let party = if group.party == Party::First {
            " (1st party)"
        } else {
            ""
        };
        writeln!(out, "<a href=\"#r{row}\">")?;
        writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}{party}</text>",
            label_width - 10.0,
            y + bar_height / 2.0 + 4.5,
            Esc(&name)
        )?;
        let mut x = label_width;
        for (category, n) in counts {
            let w = bar_width * *n as f64 / max as f64;
            writeln!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bar_height}\" \
                 fill=\"{}\"><title>{}: {n} {} {}</title></rect>",
                colour(*category),
                Esc(&group.name),
                category.as_str(),
                if *n == 1 { "leak" } else { "leaks" }
            )?;
            x += w;
        }
        writeln!(
            out,
            "<text class=\"total\" x=\"{:.1}\" y=\"{}\">{total}</text>",
            x + 6.0,
            y + bar_height / 2.0 + 4.5
        )?;
        writeln!(out, "</a>")?;
    }
    writeln!(out, "</svg>")?;
    let mut present: Vec<Category> = Vec::new();
    for (_, counts) in &rows {
        for (category, _) in counts {
            if !present.contains(category) {
                present.push(*category);
            }
        }
    }
    present.sort();
    writeln!(out, "<ul class=\"legend\">")?;
    for category in present {
        writeln!(
            out,
            "<li title=\"{}\"><span class=\"sw\" style=\"background:{}\"></span>{} \
             <span class=\"muted\">{}</span></li>",
            Esc(category_meaning(category)),
            colour(category),
            category.as_str(),
            category_words(category)
        )?;
    }
    writeln!(out, "</ul>")?;
    if groups.len() > CHART_ROWS {
        writeln!(
            out,
            "<p class=\"sub\">… and {} more recipients, listed below.</p>",
            groups.len() - CHART_ROWS
        )?;
    }
    writeln!(out, "</figure>")?;
    writeln!(out, "</section>")
}

fn write_group(at: usize, group: &RecipientGroup<'_>, out: &mut String) -> fmt::Result {
    writeln!(out, "<section class=\"panel recipient\" id=\"r{at}\">")?;
    writeln!(
        out,
        "<h2>{} {}</h2>",
        Esc(&group.name),
        party_chip(group.party)
    )?;
    let facts = group.facts(code);
    writeln!(out, "<p class=\"sub\">{facts}</p>")?;
    let several_hosts = group
        .leaks
        .iter()
        .any(|l| l.recipient.host != group.leaks[0].recipient.host);
    open_table(
        out,
        "<th>category</th><th>severity</th><th>value</th><th class=\"n\">occurrences</th>\
         <th>requests</th><th>first location</th><th>rule</th>",
    )?;
    for leak in &group.leaks {
        write_leak_row(leak, several_hosts, out)?;
    }
    close_table(out)?;
    writeln!(out, "</section>")
}

fn write_leak_row(leak: &Leak, several_hosts: bool, out: &mut String) -> fmt::Result {
    let value = shown_value(leak);
    let value = if value.is_empty() {
        "<span class=\"muted\">(empty)</span>".to_owned()
    } else {
        format!(
            "<code title=\"value id {}\">{}</code>",
            Esc(&leak.value_id),
            Esc(value)
        )
    };
    // A preview is short: kept on one line. A value shown can be long, and wraps.
    let redacted = if leak.value.is_none() {
        " redacted"
    } else {
        ""
    };
    let requests = if leak.requests.len() > 5 {
        format!(
            "{} <span class=\"muted small\">({})</span>",
            Esc(&request_list(&leak.requests, 5)),
            plural(leak.requests.len() as u64, "request")
        )
    } else {
        Esc(&request_list(&leak.requests, 5)).to_string()
    };
    let mut location = String::new();
    if several_hosts && !leak.recipient.host.is_empty() {
        write!(
            location,
            "<span class=\"muted small\">{}</span><br>",
            Esc(&leak.recipient.host)
        )?;
    }
    let first = first_location(leak);
    if !first.is_empty() {
        write!(location, "<code>{}</code>", Esc(first))?;
    }
    let more = more_places(leak);
    if more > 0 {
        write!(
            location,
            "<details><summary>+{}</summary><ul>",
            plural(more, "more place")
        )?;
        for place in leak.locations.iter().skip(1) {
            write!(
                location,
                "<li><code>{}</code> <span class=\"muted small\">×{}</span></li>",
                Esc(&place.location),
                place.count
            )?;
        }
        if leak.other_locations > 0 {
            write!(
                location,
                "<li class=\"muted\">{} not listed</li>",
                plural(leak.other_locations, "more occurrence")
            )?;
        }
        write!(location, "</ul></details>")?;
    }
    if let Some(evidence) = &leak.evidence {
        write!(
            location,
            "<div class=\"muted small\">{}</div>",
            Esc(evidence)
        )?;
    }
    writeln!(
        out,
        "<tr><td>{}</td><td>{}</td><td class=\"val{redacted}\">{value}</td><td class=\"n\">{}</td>\
         <td class=\"req\">{requests}</td><td class=\"loc\">{location}</td>\
         <td class=\"rule\"><code>{}</code></td></tr>",
        category_label(leak.category),
        severity_chip(leak.severity),
        thousands(leak.occurrences),
        Esc(&leak.rule)
    )
}

fn write_linkage(report: &Report, out: &mut String) -> fmt::Result {
    if report.linkage.is_empty() {
        return Ok(());
    }
    let with_values = report.linkage.iter().any(|l| l.values.is_some());
    writeln!(out, "<section id=\"linkage\" class=\"panel\">")?;
    writeln!(out, "<h2>Linkage</h2>")?;
    writeln!(
        out,
        "<p class=\"sub\">What ties requests and recipients together: one identifier in many \
         places, or the same set of device values. A value id is a keyed hash of a value: it \
         joins leaks and linkage without revealing the value (hover over a value to see its \
         id).</p>"
    )?;
    let values = if with_values { "<th>values</th>" } else { "" };
    open_table(
        out,
        &format!(
            "<th>kind</th><th>category</th><th>value ids</th>{values}<th>recipients</th>\
             <th class=\"n\">requests</th><th>why</th>"
        ),
    )?;
    for link in &report.linkage {
        let ids: Vec<String> = link.value_ids.iter().map(|id| code(id)).collect();
        write!(
            out,
            "<tr><td class=\"nw\">{}</td><td>{}</td><td class=\"ids\">{}</td>",
            link.kind.as_str(),
            category_label(link.category),
            ids.join(" ")
        )?;
        if with_values {
            let values: Vec<String> = link.values.iter().flatten().map(|v| code(v)).collect();
            write!(out, "<td>{}</td>", values.join(" "))?;
        }
        let recipients: Vec<String> = link.recipients.iter().map(|r| Esc(r).to_string()).collect();
        writeln!(
            out,
            "<td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            recipients.join(", "),
            thousands(link.requests as u64),
            Esc(&link.why)
        )?;
    }
    close_table(out)?;
    writeln!(out, "</section>")
}

fn write_anomalies(report: &Report, out: &mut String) -> fmt::Result {
    if report.anomalies.is_empty() {
        return Ok(());
    }
    writeln!(out, "<section id=\"anomalies\" class=\"panel\">")?;
    writeln!(out, "<h2>Anomalies ({})</h2>", report.anomalies.len())?;
    writeln!(
        out,
        "<p class=\"sub\">What did not stop the scan: broken entries, budgets reached.</p>"
    )?;
    open_table(
        out,
        "<th class=\"n\">request</th><th>source</th><th>message</th>",
    )?;
    for anomaly in &report.anomalies {
        let request = anomaly.request.map(|r| format!("#{r}")).unwrap_or_default();
        writeln!(
            out,
            "<tr><td class=\"n\">{request}</td><td><code>{}</code></td><td>{}</td></tr>",
            Esc(&anomaly.source),
            Esc(&anomaly.message)
        )?;
    }
    close_table(out)?;
    writeln!(out, "</section>")
}

/// Opens a table that scrolls sideways on narrow screens, with the header cells `head`
/// (`<th>…</th>` each), up to its first row.
fn open_table(out: &mut String, head: &str) -> fmt::Result {
    writeln!(out, "<div class=\"tablewrap\"><table>")?;
    writeln!(out, "<thead><tr>{head}</tr></thead>")?;
    writeln!(out, "<tbody>")
}

/// Closes a table [`open_table`] opened.
fn close_table(out: &mut String) -> fmt::Result {
    writeln!(out, "</tbody></table></div>")
}

fn write_diff(diff: &Diff, out: &mut String) -> fmt::Result {
    writeln!(out, "<section id=\"diff\" class=\"panel\">")?;
    writeln!(out, "<h2>Compared with another capture</h2>")?;
    writeln!(out, "<p><b>{}</b></p>", Esc(&diff.headline))?;
    writeln!(out, "<div class=\"tablewrap\"><table>")?;
    writeln!(
        out,
        "<thead><tr><th></th><th>called</th><th>files</th><th class=\"n\">requests</th>\
         <th class=\"n\">leaks</th><th class=\"n\">kinds of leak</th></tr></thead><tbody>"
    )?;
    for (name, side) in [("base", &diff.base), ("other", &diff.other)] {
        let files: Vec<String> = side.files.iter().map(|f| code(f)).collect();
        writeln!(
            out,
            "<tr><td><b>{name}</b></td><td>{}</td><td>{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            Esc(&side.label),
            files.join(", "),
            thousands(side.requests as u64),
            thousands(side.leaks as u64),
            thousands(side.kinds as u64)
        )?;
    }
    close_table(out)?;
    for recipient in &diff.recipients {
        writeln!(
            out,
            "<h3>{} {}</h3>",
            Esc(&recipient.recipient),
            party_chip(recipient.party)
        )?;
        writeln!(out, "<p class=\"sub\">{}</p>", Esc(&recipient.headline))?;
        let lists: [(&str, &str, &[LeakKind]); 3] = [
            (
                "only in base (stopped)",
                "change-base",
                &recipient.only_in_base,
            ),
            (
                "only in other (new)",
                "change-other",
                &recipient.only_in_other,
            ),
            ("in both", "change-both", &recipient.in_both),
        ];
        if lists.iter().all(|(_, _, kinds)| kinds.is_empty()) {
            continue;
        }
        writeln!(out, "<div class=\"tablewrap\"><table class=\"kinds\">")?;
        writeln!(
            out,
            "<thead><tr><th class=\"change\">change</th><th class=\"category\">category</th>\
             <th>location</th><th class=\"rule\">rule</th></tr></thead><tbody>"
        )?;
        for (label, class, kinds) in lists {
            for kind in kinds {
                writeln!(
                    out,
                    "<tr><td class=\"{class}\">{label}</td><td>{}</td><td><code>{}</code></td>\
                     <td><code>{}</code></td></tr>",
                    category_label(kind.category),
                    Esc(&kind.location),
                    Esc(&kind.rule)
                )?;
            }
        }
        close_table(out)?;
    }
    writeln!(out, "</section>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::test_support::{builder, one_leak_report, small_report};
    use crate::{ReportBuilder, ReportOptions, diff};

    fn render(report: &Report, diff: Option<Diff>) -> String {
        let mut out = Vec::new();
        HtmlRenderer { diff }.render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Every `name=` attribute value in `html`.
    fn attributes<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
        let needle = format!("{name}=\"");
        html.match_indices(&needle)
            .map(|(at, _)| {
                let rest = &html[at + needle.len()..];
                &rest[..rest.find('"').unwrap_or(rest.len())]
            })
            .collect()
    }

    #[test]
    fn loads_nothing_from_the_network() {
        for show_values in [false, true] {
            let html = render(&small_report(show_values), None);
            let lower = html.to_ascii_lowercase();
            for banned in [
                "src=", "@import", "url(", "<link", "<script", "<iframe", "<object",
            ] {
                assert!(!lower.contains(banned), "{banned} in\n{html}");
            }
            for href in attributes(&lower, "href") {
                assert!(href.starts_with('#'), "href={href}");
            }
            assert!(!lower.contains("href='"), "single-quoted href");
            if !show_values {
                // Redacted, the page names no URL at all (not even SVG's namespace).
                assert!(!lower.contains("http://"), "{html}");
                assert!(!lower.contains("https://"), "{html}");
            } else {
                // With values, URLs are text (escaped), never an attribute value.
                assert!(html.contains("\">https://www.example.org/private/page</code>"));
                assert!(!lower.contains("=\"http"));
            }
            assert!(lower.contains("content-security-policy"));
        }
    }

    #[test]
    fn escapes_values_names_and_locations() {
        let report = one_leak_report(
            "<b>cap'ture</b>.har",
            "rule<x>",
            "<script>alert(\"x&y\")</script>",
            "query[<img onerror='1'>]",
        );
        let html = render(&report, None);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>cap"), "{html}");
        assert!(html.contains("\">&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;</code>"));
        assert!(html.contains("query[&lt;img onerror=&#39;1&#39;&gt;]"));
        assert!(html.contains("<code>rule&lt;x&gt;</code>"));
        assert!(html.contains("&lt;b&gt;cap&#39;ture&lt;/b&gt;.har"));
        assert_eq!(Esc("a\u{0}b\nc").to_string(), "a\u{fffd}b\nc");
    }

    #[test]
    fn has_the_chart_the_tables_and_the_summary() {
        let report = small_report(false);
        let html = render(&report, None);
        assert!(html.starts_with("<!DOCTYPE html>"));
        let svg = &html[html.find("<svg").expect("an SVG chart")..html.find("</svg>").unwrap()];
        // Google: browsing history and an id; Xiaomi: an id and a search query.
        assert_eq!(svg.matches("<rect").count(), 4, "{svg}");
        assert!(svg.contains(">Google</text>") && svg.contains(">Xiaomi</text>"));
        assert!(svg.contains(colour(Category::SearchQuery)));
        assert!(html.contains("<ul class=\"legend\">"));
        assert!(html.contains("Values are redacted"));
        assert!(html.contains("<b>3</b><span>requests</span>"));
        assert!(html.contains("<b>4</b><span>leaks</span>"));
        assert!(html.contains("<code>example.org</code>"));
        assert_eq!(
            html.matches("<section class=\"panel recipient\"").count(),
            2
        );
        assert!(html.contains("\">sym…ion (22 chars)</code>"));
        assert!(html.contains("id=\"linkage\""));
        assert!(!html.contains("symptoms of depression"));
        assert!(!html.contains("38400000-8cf0"));
    }

    #[test]
    fn the_diff_section_only_with_a_diff() {
        let base = small_report(false);
        let other = builder(false).finish();
        let without = render(&base, None);
        assert!(!without.contains("id=\"diff\""));
        let compared = diff(&base, &other);
        let with = render(&base, Some(compared.clone()));
        assert!(with.contains("id=\"diff\""));
        assert!(with.contains(&Esc(&compared.headline).to_string()));
        assert!(with.contains("only in base (stopped)"));
    }

    #[test]
    fn an_empty_report_renders() {
        let report = ReportBuilder::new("leakscope", "0.1.0", ReportOptions::default()).finish();
        let html = render(&report, None);
        assert!(html.contains("No leaks found."));
        assert!(!html.contains("<svg"));
        assert!(html.trim_end().ends_with("</html>"));
    }

    #[test]
    fn odd_reports_do_not_panic() {
        // A hand-edited report: a leak whose domain the summary does not list, no host, no
        // locations, no requests, no value or preview.
        let mut report = small_report(false);
        report.summary.recipients.clear();
        if let Some(leak) = report.leaks.first_mut() {
            leak.recipient.host.clear();
            leak.recipient.domain.clear();
            leak.recipient.organisation = None;
            leak.locations.clear();
            leak.requests.clear();
            leak.redacted = None;
            leak.other_locations = u64::MAX;
        }
        report.inputs[0].requests = usize::MAX;
        let html = render(&report, None);
        assert!(html.contains("(no host)"));
        let mut out = Vec::new();
        crate::MarkdownRenderer.render(&report, &mut out).unwrap();
        crate::SarifRenderer.render(&report, &mut out).unwrap();
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}

//! `leakscope diff`: what changed between two captures' leaks.
//!
//! Normal mode against private mode, an app before and after an SDK upgrade: ids, timestamps
//! and pages differ between sessions, so leaks are not compared by value. A **kind of leak** is
//! what stays the same: the recipient (organisation, else registrable domain), the category,
//! the rule, and the location with array indexes folded and random-looking names replaced. The
//! diff lists per recipient the kinds in both, only in the base, and only in the other.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Category, Party, Report, fold_indexes};

/// The schema identifier of the JSON diff.
pub const DIFF_SCHEMA: &str = "leakscope.diff/v1";

/// Two reports compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Diff {
    /// Always [`DIFF_SCHEMA`].
    pub schema: String,
    /// The baseline.
    pub base: DiffSide,
    /// What is compared with it.
    pub other: DiffSide,
    /// What the comparison says, in one line.
    pub headline: String,
    /// Per recipient, third parties first, most kinds first.
    pub recipients: Vec<RecipientDiff>,
}

/// One side of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DiffSide {
    /// How the side is called in sentences: its file names, or `private mode` when only that
    /// side was made in private mode.
    pub label: String,
    /// The capture files (or report) it comes from.
    pub files: Vec<String>,
    /// Requests scanned.
    pub requests: usize,
    /// Leaks reported.
    pub leaks: usize,
    /// Kinds of leak.
    pub kinds: usize,
}

/// The kinds of leak one recipient received on each side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RecipientDiff {
    /// The organisation, else the registrable domain.
    pub recipient: String,
    /// First or third party (as the other side, else the base, reports it).
    pub party: Party,
    /// One line: `private mode stopped 0 of 14 kinds of leak to Xiaomi`.
    pub headline: String,
    /// Kinds in both.
    pub in_both: Vec<LeakKind>,
    /// Kinds only the base has (stopped in the other).
    pub only_in_base: Vec<LeakKind>,
    /// Kinds only the other has (new).
    pub only_in_other: Vec<LeakKind>,
}

/// A kind of leak: what two sessions have in common when their values differ.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub struct LeakKind {
    /// What leaks.
    pub category: Category,
    /// The rule that found it.
    pub rule: String,
    /// Where, with array indexes folded (`[*]`) and random-looking names as `<id>`.
    pub location: String,
}

impl Diff {
    /// Whether the other side has a kind of leak the base did not (`--fail-on-new`).
    pub fn has_new(&self) -> bool {
        self.recipients.iter().any(|r| !r.only_in_other.is_empty())
    }
}

/// A location as a kind of leak sees it: array indexes folded, and each name that looks like a
/// value (an e-mail address; eight or more characters, most of them digits, or hex with a
/// digit, as a UUID; see [`redact_location`](crate::redact_location)) replaced by `<id>`.
pub fn normalise_location(location: &str) -> String {
    // Field names that are values read the same whether a report shows them or not (one
    // side may have been written with --show-values): both become `<id>`.
    let folded = fold_indexes(&crate::redact_location(location)).replace('…', "<id>");
    let mut out = String::with_capacity(folded.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if crate::looks_like_a_value(word) {
            out.push_str("<id>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn kinds(report: &Report) -> BTreeMap<String, (Party, BTreeSet<LeakKind>)> {
    let mut out: BTreeMap<String, (Party, BTreeSet<LeakKind>)> = BTreeMap::new();
    for leak in &report.leaks {
        let name = leak.recipient.display_name().to_owned();
        let slot = out
            .entry(name)
            .or_insert_with(|| (leak.recipient.party, BTreeSet::new()));
        for location in &leak.locations {
            slot.1.insert(LeakKind {
                category: leak.category,
                rule: leak.rule.clone(),
                location: normalise_location(&location.location),
            });
        }
    }
    out
}

fn is_private(report: &Report) -> bool {
    report
        .summary
        .by_category
        .contains_key(&Category::PrivateMode)
}

fn side(report: &Report, label: String, kinds: usize) -> DiffSide {
    DiffSide {
        label,
        files: report.inputs.iter().map(|i| i.file.clone()).collect(),
        requests: report.summary.requests,
        leaks: report.summary.leaks,
        kinds,
    }
}

fn files_label(report: &Report) -> String {
    let names: Vec<&str> = report
        .inputs
        .iter()
        .map(|i| {
            std::path::Path::new(&i.file)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(&i.file)
        })
        .collect();
    if names.is_empty() {
        "(no input)".to_owned()
    } else {
        names.join(" + ")
    }
}

/// Compares `other` with the baseline `base`.
pub fn diff(base: &Report, other: &Report) -> Diff {
    let (mut base_label, mut other_label) = (files_label(base), files_label(other));
    match (is_private(base), is_private(other)) {
        (false, true) => other_label = "private mode".to_owned(),
        (true, false) => base_label = "private mode".to_owned(),
        _ => {}
    }
    let base_kinds = kinds(base);
    let other_kinds = kinds(other);
    let names: BTreeSet<&String> = base_kinds.keys().chain(other_kinds.keys()).collect();
    let empty = BTreeSet::new();
    let mut recipients: Vec<RecipientDiff> = names
        .into_iter()
        .map(|name| {
            let (base_party, b) = base_kinds
                .get(name)
                .map_or((None, &empty), |(p, k)| (Some(*p), k));
            let (other_party, o) = other_kinds
                .get(name)
                .map_or((None, &empty), |(p, k)| (Some(*p), k));
            let in_both: Vec<LeakKind> = b.intersection(o).cloned().collect();
            let only_in_base: Vec<LeakKind> = b.difference(o).cloned().collect();
            let only_in_other: Vec<LeakKind> = o.difference(b).cloned().collect();
            let mut headline = format!(
                "{other_label} stopped {} of {} kinds of leak to {name}",
                only_in_base.len(),
                b.len()
            );
            if !only_in_other.is_empty() {
                headline.push_str(&format!(
                    "; {} new in {other_label}",
                    plural_kinds(only_in_other.len())
                ));
            }
            RecipientDiff {
                recipient: name.clone(),
                party: other_party.or(base_party).unwrap_or(Party::Third),
                headline,
                in_both,
                only_in_base,
                only_in_other,
            }
        })
        .collect();
    recipients.sort_by(|a, b| {
        (b.party == Party::Third)
            .cmp(&(a.party == Party::Third))
            .then(total(b).cmp(&total(a)))
            .then_with(|| a.recipient.cmp(&b.recipient))
    });
    let base_total: usize = base_kinds.values().map(|(_, k)| k.len()).sum();
    let other_total: usize = other_kinds.values().map(|(_, k)| k.len()).sum();
    let stopped: usize = recipients.iter().map(|r| r.only_in_base.len()).sum();
    let new: usize = recipients.iter().map(|r| r.only_in_other.len()).sum();
    let recipients_word = if base_kinds.len() == 1 {
        "1 recipient".to_owned()
    } else {
        format!("{} recipients", base_kinds.len())
    };
    let headline = format!(
        "{other_label} stopped {stopped} of {base_total} kinds of leak to {recipients_word} seen \
         in {base_label}; it sends {} that {base_label} did not",
        plural_kinds(new)
    );
    Diff {
        schema: DIFF_SCHEMA.to_owned(),
        base: side(base, base_label, base_total),
        other: side(other, other_label, other_total),
        headline,
        recipients,
    }
}

fn total(r: &RecipientDiff) -> usize {
    r.in_both.len() + r.only_in_base.len() + r.only_in_other.len()
}

fn plural_kinds(n: usize) -> String {
    if n == 1 {
        "1 kind".to_owned()
    } else {
        format!("{n} kinds")
    }
}

/// Writes a diff for a person.
pub fn render_diff_text(diff: &Diff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "base:  {} ({} requests, {} leaks, {} kinds)",
        diff.base.files.join(", "),
        diff.base.requests,
        diff.base.leaks,
        diff.base.kinds
    )?;
    writeln!(
        out,
        "other: {} ({} requests, {} leaks, {} kinds)",
        diff.other.files.join(", "),
        diff.other.requests,
        diff.other.leaks,
        diff.other.kinds
    )?;
    writeln!(out)?;
    writeln!(out, "{}", diff.headline)?;
    for recipient in &diff.recipients {
        writeln!(out)?;
        writeln!(
            out,
            "{} ({} party): {}",
            recipient.recipient,
            recipient.party.as_str(),
            recipient.headline
        )?;
        for (mark, label, kinds) in [
            ("-", "only in base", &recipient.only_in_base),
            ("+", "only in other", &recipient.only_in_other),
            ("=", "in both", &recipient.in_both),
        ] {
            if kinds.is_empty() {
                continue;
            }
            writeln!(out, "  {label} ({}):", kinds.len())?;
            for kind in kinds {
                writeln!(
                    out,
                    "    {mark} {:<18} {}  [{}]",
                    kind.category.as_str(),
                    kind.location,
                    kind.rule
                )?;
            }
        }
    }
    Ok(())
}

/// Writes a diff as Markdown: a table per recipient.
pub fn render_diff_markdown(diff: &Diff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## leakscope diff")?;
    writeln!(out)?;
    writeln!(out, "**{}**", md(&diff.headline))?;
    writeln!(out)?;
    writeln!(out, "| | files | requests | leaks | kinds |")?;
    writeln!(out, "|---|---|---:|---:|---:|")?;
    for (name, side) in [("base", &diff.base), ("other", &diff.other)] {
        writeln!(
            out,
            "| {name} | {} | {} | {} | {} |",
            md(&side.files.join(", ")),
            side.requests,
            side.leaks,
            side.kinds
        )?;
    }
    for recipient in &diff.recipients {
        writeln!(out)?;
        writeln!(
            out,
            "### {} ({} party)",
            md(&recipient.recipient),
            recipient.party.as_str()
        )?;
        writeln!(out)?;
        writeln!(out, "{}", md(&recipient.headline))?;
        writeln!(out)?;
        writeln!(out, "| change | category | location | rule |")?;
        writeln!(out, "|---|---|---|---|")?;
        for (label, kinds) in [
            ("only in base", &recipient.only_in_base),
            ("only in other", &recipient.only_in_other),
            ("in both", &recipient.in_both),
        ] {
            for kind in kinds {
                writeln!(
                    out,
                    "| {label} | {} | `{}` | {} |",
                    kind.category.as_str(),
                    kind.location.replace('`', "'").replace('|', "\\|"),
                    md(&kind.rule)
                )?;
            }
        }
    }
    Ok(())
}

/// Escapes the characters that would break a Markdown table cell or add markup.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '|' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_normalise_indexes_and_random_names() {
        assert_eq!(
            normalise_location("body form[data] > base64 > json $.events[3].url"),
            "body form[data] > base64 > json $.events[*].url"
        );
        assert_eq!(
            normalise_location("body > json $.d.5b1c7a4e-2d7f-4f4e-9a3b-6f1d2c3b4a59.model"),
            "body > json $.d.<id>.model"
        );
        assert_eq!(
            normalise_location("query[screen_width]"),
            "query[screen_width]"
        );
        // A report written with values and one without compare equal.
        assert_eq!(
            normalise_location("body > json $.users['jane@example.com'].email"),
            normalise_location("body > json $.users['…'].email"),
        );
    }
}

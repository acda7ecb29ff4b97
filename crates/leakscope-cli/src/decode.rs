//! `leakscope decode`: every layer peeled off one value, as a tree (or JSON), with what the
//! rules make of each leaf. CyberChef's "Magic", for telemetry.

use std::io::{self, Write};

use leakscope::decode::{Budget, LeafBuf, Path, Step, Unwrapper};
use leakscope::leaf_candidate;
use leakscope::rules::{Engine, Scope};

/// One leaf and the rules it matched, ready to print.
struct Peeled {
    leaf: LeafBuf,
    hits: Vec<(String, String, String)>,
}

fn peel(
    value: &[u8],
    key: Option<&str>,
    engine: &Engine,
    scope: &Scope,
) -> (Vec<Peeled>, Vec<String>) {
    let mut budget = Budget::default();
    let mut peeled = Vec::new();
    Unwrapper::new().unwrap(
        Path::from_part("value"),
        key,
        value,
        &mut budget,
        &mut |leaf| {
            let text = leaf.text();
            // Field rules read the value's name as its field (`--key extinfo` and the leaf
            // `json $[5]` are the field `extinfo[5]`).
            let location = match key {
                Some(key) => leaf
                    .path
                    .as_str()
                    .replacen("value", &format!("value[{key}]"), 1),
                None => leaf.path.as_str().to_owned(),
            };
            let mut hits = Vec::new();
            engine.detect_in(scope, &leaf_candidate(leaf, &text, &location), &mut hits);
            let hits = hits
                .iter()
                .map(|h| {
                    (
                        h.rule.id.clone(),
                        h.rule.category.to_string(),
                        h.rule.severity.to_string(),
                    )
                })
                .collect();
            peeled.push(Peeled {
                leaf: leaf.to_owned(),
                hits,
            });
        },
    );
    let notes = budget
        .notes()
        .iter()
        .map(|n| format!("{}: {}", n.location, n.message))
        .collect();
    (peeled, notes)
}

/// Print the layers as a tree: each leaf's path is printed from where it leaves the previous
/// leaf's path, so shared layers appear once.
fn write_tree(
    out: &mut dyn Write,
    input_len: usize,
    peeled: &[Peeled],
    notes: &[String],
) -> io::Result<()> {
    writeln!(out, "value ({input_len} bytes)")?;
    let mut previous: Vec<Step<'_>> = Vec::new();
    for item in peeled {
        let steps: Vec<Step<'_>> = item.leaf.path.steps().skip(1).collect();
        let shared = steps
            .iter()
            .zip(&previous)
            .take_while(|(a, b)| a == b)
            .count()
            .min(steps.len().saturating_sub(1));
        for (depth, step) in steps.iter().enumerate().skip(shared) {
            let indent = "  ".repeat(depth + 1);
            if depth + 1 < steps.len() {
                writeln!(out, "{indent}{step}")?;
            } else {
                writeln!(
                    out,
                    "{indent}{step} = {:?}{}",
                    item.leaf.text(),
                    describe_hits(&item.hits)
                )?;
            }
        }
        if steps.is_empty() {
            writeln!(
                out,
                "  (no encoding found) = {:?}{}",
                item.leaf.text(),
                describe_hits(&item.hits)
            )?;
        }
        previous = steps;
    }
    for note in notes {
        writeln!(out, "note: {note}")?;
    }
    Ok(())
}

fn describe_hits(hits: &[(String, String, String)]) -> String {
    hits.iter()
        .map(|(rule, category, severity)| format!("   ← {category} ({severity}, {rule})"))
        .collect()
}

fn write_json(
    out: &mut dyn Write,
    input_len: usize,
    peeled: &[Peeled],
    notes: &[String],
) -> io::Result<()> {
    let leaves: Vec<serde_json::Value> = peeled
        .iter()
        .map(|p| {
            serde_json::json!({
                "path": p.leaf.path.to_string(),
                "layers": p.leaf.path.layers().collect::<Vec<_>>(),
                "key": p.leaf.key,
                "value": p.leaf.text(),
                // Where the value is in the input, when it is there as it is.
                "span": p.leaf.span.map(|s| [s.start, s.end]),
                "findings": p.hits.iter().map(|(rule, category, severity)| serde_json::json!({
                    "rule": rule, "category": category, "severity": severity,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = serde_json::json!({ "input_bytes": input_len, "leaves": leaves, "notes": notes });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Run `decode` on `value`; `key` is the field name it was found under, if known.
/// Peel `value` and print what the rules make of each leaf. `scope` names the trackers that
/// received it (`--url`), whose rules then decide the fields they document.
pub fn run(
    value: &[u8],
    key: Option<&str>,
    json: bool,
    engine: &Engine,
    scope: &Scope,
    out: &mut dyn Write,
) -> io::Result<()> {
    let (peeled, notes) = peel(value, key, engine, scope);
    if json {
        write_json(out, value.len(), &peeled, &notes)
    } else {
        write_tree(out, value.len(), &peeled, &notes)
    }
}

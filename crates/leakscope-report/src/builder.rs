//! Folding occurrences into leaks: one datum sent to one recipient (contract §3).
//!
//! A capture of 10,000 telemetry requests that each carry the same device id is one leak with
//! 10,000 requests of evidence. The builder keeps one entry per (rule, host, value), found by a
//! keyed 128-bit hash of the value, so memory and report size follow the number of distinct
//! leaks, not of occurrences. Each entry keeps its requests (sorted, as they are added in
//! order), its distinct locations (array indexes folded) with counts, and a preview or the value.
//!
//! The first party is given or inferred from page loads and initiators as requests go by, and
//! settled in [`ReportBuilder::finish`], where recipients get their party, leaks their order,
//! and linkage is worked out.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::io;

use rustc_hash::FxHashMap;
use siphasher::sip128::{Hasher128, SipHasher24};

use crate::first_party::{FirstPartyInference, FirstPartySet};
use crate::linkage::{FingerprintSets, link};
use crate::recipient::{Organisations, registrable_domain};
use crate::scan::{LeakId, Occurrence, OccurrenceSink, RequestScan};
use crate::{
    Anomaly, Category, FirstParty, InputSummary, Leak, LocationCount, Party, Recipient,
    RecipientSummary, Report, SCHEMA, Severity, Summary, Tool, redact, redact_location,
};

/// Distinct locations listed per leak; the rest are counted in `other_locations`.
pub const MAX_LOCATIONS: usize = 8;

/// Per-request id sets remembered to tell a retry (the same ids again) from a new request;
/// past this many, every later request that carries ids is taken as new, so memory stays
/// bounded on huge captures (about 16 MB at the limit).
const MAX_TRACKED_REQUEST_IDS: usize = 1 << 20;

/// How a report is built.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Put values (and full URLs) in the report.
    pub show_values: bool,
    /// The first party's registrable domains, when the user gave them (`--first-party`).
    pub first_party: Vec<String>,
    /// Leave first-party leaks out (`--third-party-only`).
    pub third_party_only: bool,
    /// The first party as a first pass over the capture inferred it (see
    /// [`FirstPartyInference`](crate::FirstPartyInference)), used as it is when
    /// `first_party` is empty: nothing is inferred again while requests are added, so streamed
    /// occurrences carry their final party.
    pub inferred_first_party: Option<FirstParty>,
    /// The key of `value_id`s. `None`: a random key, so that a shared report's ids cannot be
    /// checked against guessed values; give one to compare ids across reports.
    pub value_key: Option<[u8; 16]>,
}

#[derive(Debug)]
struct RuleInfo {
    id: String,
    category: Category,
    severity: Severity,
}

#[derive(Debug)]
struct LeakEntry {
    rule: u32,
    host: u32,
    hash: u128,
    value: Option<String>,
    redacted: Option<String>,
    occurrences: u64,
    requests: Vec<u32>,
    /// The places kept: at most [`MAX_LOCATIONS`], those whose folded text sorts first, so
    /// that two captures with the same places list the same ones whatever their order.
    locations: Vec<PlaceCount>,
    other_locations: u64,
    evidence: Option<String>,
}

/// One place of a leak: occurrences there, and how it is shown.
#[derive(Debug)]
struct PlaceCount {
    /// [`folded_hash`] of the location as shown.
    hash: u64,
    /// [`folded_hash`]es of locations as found that are shown as this one (a few, so that a
    /// place seen again is found without redacting its location again).
    found_as: Vec<u64>,
    /// The location with its array indexes folded.
    folded: String,
    /// The first location seen that folds to it.
    first: String,
    count: u64,
}

#[derive(Debug, Default)]
struct DomainTally {
    requests: usize,
    hosts: BTreeSet<String>,
}

/// Assembles a [`Report`] as requests are scanned; add them in request order.
#[derive(Debug)]
pub struct ReportBuilder {
    tool: Tool,
    options: ReportOptions,
    key: [u8; 16],
    inputs: Vec<InputSummary>,
    requests: usize,
    rules: Vec<RuleInfo>,
    /// Rule id → its (category, severity) variants and their numbers.
    rule_index: FxHashMap<String, Vec<(Category, Severity, u32)>>,
    recipients: Vec<Recipient>,
    host_index: FxHashMap<String, u32>,
    domains: BTreeMap<String, DomainTally>,
    leaks: Vec<LeakEntry>,
    leak_index: FxHashMap<(u32, u32, u128), u32>,
    inference: FirstPartyInference,
    /// The first party in force while streaming (settled in `finish`).
    first_party: FirstPartySet,
    request_id_sets: rustc_hash::FxHashSet<u64>,
    /// Requests that carried per-request ids no earlier request carried, one bit a request.
    distinct_id_requests: crate::linkage::RequestBits,
    fingerprints: FingerprintSets,
    anomalies: Vec<Anomaly>,
}

impl ReportBuilder {
    /// A builder for a report written by `tool` at `version`.
    pub fn new(tool: &str, version: &str, options: ReportOptions) -> Self {
        let key = options.value_key.unwrap_or_else(random_key);
        let first_party = FirstPartySet::new(&options);
        ReportBuilder {
            tool: Tool {
                name: tool.to_owned(),
                version: version.to_owned(),
            },
            options,
            key,
            inputs: Vec::new(),
            requests: 0,
            rules: Vec::new(),
            rule_index: FxHashMap::default(),
            recipients: Vec::new(),
            host_index: FxHashMap::default(),
            domains: BTreeMap::new(),
            leaks: Vec::new(),
            leak_index: FxHashMap::default(),
            inference: FirstPartyInference::default(),
            first_party,
            request_id_sets: rustc_hash::FxHashSet::default(),
            distinct_id_requests: crate::linkage::RequestBits::default(),
            fingerprints: FingerprintSets::default(),
            anomalies: Vec::new(),
        }
    }

    /// Start the next capture file; the requests added after this count towards it.
    pub fn add_input(&mut self, file: &str, format: Option<&str>) {
        self.inputs.push(InputSummary {
            file: file.to_owned(),
            format: format.map(str::to_owned),
            requests: 0,
        });
    }

    /// The `value_id` of a value in this report.
    pub fn value_id(&self, value: &str) -> String {
        value_id(self.hash(value))
    }

    fn hash(&self, value: &str) -> u128 {
        let mut hasher = SipHasher24::new_with_key(&self.key);
        hasher.write(value.as_bytes());
        hasher.finish128().as_u128()
    }

    /// Add one scanned request, telling `sink` about every occurrence in it. Requests should
    /// be added in index order (the scanner does), so that leak ids follow the capture; added
    /// out of order, leaks still list their requests sorted. An error from the sink is
    /// returned after the request has been added.
    pub fn add(&mut self, scan: RequestScan, sink: &mut dyn OccurrenceSink) -> io::Result<()> {
        let RequestScan {
            request,
            context,
            sightings,
            anomalies,
        } = scan;
        self.requests += 1;
        if let Some(input) = self.inputs.last_mut() {
            input.requests += 1;
        }
        let host = self.host(&request.host);
        let domain = self.recipients[host as usize].domain.clone();
        let tally = self.domains.entry(domain.clone()).or_default();
        tally.requests += 1;
        if !tally.hosts.contains(&request.host) {
            tally.hosts.insert(request.host.clone());
        }
        self.note_first_party(&domain, &context);

        let index = u32::try_from(request.index).unwrap_or(u32::MAX);
        if let Some(ids) = context.request_ids
            && (self.request_id_sets.len() >= MAX_TRACKED_REQUEST_IDS
                || self.request_id_sets.insert(ids))
        {
            self.distinct_id_requests.insert(index);
        }

        let mut result = Ok(());
        let mut fingerprint = Vec::new();
        let mut carries_id = false;
        for sighting in &sightings {
            let rule = self.rule(&sighting.rule, sighting.category, sighting.severity);
            let hash = self.hash(&sighting.value);
            let leak = match self.leak_index.entry((rule, host, hash)) {
                Entry::Occupied(slot) => *slot.get(),
                Entry::Vacant(slot) => {
                    let at = self.leaks.len() as u32;
                    slot.insert(at);
                    let show = self.options.show_values;
                    self.leaks.push(LeakEntry {
                        rule,
                        host,
                        hash,
                        value: show.then(|| sighting.value.clone()),
                        redacted: (!show).then(|| redact(&sighting.value)),
                        occurrences: 0,
                        requests: Vec::new(),
                        locations: Vec::new(),
                        other_locations: 0,
                        evidence: sighting.evidence.clone(),
                    });
                    at
                }
            };
            let entry = &mut self.leaks[leak as usize];
            if entry.requests.last() != Some(&index) {
                entry.requests.push(index);
            }
            for place in &sighting.places {
                entry.occurrences += 1;
                note_location(entry, &place.location, self.options.show_values);
            }
            match sighting.category {
                Category::DeviceFingerprint => fingerprint.push((rule, hash)),
                Category::PersistentId => carries_id = true,
                _ => {}
            }
            let recipient = &self.recipients[host as usize];
            if result.is_ok() && !(self.options.third_party_only && recipient.party == Party::First)
            {
                for place in &sighting.places {
                    let occurrence = Occurrence {
                        leak: LeakId(leak + 1),
                        request: &request,
                        rule: &sighting.rule,
                        category: sighting.category,
                        severity: sighting.severity,
                        recipient,
                        location: &place.location,
                        span: place.span,
                        value: &sighting.value,
                        evidence: sighting.evidence.as_deref(),
                    };
                    if let Err(error) = sink.occurrence(&occurrence) {
                        result = Err(error);
                        break;
                    }
                }
            }
        }
        let name = self.recipients[host as usize].display_name();
        self.fingerprints.add(fingerprint, carries_id, name, index);
        if result.is_ok() {
            result = sink.request_done(&request);
        }
        self.anomalies.extend(anomalies);
        result
    }

    /// Add an anomaly that concerns no scanned request (an unreadable file, a broken entry).
    pub fn add_anomaly(&mut self, anomaly: Anomaly) {
        self.anomalies.push(anomaly);
    }

    /// The rule's number. A rule is known by its id, category and severity together: one id
    /// can report under several categories (`known-value`, whose category each known value
    /// gives), and those are different leaks.
    fn rule(&mut self, id: &str, category: Category, severity: Severity) -> u32 {
        if let Some(&(_, _, at)) = self
            .rule_index
            .get(id)
            .and_then(|same| same.iter().find(|r| r.0 == category && r.1 == severity))
        {
            return at;
        }
        let at = self.rules.len() as u32;
        self.rules.push(RuleInfo {
            id: id.to_owned(),
            category,
            severity,
        });
        self.rule_index
            .entry(id.to_owned())
            .or_default()
            .push((category, severity, at));
        at
    }

    fn host(&mut self, host: &str) -> u32 {
        if let Some(&at) = self.host_index.get(host) {
            return at;
        }
        let domain = registrable_domain(host);
        let organisation = Organisations::builtin()
            .organisation(&domain)
            .map(str::to_owned);
        let party = self.first_party.party(&domain);
        let at = self.recipients.len() as u32;
        self.recipients.push(Recipient {
            host: host.to_owned(),
            domain,
            organisation,
            party,
        });
        self.host_index.insert(host.to_owned(), at);
        at
    }

    /// Records what a request says about the first party, and while the first party is being
    /// inferred here (no first pass gave it: see [`ReportOptions::inferred_first_party`]),
    /// updates it, so that streamed occurrences carry the best party known so far.
    fn note_first_party(&mut self, domain: &str, context: &crate::RequestContext) {
        if self.first_party.settled() || !self.inference.note(domain, context) {
            return;
        }
        let domains = self.inference.domains_and_how().0;
        if domains != self.first_party.domains {
            self.first_party.domains = domains;
            for recipient in &mut self.recipients {
                recipient.party = self.first_party.party(&recipient.domain);
            }
        }
    }

    /// The finished report: parties settled, leaks sorted, linkage worked out.
    pub fn finish(mut self) -> Report {
        let how = match &self.first_party.how {
            Some(how) => how.clone(),
            None => {
                let (domains, how) = self.inference.domains_and_how();
                self.first_party.domains = domains;
                how
            }
        };
        let first_party = FirstParty {
            domains: self.first_party.domains.iter().cloned().collect(),
            how,
        };
        for recipient in &mut self.recipients {
            recipient.party = self.first_party.party(&recipient.domain);
        }

        let keep = |entry: &LeakEntry, recipients: &[Recipient]| {
            !(self.options.third_party_only
                && recipients[entry.host as usize].party == Party::First)
        };
        let mut summary = Summary {
            requests: self.requests,
            ..Summary::default()
        };
        let mut per_domain: BTreeMap<&str, (usize, BTreeSet<Category>)> = BTreeMap::new();
        for entry in self.leaks.iter().filter(|e| keep(e, &self.recipients)) {
            let rule = &self.rules[entry.rule as usize];
            let recipient = &self.recipients[entry.host as usize];
            summary.leaks += 1;
            summary.occurrences += entry.occurrences;
            *summary.by_category.entry(rule.category).or_default() += 1;
            *summary.by_severity.entry(rule.severity).or_default() += 1;
            let tally = per_domain.entry(&recipient.domain).or_default();
            tally.0 += 1;
            tally.1.insert(rule.category);
        }
        for (domain, tally) in &self.domains {
            let party = self.first_party.party(domain);
            if self.options.third_party_only && party == Party::First {
                continue;
            }
            let (leaks, categories) = per_domain.remove(domain.as_str()).unwrap_or_default();
            summary.recipients.push(RecipientSummary {
                organisation: Organisations::builtin()
                    .organisation(domain)
                    .map(str::to_owned),
                domain: domain.clone(),
                party,
                hosts: tally.hosts.iter().cloned().collect(),
                requests: tally.requests,
                leaks,
                categories: categories.into_iter().collect(),
            });
        }
        summary.recipients.sort_by(|a, b| {
            (b.party == Party::Third)
                .cmp(&(a.party == Party::Third))
                .then(b.leaks.cmp(&a.leaks))
                .then(b.requests.cmp(&a.requests))
                .then_with(|| a.domain.cmp(&b.domain))
        });
        let rank: HashMap<&str, usize> = summary
            .recipients
            .iter()
            .enumerate()
            .map(|(rank, r)| (r.domain.as_str(), rank))
            .collect();

        // Linkage is worked out over the leaks the report keeps, so that it never names a
        // value id the report does not list.
        let kept: Vec<crate::linkage::LeakView<'_>> = self
            .leaks_view()
            .into_iter()
            .zip(&self.leaks)
            .filter(|(_, entry)| keep(entry, &self.recipients))
            .map(|(view, _)| view)
            .collect();
        let mut linkage = link(
            &kept,
            &self.fingerprints,
            &self.distinct_id_requests,
            self.options.show_values,
        );
        if self.options.third_party_only {
            let first: BTreeSet<&str> = self
                .recipients
                .iter()
                .filter(|r| r.party == Party::First)
                .map(Recipient::display_name)
                .collect();
            linkage.retain(|l| l.recipients.iter().any(|r| !first.contains(r.as_str())));
        }

        let mut order: Vec<usize> = (0..self.leaks.len())
            .filter(|&i| keep(&self.leaks[i], &self.recipients))
            .collect();
        order.sort_by_cached_key(|&i| {
            let entry = &self.leaks[i];
            let rule = &self.rules[entry.rule as usize];
            let recipient = &self.recipients[entry.host as usize];
            (
                rank.get(recipient.domain.as_str())
                    .copied()
                    .unwrap_or(usize::MAX),
                recipient.host.clone(),
                rule.category,
                std::cmp::Reverse(rule.severity),
                std::cmp::Reverse(entry.occurrences),
                i,
            )
        });
        let mut entries: Vec<Option<LeakEntry>> = self.leaks.into_iter().map(Some).collect();
        let leaks = order
            .into_iter()
            .filter_map(|i| {
                let mut entry = entries[i].take()?;
                // A caller that added requests out of order still gets a sorted list.
                if !entry.requests.is_sorted() {
                    entry.requests.sort_unstable();
                    entry.requests.dedup();
                }
                let rule = &self.rules[entry.rule as usize];
                Some(Leak {
                    id: LeakId(i as u32 + 1).to_string(),
                    rule: rule.id.clone(),
                    category: rule.category,
                    severity: rule.severity,
                    recipient: self.recipients[entry.host as usize].clone(),
                    value: entry.value,
                    redacted: entry.redacted,
                    value_id: value_id(entry.hash),
                    occurrences: entry.occurrences,
                    requests: entry.requests,
                    locations: {
                        let mut places = entry.locations;
                        places.sort_by(|a, b| b.count.cmp(&a.count).then(a.folded.cmp(&b.folded)));
                        places
                            .into_iter()
                            .map(|p| LocationCount {
                                location: p.first,
                                count: p.count,
                            })
                            .collect()
                    },
                    other_locations: entry.other_locations,
                    evidence: entry.evidence,
                })
            })
            .collect();

        self.anomalies
            .sort_by_key(|a| a.request.unwrap_or(usize::MAX));
        Report {
            schema: SCHEMA.to_owned(),
            tool: self.tool,
            inputs: self.inputs,
            first_party,
            summary,
            leaks,
            linkage,
            anomalies: self.anomalies,
        }
    }

    fn leaks_view(&self) -> Vec<crate::linkage::LeakView<'_>> {
        self.leaks
            .iter()
            .map(|entry| {
                let rule = &self.rules[entry.rule as usize];
                let recipient = &self.recipients[entry.host as usize];
                crate::linkage::LeakView {
                    rule: entry.rule,
                    rule_id: &rule.id,
                    category: rule.category,
                    hash: entry.hash,
                    value: entry.value.as_deref(),
                    recipient: recipient.display_name(),
                    requests: &entry.requests,
                }
            })
            .collect()
    }
}

/// Counts an occurrence at `location`; a new place is kept with its field names redacted
/// unless values are shown (see [`redact_location`]), so the work of redacting is done per
/// place, not per occurrence.
fn note_location(entry: &mut LeakEntry, location: &str, show_values: bool) {
    // The common case: the place was seen before, as found.
    let found = folded_hash(location);
    if let Some(place) = entry
        .locations
        .iter_mut()
        .find(|p| p.found_as.contains(&found))
    {
        place.count += 1;
        return;
    }
    // Places are told apart as they are shown: two keys that both redact to `…` are one place.
    let shown = if show_values {
        location.into()
    } else {
        redact_location(location)
    };
    let hash = folded_hash(&shown);
    if let Some(place) = entry.locations.iter_mut().find(|p| p.hash == hash) {
        place.count += 1;
        if place.found_as.len() < 8 {
            place.found_as.push(found);
        }
        return;
    }
    let first = shown.into_owned();
    let place = PlaceCount {
        hash,
        found_as: vec![found],
        folded: fold_indexes(&first),
        first,
        count: 1,
    };
    if entry.locations.len() < MAX_LOCATIONS {
        entry.locations.push(place);
        return;
    }
    // Full: the new place replaces the one that sorts last, if it sorts before it.
    let last = entry
        .locations
        .iter_mut()
        .max_by(|a, b| a.folded.cmp(&b.folded));
    match last {
        Some(last) if place.folded < last.folded => {
            entry.other_locations += last.count;
            *last = place;
        }
        _ => entry.other_locations += 1,
    }
}

/// A hash of `fold_indexes(location)`, computed in one pass without building it: this runs
/// for every occurrence. Two places of one leak are taken as the same when their hashes agree
/// (64 bits among at most [`MAX_LOCATIONS`] places: a collision would only add one place's
/// count to another's). A place not kept is folded again each time it is seen; only leaks
/// with more than [`MAX_LOCATIONS`] places have those.
fn folded_hash(location: &str) -> u64 {
    let bytes = location.as_bytes();
    let mut hasher = rustc_hash::FxHasher::default();
    static LAYER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(" > "));
    let Some(layers) = LAYER.find(bytes) else {
        hasher.write(bytes);
        return hasher.finish();
    };
    hasher.write(&bytes[..layers]);
    let mut run_start = layers;
    let mut i = layers;
    while let Some(open) = memchr::memchr(b'[', &bytes[i..]).map(|at| i + at) {
        let digits = bytes[open + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits > 0 && bytes.get(open + 1 + digits) == Some(&b']') {
            hasher.write(&bytes[run_start..=open]);
            hasher.write_u8(b'*');
            run_start = open + 1 + digits;
        }
        i = open + 1;
    }
    hasher.write(&bytes[run_start..]);
    hasher.finish()
}

/// A location with the array indexes of its layers folded (`$.events[3].url` →
/// `$.events[*].url`): events in a batch are the same place. The request part (`path[2]`) keeps
/// its index.
pub fn fold_indexes(location: &str) -> String {
    let (part, layers) = match location.find(" > ") {
        Some(at) => location.split_at(at),
        None => return location.to_owned(),
    };
    let mut out = String::with_capacity(location.len());
    out.push_str(part);
    let mut rest = layers;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(']') {
            out.push('*');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// `v-` and eight hex digits of a value's keyed hash.
pub(crate) fn value_id(hash: u128) -> String {
    format!("v-{:08x}", (hash >> 96) as u32)
}

/// A key no one reading the report knows: from the standard library's randomly seeded hasher.
fn random_key() -> [u8; 16] {
    let state = std::collections::hash_map::RandomState::new();
    let a = state.hash_one(0x6c65_616b_u64);
    let b = state.hash_one(0x7363_6f70_u64);
    let mut key = [0; 16];
    key[..8].copy_from_slice(&a.to_le_bytes());
    key[8..].copy_from_slice(&b.to_le_bytes());
    key
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::{NoSink, Place, RequestContext, RequestRef, RequestScan, Sighting};

    /// A POST to `host`, entry `index` of `capture.har`.
    pub(crate) fn request_ref(index: usize, host: &str) -> RequestRef {
        RequestRef {
            index,
            method: "POST".into(),
            host: host.into(),
            url: format!("https://{host}/collect"),
            source: Some(format!("capture.har entry {index}")),
        }
    }

    /// A request to `host` carrying `sightings` of (rule, category, value, places).
    pub(crate) fn request(
        index: usize,
        host: &str,
        sightings: &[(&str, Category, &str, &[&str])],
    ) -> RequestScan {
        RequestScan {
            request: request_ref(index, host),
            context: RequestContext::default(),
            sightings: sightings
                .iter()
                .map(|(rule, category, value, places)| Sighting {
                    rule: (*rule).into(),
                    category: *category,
                    severity: if *category == Category::DeviceFingerprint {
                        Severity::Low
                    } else {
                        Severity::High
                    },
                    value: (*value).into(),
                    places: places.iter().copied().map(Place::at).collect(),
                    evidence: None,
                })
                .collect(),
            anomalies: Vec::new(),
        }
    }

    pub(crate) fn options() -> ReportOptions {
        ReportOptions {
            value_key: Some([7; 16]),
            ..ReportOptions::default()
        }
    }

    /// A builder with the value key of [`options`], values shown or not, no input yet.
    pub(crate) fn builder(show_values: bool) -> ReportBuilder {
        ReportBuilder::new(
            "leakscope",
            "0.1.0",
            ReportOptions {
                show_values,
                ..options()
            },
        )
    }

    /// One sighting at one place.
    pub(crate) fn sighting(
        rule: &str,
        category: Category,
        severity: Severity,
        value: &str,
        location: &str,
    ) -> Sighting {
        Sighting {
            rule: rule.to_owned(),
            category,
            severity,
            value: value.to_owned(),
            places: vec![Place::at(location)],
            evidence: None,
        }
    }

    /// A request to `host`, made by a page of `example.org`, carrying `sightings`.
    pub(crate) fn request_with(index: usize, host: &str, sightings: Vec<Sighting>) -> RequestScan {
        RequestScan {
            request: request_ref(index, host),
            context: RequestContext {
                initiator: Some("example.org".to_owned()),
                ..RequestContext::default()
            },
            sightings,
            anomalies: Vec::new(),
        }
    }

    /// A report of one capture file, `input`, with one search query, `value`, found by `rule`
    /// at `location` and shown: what the renderers' escaping tests feed them.
    pub(crate) fn one_leak_report(input: &str, rule: &str, value: &str, location: &str) -> Report {
        let mut builder = builder(true);
        builder.add_input(input, Some("har"));
        let found = sighting(rule, Category::SearchQuery, Severity::High, value, location);
        builder
            .add(request_with(0, "t.example.net", vec![found]), &mut NoSink)
            .unwrap();
        builder.finish()
    }

    /// What the small report's Xiaomi request carries: an advertising id and a search query in
    /// a base64 JSON form field, the event at index `event` of its `events`.
    pub(crate) fn xiaomi_sightings(event: usize) -> Vec<Sighting> {
        let at = |field: &str| format!("body form[data] > base64 > json $.events[{event}].{field}");
        vec![
            sighting(
                "id.advertising-id",
                Category::PersistentId,
                Severity::High,
                ADVERTISING_ID,
                &at("gaid"),
            ),
            sighting(
                "search.query-field",
                Category::SearchQuery,
                Severity::High,
                "symptoms of depression",
                &at("keyword"),
            ),
        ]
    }

    /// The advertising id the small report's Google and Xiaomi requests both carry.
    pub(crate) const ADVERTISING_ID: &str = "38400000-8cf0-11bd-b23e-10b96e40000d";

    /// A small report: two Google hosts, one Xiaomi host and the first party.
    pub(crate) fn small_report(show_values: bool) -> Report {
        let mut builder = builder(show_values);
        builder.add_input("capture.har", Some("har"));
        builder
            .add(
                request_with(
                    0,
                    "www.google-analytics.com",
                    vec![
                        sighting(
                            "history.url-field",
                            Category::BrowsingHistory,
                            Severity::High,
                            "https://www.example.org/private/page",
                            "query[dl]",
                        ),
                        sighting(
                            "id.analytics-client-id",
                            Category::PersistentId,
                            Severity::High,
                            ADVERTISING_ID,
                            "query[cid]",
                        ),
                    ],
                ),
                &mut NoSink,
            )
            .unwrap();
        builder
            .add(
                request_with(1, "tracking.intl.miui.com", xiaomi_sightings(0)),
                &mut NoSink,
            )
            .unwrap();
        builder
            .add(request_with(2, "www.example.org", Vec::new()), &mut NoSink)
            .unwrap();
        builder.finish()
    }

    /// A report of `scans`, built with `options`.
    pub(crate) fn build(options: ReportOptions, scans: Vec<RequestScan>) -> Report {
        let mut builder = ReportBuilder::new("leakscope", "0.1.0", options);
        builder.add_input("capture.har", Some("har"));
        for scan in scans {
            builder.add(scan, &mut NoSink).unwrap();
        }
        builder.finish()
    }

    /// A small session: a site, its analytics, and an ad network that gets the same id.
    pub(crate) fn sample() -> Report {
        let id = (
            "id.analytics-client-id",
            Category::PersistentId,
            "0467ede7dcf0ee81",
        );
        let url = (
            "history.url-field",
            Category::BrowsingHistory,
            "https://www.example.com/page",
        );
        build(
            ReportOptions {
                first_party: vec!["example.com".into()],
                ..options()
            },
            vec![
                request(
                    0,
                    "www.example.com",
                    &[(url.0, url.1, url.2, &["body > json $.page"])],
                ),
                request(
                    1,
                    "www.google-analytics.com",
                    &[
                        (id.0, id.1, id.2, &["query[cid]"]),
                        (url.0, url.1, url.2, &["query[dl]"]),
                    ],
                ),
                request(
                    2,
                    "connect.facebook.net",
                    &[(id.0, id.1, id.2, &["query[ud]"])],
                ),
                request(3, "cdn.example.net", &[]),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use crate::{JsonRenderer, LinkageKind, NdjsonSink, Render};

    const ID: &str = "0467ede7dcf0ee81";

    /// `n` requests to one analytics host, each a batch of `events` events carrying the same
    /// device id.
    fn telemetry(n: usize, events: usize) -> Vec<crate::RequestScan> {
        let places: Vec<String> = (0..events)
            .map(|e| format!("body > base64 > json $.events[{e}].device_id"))
            .collect();
        let places: Vec<&str> = places.iter().map(String::as_str).collect();
        (0..n)
            .map(|i| {
                request(
                    i,
                    "sa.api.intl.miui.com",
                    &[("id.device-id", Category::PersistentId, ID, &places)],
                )
            })
            .collect()
    }

    #[test]
    fn one_datum_to_one_recipient_is_one_leak_with_every_request() {
        let report = build(options(), telemetry(5, 3));
        assert_eq!(report.summary.requests, 5);
        assert_eq!(report.summary.leaks, 1);
        assert_eq!(report.summary.occurrences, 15);
        let leak = &report.leaks[0];
        assert_eq!(leak.id, "L1");
        assert_eq!(leak.requests, [0, 1, 2, 3, 4]);
        assert_eq!(leak.occurrences, 15);
        assert_eq!(leak.recipient.domain, "miui.com");
        assert_eq!(leak.recipient.organisation.as_deref(), Some("Xiaomi"));
        assert_eq!(leak.recipient.party, Party::Third);
        // The events of a batch are one place, shown as the first one seen.
        assert_eq!(leak.locations.len(), 1);
        assert_eq!(
            leak.locations[0].location,
            "body > base64 > json $.events[0].device_id"
        );
        assert_eq!(leak.locations[0].count, 15);
        assert_eq!(leak.value, None);
        assert_eq!(leak.redacted.as_deref(), Some("04…81 (16 chars)"));
    }

    /// 100,000 occurrences of one id in 1,000 requests: one leak, and a report that follows
    /// the leaks, not the occurrences.
    #[test]
    fn a_hundred_thousand_repeated_occurrences_make_a_small_report() {
        let report = build(options(), telemetry(1_000, 100));
        assert_eq!(report.summary.occurrences, 100_000);
        assert_eq!(report.leaks.len(), 1);
        let mut json = Vec::new();
        JsonRenderer.render(&report, &mut json).unwrap();
        assert!(json.len() < 12_000, "{} bytes", json.len());
        // The request list is one line, not a thousand.
        let text = String::from_utf8(json).unwrap();
        assert!(text.contains("\"requests\": [0, 1, 2, 3,"), "{text}");
        assert!(text.lines().count() < 80, "{} lines", text.lines().count());
    }

    /// `n` places in a JSON body, `body > json $.f00` and on.
    fn json_places(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("body > json $.f{i:02}")).collect()
    }

    /// The same places in another order keep the same ones: `diff` compares what is listed.
    #[test]
    fn the_places_kept_do_not_depend_on_their_order() {
        let places = json_places(MAX_LOCATIONS + 4);
        let forward: Vec<&str> = places.iter().map(String::as_str).collect();
        let backward: Vec<&str> = forward.iter().rev().copied().collect();
        let listed = |places: &[&str]| {
            let report = build(
                options(),
                vec![request(
                    0,
                    "t.example.com",
                    &[("r", Category::PersistentId, ID, places)],
                )],
            );
            let leak = &report.leaks[0];
            assert_eq!(leak.other_locations, 4);
            let mut listed: Vec<String> =
                leak.locations.iter().map(|l| l.location.clone()).collect();
            listed.sort();
            listed
        };
        assert_eq!(listed(&forward), listed(&backward));
        assert_eq!(listed(&forward)[0], "body > json $.f00");
    }

    #[test]
    fn locations_past_the_limit_are_counted() {
        let places = json_places(MAX_LOCATIONS + 3);
        let places: Vec<&str> = places.iter().map(String::as_str).collect();
        let report = build(
            options(),
            vec![request(
                0,
                "t.example.com",
                &[("r", Category::PersistentId, ID, &places)],
            )],
        );
        assert_eq!(report.leaks[0].locations.len(), MAX_LOCATIONS);
        assert_eq!(report.leaks[0].other_locations, 3);
    }

    #[test]
    fn third_parties_come_first_and_the_first_party_is_said() {
        let report = sample();
        assert_eq!(report.first_party.domains, ["example.com"]);
        assert_eq!(report.first_party.how, "--first-party");
        let parties: Vec<Party> = report.leaks.iter().map(|l| l.recipient.party).collect();
        assert_eq!(parties.last(), Some(&Party::First));
        assert!(
            parties[..parties.len() - 1]
                .iter()
                .all(|p| *p == Party::Third)
        );
        let recipients: Vec<(&str, Party, usize)> = report
            .summary
            .recipients
            .iter()
            .map(|r| (r.domain.as_str(), r.party, r.leaks))
            .collect();
        assert_eq!(
            recipients,
            [
                ("google-analytics.com", Party::Third, 2),
                ("facebook.net", Party::Third, 1),
                ("example.net", Party::Third, 0),
                ("example.com", Party::First, 1),
            ]
        );
        assert_eq!(
            report.summary.recipients[1].organisation.as_deref(),
            Some("Meta")
        );
    }

    #[test]
    fn third_party_only_leaves_the_first_party_out() {
        let id = ("id.analytics-client-id", Category::PersistentId, ID);
        let report = build(
            ReportOptions {
                first_party: vec!["www.example.com".into()],
                third_party_only: true,
                ..options()
            },
            vec![
                request(0, "www.example.com", &[(id.0, id.1, id.2, &["query[cid]"])]),
                request(
                    1,
                    "stats.g.doubleclick.net",
                    &[(id.0, id.1, id.2, &["query[cid]"])],
                ),
            ],
        );
        assert_eq!(report.first_party.domains, ["example.com"]);
        assert_eq!(report.leaks.len(), 1);
        assert_eq!(report.leaks[0].recipient.domain, "doubleclick.net");
        assert!(
            report
                .summary
                .recipients
                .iter()
                .all(|r| r.party == Party::Third)
        );
        assert_eq!(report.summary.leaks, 1);
    }

    #[test]
    fn the_first_party_is_inferred_from_page_loads_else_initiators() {
        let mut page = request(0, "www.news.example.org", &[]);
        page.context.document = true;
        let mut beacon = request(1, "www.google-analytics.com", &[]);
        beacon.context.initiator = Some("elsewhere.com".into());
        let report = build(options(), vec![page, beacon.clone()]);
        assert_eq!(report.first_party.domains, ["example.org"]);
        assert_eq!(report.first_party.how, "top-level document requests");

        let report = build(options(), vec![beacon.clone(), beacon]);
        assert_eq!(report.first_party.domains, ["elsewhere.com"]);
        assert!(
            report
                .first_party
                .how
                .starts_with("most common Origin/Referer (2 of 2")
        );

        let report = build(options(), telemetry(2, 1));
        assert!(report.first_party.domains.is_empty());
        assert!(report.first_party.how.starts_with("none found"));
    }

    #[test]
    fn an_id_sent_to_two_organisations_is_linkage() {
        let report = sample();
        let shared: Vec<_> = report
            .linkage
            .iter()
            .filter(|l| l.kind == LinkageKind::SharedId)
            .collect();
        assert_eq!(shared.len(), 1);
        assert_eq!(shared[0].recipients, ["Google", "Meta"]);
        assert_eq!(shared[0].requests, 2);
        let id = report
            .leaks
            .iter()
            .find(|l| l.category == Category::PersistentId)
            .unwrap();
        assert_eq!(shared[0].value_ids, std::slice::from_ref(&id.value_id));
        assert!(shared[0].values.is_none(), "values only when shown");
    }

    #[test]
    fn an_id_across_requests_whose_request_ids_differ_is_linkage() {
        let mut scans = telemetry(3, 1);
        for (i, scan) in scans.iter_mut().enumerate() {
            scan.context.request_ids = Some(100 + i as u64);
        }
        let report = build(options(), scans);
        assert_eq!(report.linkage.len(), 1);
        assert_eq!(
            report.linkage[0].why,
            "the same id in 3 requests whose per-request ids all differ"
        );

        // Retries (the same request id again) are not new requests; without any per-request
        // ids, one recipient seeing one id is no linkage.
        let mut scans = telemetry(3, 1);
        for scan in &mut scans {
            scan.context.request_ids = Some(7);
        }
        assert!(build(options(), scans).linkage.is_empty());
        assert!(build(options(), telemetry(3, 1)).linkage.is_empty());
    }

    #[test]
    fn requests_without_an_id_are_tied_by_their_device_values() {
        // A device's model, OS version and screen, as one tracker's JSON body sends them.
        let device = |model, os, screen| -> [(&str, Category, &str, &[&str]); 3] {
            let fp = Category::DeviceFingerprint;
            [
                (
                    "fingerprint.device-model",
                    fp,
                    model,
                    &["body > json $.model"],
                ),
                ("fingerprint.os-version", fp, os, &["body > json $.os"]),
                ("fingerprint.screen", fp, screen, &["body > json $.res"]),
            ]
        };
        let other = device("Pixel 7", "14", "1080x2400");
        let device = device("Redmi Note 8 Pro", "10", "1080x2340");
        let mut with_id = device.to_vec();
        with_id.push((
            "id.device-id",
            Category::PersistentId,
            ID,
            &["body > json $.id"],
        ));
        let report = build(
            options(),
            vec![
                request(0, "tracking.intl.miui.com", &device),
                request(1, "sa.api.intl.miui.com", &with_id),
                request(2, "tracking.intl.miui.com", &device),
                request(3, "tracking.intl.miui.com", &other),
            ],
        );
        let links: Vec<_> = report
            .linkage
            .iter()
            .filter(|l| l.kind == LinkageKind::Fingerprint)
            .collect();
        assert_eq!(links.len(), 1, "{links:#?}");
        assert_eq!(links[0].requests, 3);
        assert_eq!(links[0].distinct_sets, Some(2));
        assert_eq!(links[0].value_ids.len(), 3);
        assert!(
            links[0].why.contains("2 of them carry no id, 1 carry one"),
            "{}",
            links[0].why
        );
    }

    #[test]
    fn the_stream_uses_the_reports_leak_ids() {
        let mut builder = builder(false);
        let mut lines = Vec::new();
        {
            let mut sink = NdjsonSink::new(&mut lines, false);
            for scan in [telemetry(2, 2), sample_requests()].concat() {
                builder.add(scan, &mut sink).unwrap();
            }
        }
        let report = builder.finish();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for line in String::from_utf8(lines).unwrap().lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(value.get("value").is_none());
            assert!(value["redacted"].is_string());
            *counts
                .entry(value["leak"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let expected: BTreeMap<String, u64> = report
            .leaks
            .iter()
            .map(|l| (l.id.clone(), l.occurrences))
            .collect();
        assert_eq!(counts, expected);
    }

    fn sample_requests() -> Vec<crate::RequestScan> {
        vec![
            request(
                2,
                "www.google-analytics.com",
                &[(
                    "id.analytics-client-id",
                    Category::PersistentId,
                    ID,
                    &["query[cid]"],
                )],
            ),
            request(
                3,
                "connect.facebook.net",
                &[("r", Category::Contact, "a@b.c", &["query[em]"])],
            ),
        ]
    }

    #[test]
    fn the_json_report_follows_the_contract() {
        let report = build(
            ReportOptions {
                show_values: true,
                ..options()
            },
            telemetry(3, 1),
        );
        let mut out = Vec::new();
        JsonRenderer.render(&report, &mut out).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(json["schema"], "leakscope.report/v2");
        assert_eq!(json["inputs"][0]["file"], "capture.har");
        assert_eq!(json["inputs"][0]["requests"], 3);
        assert!(json["first_party"]["how"].is_string());
        assert_eq!(json["summary"]["leaks"], 1);
        assert_eq!(json["summary"]["by_category"]["persistent-id"], 1);
        let recipient = &json["summary"]["recipients"][0];
        assert_eq!(recipient["organisation"], "Xiaomi");
        assert_eq!(recipient["hosts"][0], "sa.api.intl.miui.com");
        let leak = &json["leaks"][0];
        assert_eq!(leak["value"], ID);
        assert!(leak.get("redacted").is_none());
        assert_eq!(leak["requests"], serde_json::json!([0, 1, 2]));
        assert_eq!(leak["recipient"]["party"], "third");
        assert!(leak["value_id"].as_str().unwrap().starts_with("v-"));
        assert!(json["linkage"].is_array());
        // What is written reads back as the same report.
        let back: Report = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn array_indexes_fold_in_layers_only() {
        assert_eq!(
            fold_indexes("body form[data_list] > base64 > gzip > json $[2].properties.url"),
            "body form[data_list] > base64 > gzip > json $[*].properties.url"
        );
        assert_eq!(fold_indexes("path[2] > base64"), "path[2] > base64");
        assert_eq!(fold_indexes("query[dl]"), "query[dl]");
        assert_eq!(
            fold_indexes("body > json $.a[10][3].b[x]"),
            "body > json $.a[*][*].b[x]"
        );
    }

    #[test]
    fn the_folded_hash_is_the_hash_of_the_folded_text() {
        let locations = [
            "body form[data_list] > base64 > gzip > json $[2].properties.url",
            "body form[data_list] > base64 > gzip > json $[12].properties.url",
            "body > json $.a[10][3].b[x]",
            "body > json $.a[1x].b",
            "body > json $.a[].b[7",
            "path[2] > base64",
            "path[3] > base64",
            "query[dl]",
            "body > json $.events[0].url > url query[q]",
        ];
        for a in locations {
            for b in locations {
                assert_eq!(
                    folded_hash(a) == folded_hash(b),
                    fold_indexes(a) == fold_indexes(b),
                    "{a} / {b}"
                );
            }
        }
    }

    #[test]
    fn value_ids_are_keyed() {
        let keyed = |key| {
            let options = ReportOptions {
                value_key: Some(key),
                ..ReportOptions::default()
            };
            ReportBuilder::new("t", "0", options)
        };
        let (a, b) = (keyed([1; 16]), keyed([2; 16]));
        assert_eq!(a.value_id("x"), a.value_id("x"));
        assert_ne!(a.value_id("x"), a.value_id("y"));
        assert_ne!(a.value_id("x"), b.value_id("x"));
        assert!(a.value_id("x").starts_with("v-") && a.value_id("x").len() == 10);
    }
}

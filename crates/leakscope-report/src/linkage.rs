//! Linkage: what ties requests and recipients together, the case's "random ids, but linkable".
//!
//! Two kinds:
//! - **shared id**: one persistent identifier sent to two or more organisations, or repeated
//!   across requests whose per-request ids (request ids, nonces) all differ: the sender can
//!   tell the requests apart, and the id ties them to one device anyway;
//! - **fingerprint**: requests that carry no shared id but the same set of three or more
//!   device-fingerprint values. How identifying that is depends on how many distinct sets the
//!   capture holds, so each entry says so.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use crate::builder::value_id;
use crate::{Category, Linkage, LinkageKind};

/// Distinct fingerprint sets remembered; past this many, new sets are counted only.
const MAX_SETS: usize = 100_000;

/// Sets compared with each other for containment (the comparison is quadratic); past this
/// many, only identical sets are matched.
const MAX_COMPARED: usize = 2_000;

/// A leak as linkage sees it.
#[derive(Debug)]
pub(crate) struct LeakView<'a> {
    pub(crate) rule: u32,
    pub(crate) rule_id: &'a str,
    pub(crate) category: Category,
    pub(crate) hash: u128,
    pub(crate) value: Option<&'a str>,
    /// The organisation, else the registrable domain.
    pub(crate) recipient: &'a str,
    pub(crate) requests: &'a [u32],
}

/// A set of request indexes, one bit each.
#[derive(Debug, Default)]
pub(crate) struct RequestBits(Vec<u64>);

impl RequestBits {
    pub(crate) fn insert(&mut self, request: u32) {
        let (word, bit) = (request as usize / 64, request % 64);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << bit;
    }

    pub(crate) fn contains(&self, request: u32) -> bool {
        self.0
            .get(request as usize / 64)
            .is_some_and(|word| word & (1 << (request % 64)) != 0)
    }
}

#[derive(Debug)]
struct FingerprintSet {
    /// (rule, value hash), sorted by value hash, one per value.
    members: Vec<(u32, u128)>,
    /// The first request that carried the set: a stable order for the report.
    first_request: u32,
    requests: usize,
    without_id: usize,
    recipients: BTreeSet<String>,
}

/// The sets of device-fingerprint values seen in requests, with how often each.
#[derive(Debug, Default)]
pub(crate) struct FingerprintSets {
    sets: HashMap<u64, FingerprintSet>,
    /// Sets not remembered because [`MAX_SETS`] were.
    uncounted: usize,
}

impl FingerprintSets {
    /// One request's fingerprint values (rule, value hash); `carries_id` says whether it also
    /// carried a persistent id. Fewer than three distinct values are not a fingerprint, and a
    /// value counts once whichever rules found it.
    pub(crate) fn add(
        &mut self,
        mut values: Vec<(u32, u128)>,
        carries_id: bool,
        recipient: &str,
        request: u32,
    ) {
        // A set is of values: the same model named by a tracker's rule at one recipient and by
        // a generic rule at another is one device value.
        values.sort_unstable_by_key(|&(rule, hash)| (hash, rule));
        values.dedup_by_key(|&mut (_, hash)| hash);
        if values.len() < 3 {
            return;
        }
        let mut hasher = DefaultHasher::new();
        for (_, hash) in &values {
            hash.hash(&mut hasher);
        }
        let key = hasher.finish();
        let len = self.sets.len();
        let set = match self.sets.get_mut(&key) {
            Some(set) => set,
            None if len >= MAX_SETS => {
                self.uncounted += 1;
                return;
            }
            None => self.sets.entry(key).or_insert(FingerprintSet {
                members: values,
                first_request: request,
                requests: 0,
                without_id: 0,
                recipients: BTreeSet::new(),
            }),
        };
        set.requests += 1;
        if !carries_id {
            set.without_id += 1;
        }
        if !set.recipients.contains(recipient) {
            set.recipients.insert(recipient.to_owned());
        }
    }

    /// Distinct sets, counting a set that another contains as that one (an SDK that sends
    /// one value fewer still describes the same device).
    fn distinct(&self) -> usize {
        let sets: Vec<&FingerprintSet> = self.sets.values().collect();
        if sets.len() > MAX_COMPARED {
            return sets.len() + self.uncounted;
        }
        let maximal = sets
            .iter()
            .filter(|s| {
                !sets
                    .iter()
                    .any(|o| o.members.len() > s.members.len() && is_subset(&s.members, &o.members))
            })
            .count();
        maximal + self.uncounted
    }
}

/// Works out the linkage of a report's leaks. `distinct_id_requests` holds the requests whose
/// per-request ids no earlier request carried.
pub(crate) fn link(
    leaks: &[LeakView<'_>],
    fingerprints: &FingerprintSets,
    distinct_id_requests: &RequestBits,
    show_values: bool,
) -> Vec<Linkage> {
    let mut out = shared_ids(leaks, distinct_id_requests, show_values);
    out.extend(fingerprint_links(leaks, fingerprints, show_values));
    out
}

fn shared_ids(
    leaks: &[LeakView<'_>],
    distinct_id_requests: &RequestBits,
    show_values: bool,
) -> Vec<Linkage> {
    struct Group<'a> {
        recipients: BTreeSet<&'a str>,
        rules: BTreeSet<&'a str>,
        requests: BTreeSet<u32>,
        value: Option<&'a str>,
        /// The first leak of the value, in the order leaks were first seen.
        first_leak: usize,
    }
    let mut groups: BTreeMap<u128, Group<'_>> = BTreeMap::new();
    for (at, leak) in leaks
        .iter()
        .enumerate()
        .filter(|(_, l)| l.category == Category::PersistentId)
    {
        let group = groups.entry(leak.hash).or_insert_with(|| Group {
            recipients: BTreeSet::new(),
            rules: BTreeSet::new(),
            requests: BTreeSet::new(),
            value: leak.value,
            first_leak: at,
        });
        group.recipients.insert(leak.recipient);
        group.rules.insert(leak.rule_id);
        group.requests.extend(leak.requests.iter().copied());
    }
    let mut out: Vec<(usize, usize, Linkage)> = Vec::new();
    for (hash, group) in groups {
        let requests = group.requests.len();
        let distinct = group
            .requests
            .iter()
            .filter(|&&r| distinct_id_requests.contains(r))
            .count();
        let across = group.recipients.len() >= 2;
        if !across && distinct < 2 {
            continue;
        }
        let names: Vec<&str> = group.recipients.iter().copied().collect();
        let why = match (across, distinct >= 2) {
            (true, true) => format!(
                "the same id sent to {} in {} requests, {distinct} of them with per-request ids \
                 that all differ",
                join_names(&names),
                requests
            ),
            (true, false) => format!(
                "the same id sent to {} ({} requests)",
                join_names(&names),
                requests
            ),
            _ if distinct == requests => {
                format!("the same id in {requests} requests whose per-request ids all differ")
            }
            _ => format!(
                "the same id in {requests} requests, {distinct} of them with per-request ids \
                 that all differ"
            ),
        };
        out.push((
            group.recipients.len(),
            group.first_leak,
            Linkage {
                kind: LinkageKind::SharedId,
                value_ids: vec![value_id(hash)],
                values: show_values.then(|| group.value.map(str::to_owned).into_iter().collect()),
                category: Category::PersistentId,
                rules: group.rules.iter().map(|r| (*r).to_owned()).collect(),
                recipients: names.iter().map(|n| (*n).to_owned()).collect(),
                requests,
                distinct_sets: None,
                why,
            },
        ));
    }
    // Most recipients, most requests, then the order the values were first seen in (unique
    // to each value): an order that does not depend on the value ids' random key.
    out.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.2.requests.cmp(&a.2.requests))
            .then(a.1.cmp(&b.1))
    });
    out.into_iter().map(|(_, _, l)| l).collect()
}

fn fingerprint_links(
    leaks: &[LeakView<'_>],
    fingerprints: &FingerprintSets,
    show_values: bool,
) -> Vec<Linkage> {
    let distinct = fingerprints.distinct();
    let mut rule_names: HashMap<u32, &str> = HashMap::new();
    let mut values: HashMap<u128, &str> = HashMap::new();
    // Where each value was first seen: members are listed in that order, not by their hash.
    let mut first_seen: HashMap<u128, usize> = HashMap::new();
    for (at, leak) in leaks
        .iter()
        .enumerate()
        .filter(|(_, l)| l.category == Category::DeviceFingerprint)
    {
        rule_names.insert(leak.rule, leak.rule_id);
        first_seen.entry(leak.hash).or_insert(at);
        if let Some(value) = leak.value {
            values.insert(leak.hash, value);
        }
    }
    // A set seen in a request without an id is matched against every set that contains it:
    // requests with an id that carry the same device values tie the id-less ones to it.
    let all: Vec<&FingerprintSet> = fingerprints.sets.values().collect();
    let mut found: Vec<(usize, &FingerprintSet, Linkage)> = Vec::new();
    for set in all.iter().filter(|s| s.without_id >= 1) {
        let mut requests = 0;
        let mut with_id = 0;
        let mut recipients: BTreeSet<&str> = BTreeSet::new();
        // Past MAX_COMPARED sets only a set itself is matched (the map is keyed by its
        // members): no pairs are compared.
        let compare = all.len() <= MAX_COMPARED;
        let matching: Vec<&FingerprintSet> = if compare {
            all.iter()
                .copied()
                .filter(|o| is_subset(&set.members, &o.members))
                .collect()
        } else {
            vec![*set]
        };
        for other in matching {
            requests += other.requests;
            with_id += other.requests - other.without_id;
            recipients.extend(other.recipients.iter().map(String::as_str));
        }
        if requests < 2 {
            continue;
        }
        let rules: BTreeSet<&str> = set
            .members
            .iter()
            .filter_map(|(rule, _)| rule_names.get(rule).copied())
            .collect();
        let recipients: Vec<&str> = recipients.into_iter().collect();
        let mut members = set.members.clone();
        members.sort_by_key(|(_, hash)| first_seen.get(hash).copied().unwrap_or(usize::MAX));
        let others = match distinct {
            1 => "the only such set in the capture".to_owned(),
            n => format!("the capture holds {n} distinct sets"),
        };
        let ids = match with_id {
            0 => format!("none of them carries an id; {others}"),
            n => format!(
                "{} of them carry no id, {n} carry one, which ties the others to it too; {others}",
                requests - with_id
            ),
        };
        let why = format!(
            "{requests} requests to {} carry the same {} device values; {ids}",
            join_names(&recipients),
            set.members.len(),
        );
        found.push((
            requests,
            set,
            Linkage {
                kind: LinkageKind::Fingerprint,
                value_ids: members.iter().map(|(_, h)| value_id(*h)).collect(),
                values: show_values.then(|| {
                    members
                        .iter()
                        .map(|(_, h)| values.get(h).copied().unwrap_or_default().to_owned())
                        .collect()
                }),
                category: Category::DeviceFingerprint,
                rules: rules.iter().map(|r| (*r).to_owned()).collect(),
                recipients: recipients.iter().map(|r| (*r).to_owned()).collect(),
                requests,
                distinct_sets: Some(distinct),
                why,
            },
        ));
    }
    found.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.first_request.cmp(&b.1.first_request))
    });
    found.into_iter().map(|(_, _, l)| l).collect()
}

/// Whether every element of the sorted `small` is in the sorted `large`.
fn is_subset(small: &[(u32, u128)], large: &[(u32, u128)]) -> bool {
    // Both are sorted by value hash.
    let mut large = large.iter();
    small.iter().all(|s| large.any(|l| l.1 == s.1))
}

/// `A`, `A and B`, `A, B and C`.
fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

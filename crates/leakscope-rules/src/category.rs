//! The fixed vocabulary of leak categories and severities (see the contract).

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What kind of information leaks. Kebab-case in every output; the set is part of the
/// user-facing contract and only changes on purpose.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// A page the user visited, or came from.
    BrowsingHistory,
    /// What the user searched for.
    SearchQuery,
    /// An identifier that outlives a request and follows the device or user.
    PersistentId,
    /// Device attributes that together narrow a device down.
    DeviceFingerprint,
    /// The network the device is on.
    Network,
    /// Where the device is.
    Location,
    /// Who the user is: email, phone, name, or their hashes.
    Contact,
    /// Which other apps are installed.
    InstalledApps,
    /// The request says it was made in incognito / private mode.
    PrivateMode,
    /// A value the user told us to look for.
    KnownValue,
}

impl Category {
    /// Every category, in the contract's order.
    pub const ALL: [Category; 10] = [
        Category::BrowsingHistory,
        Category::SearchQuery,
        Category::PersistentId,
        Category::DeviceFingerprint,
        Category::Network,
        Category::Location,
        Category::Contact,
        Category::InstalledApps,
        Category::PrivateMode,
        Category::KnownValue,
    ];

    /// The kebab-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::BrowsingHistory => "browsing-history",
            Category::SearchQuery => "search-query",
            Category::PersistentId => "persistent-id",
            Category::DeviceFingerprint => "device-fingerprint",
            Category::Network => "network",
            Category::Location => "location",
            Category::Contact => "contact",
            Category::InstalledApps => "installed-apps",
            Category::PrivateMode => "private-mode",
            Category::KnownValue => "known-value",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown category `{s}`"))
    }
}

/// How bad a finding is. Ordered: `Low < Medium < High < Critical`, so `--fail-on` can compare.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Narrows a device down only together with other values.
    Low,
    /// Identifies or profiles, but is expected by many users.
    Medium,
    /// Reveals what the user did or ties their activity together.
    High,
    /// Reveals who the user is.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown severity `{s}` (low, medium, high, critical)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for category in Category::ALL {
            assert_eq!(category.as_str().parse::<Category>(), Ok(category));
        }
        for severity in Severity::ALL {
            assert_eq!(severity.as_str().parse::<Severity>(), Ok(severity));
        }
        assert!("browsing_history".parse::<Category>().is_err());
    }

    #[test]
    fn severities_are_ordered() {
        assert!(Severity::Low < Severity::Medium);
        assert!(Severity::High < Severity::Critical);
    }
}

//! The fixed vocabulary of leak categories and severities (see the contract).

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Gives a vocabulary its names from one table: `ALL` (every value, in the table's order),
/// `as_str` (the name used in every output, as serde writes it), `Display`, and `FromStr`,
/// whose error for an unknown name is `unknown` with the name in it.
macro_rules! names {
    (
        $(#[$all_doc:meta])*
        $type:ident::ALL, unknown: $unknown:literal {
            $($variant:ident => $name:literal,)+
        }
    ) => {
        impl $type {
            $(#[$all_doc])*
            pub const ALL: [$type; [$($name),+].len()] = [$($type::$variant),+];

            /// The name used in every output.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($type::$variant => $name,)+
                }
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $type {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $type::ALL
                    .into_iter()
                    .find(|value| value.as_str() == s)
                    .ok_or_else(|| format!($unknown, s))
            }
        }
    };
}

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

names! {
    /// Every category, in the contract's order.
    Category::ALL, unknown: "unknown category `{}`" {
        BrowsingHistory => "browsing-history",
        SearchQuery => "search-query",
        PersistentId => "persistent-id",
        DeviceFingerprint => "device-fingerprint",
        Network => "network",
        Location => "location",
        Contact => "contact",
        InstalledApps => "installed-apps",
        PrivateMode => "private-mode",
        KnownValue => "known-value",
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

names! {
    /// Every severity, lowest first.
    Severity::ALL, unknown: "unknown severity `{}` (low, medium, high, critical)" {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        // The names are the ones rule files use (serde's).
        fn serde_name(value: impl Serialize) -> Option<String> {
            toml::Value::try_from(value)
                .ok()?
                .as_str()
                .map(String::from)
        }
        for category in Category::ALL {
            assert_eq!(category.as_str().parse::<Category>(), Ok(category));
            assert_eq!(serde_name(category).as_deref(), Some(category.as_str()));
        }
        for severity in Severity::ALL {
            assert_eq!(severity.as_str().parse::<Severity>(), Ok(severity));
            assert_eq!(serde_name(severity).as_deref(), Some(severity.as_str()));
        }
        assert_eq!(
            "browsing_history".parse::<Category>(),
            Err("unknown category `browsing_history`".to_owned())
        );
        assert_eq!(
            "severe".parse::<Severity>(),
            Err("unknown severity `severe` (low, medium, high, critical)".to_owned())
        );
    }

    #[test]
    fn severities_are_ordered() {
        assert!(Severity::Low < Severity::Medium);
        assert!(Severity::High < Severity::Critical);
    }
}

//! What request headers mean: protocol noise, the page a request came from, or what the
//! device is. The policy is data, `rules/headers.toml`; this module reads and applies it.
//!
//! Headers are not fields an app chose to send, so key rules would either drown in them
//! (`Accept`, `Connection`) or miss what they carry: a `Referer` that tells a tracker which page
//! of a health site the user was on, a `User-Agent` that names the phone model. Those only
//! matter when a third party receives them, which the scanner knows and this module does not:
//! it says what a header *is*, and what it reveals.

use regex::Regex;
use rustc_hash::FxHashSet;
use serde::Deserialize;

/// What a request header is, for the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderRole {
    /// Sent by every client as part of HTTP: rules do not run on it.
    Protocol,
    /// Names the page the request was made from (`Referer`, `Origin`).
    Page,
    /// Describes the device or its software (`User-Agent`, client hints).
    Device,
    /// Anything else: examined like any field.
    Field,
}

/// Why a [`HeaderPolicy`] could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HeaderPolicyError {
    /// The file is not TOML of the expected shape.
    #[error("{origin}: {message}")]
    Toml {
        /// Where the policy came from.
        origin: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A User-Agent pattern does not compile.
    #[error("{origin}: user-agent pattern for {what}: {error}")]
    Pattern {
        /// Where the policy came from.
        origin: String,
        /// The pattern's `what`.
        what: String,
        /// The regex error.
        error: Box<regex::Error>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    protocol: Vec<String>,
    protocol_prefixes: Vec<String>,
    page: Vec<String>,
    device: Vec<DeviceFile>,
    #[serde(rename = "user-agent")]
    user_agent: Vec<UserAgentFile>,
    cookies: CookiesFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceFile {
    header: String,
    reveals: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserAgentFile {
    what: String,
    pattern: String,
    #[serde(default)]
    frozen: Frozen,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Frozen {
    #[serde(default)]
    os: Vec<String>,
    #[serde(default)]
    model: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CookiesFile {
    not_ids: Vec<String>,
}

#[derive(Debug)]
struct UserAgentPattern {
    what: String,
    pattern: Regex,
    frozen: Frozen,
}

/// The header policy: which headers are protocol, page or device headers, and what a
/// User-Agent reveals.
#[derive(Debug)]
pub struct HeaderPolicy {
    protocol: FxHashSet<String>,
    protocol_prefixes: Vec<String>,
    page: FxHashSet<String>,
    device: Vec<(String, String)>,
    user_agent: Vec<UserAgentPattern>,
    cookie_not_ids: Vec<String>,
}

impl HeaderPolicy {
    /// Read a policy from TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<HeaderPolicy, HeaderPolicyError> {
        let file: File = toml::from_str(text).map_err(|e| HeaderPolicyError::Toml {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        let lower = |names: Vec<String>| names.into_iter().map(|n| n.to_ascii_lowercase());
        let user_agent = file
            .user_agent
            .into_iter()
            .map(|ua| {
                let pattern =
                    Regex::new(&ua.pattern).map_err(|error| HeaderPolicyError::Pattern {
                        origin: origin.to_owned(),
                        what: ua.what.clone(),
                        error: Box::new(error),
                    })?;
                Ok(UserAgentPattern {
                    what: ua.what,
                    pattern,
                    frozen: ua.frozen,
                })
            })
            .collect::<Result<_, HeaderPolicyError>>()?;
        Ok(HeaderPolicy {
            protocol: lower(file.protocol).collect(),
            protocol_prefixes: lower(file.protocol_prefixes).collect(),
            page: lower(file.page).collect(),
            device: file
                .device
                .into_iter()
                .map(|d| (d.header.to_ascii_lowercase(), d.reveals))
                .collect(),
            user_agent,
            cookie_not_ids: lower(file.cookies.not_ids).collect(),
        })
    }

    /// The built-in policy, `rules/headers.toml`, read once.
    pub fn builtin() -> &'static HeaderPolicy {
        builtin_data!(HeaderPolicy, "rules/headers.toml")
    }

    /// What the header called `name` is.
    pub fn role(&self, name: &str) -> HeaderRole {
        let lower = name.to_ascii_lowercase();
        if self.page.contains(&lower) {
            HeaderRole::Page
        } else if self.device.iter().any(|(header, _)| *header == lower) {
            HeaderRole::Device
        } else if self.protocol.contains(&lower)
            || self.protocol_prefixes.iter().any(|p| lower.starts_with(p))
        {
            HeaderRole::Protocol
        } else {
            HeaderRole::Field
        }
    }

    /// What a device header reveals, said for a report without the values themselves (a
    /// report may be shared, and the model is part of the value): "the User-Agent names the
    /// Android version and the device model". `None` when it reveals no model or OS version (a
    /// reduced User-Agent, an empty client hint, a header that is not a device header).
    pub fn device_reveals(&self, name: &str, value: &str) -> Option<String> {
        let lower = name.to_ascii_lowercase();
        let (_, reveals) = self.device.iter().find(|(header, _)| *header == lower)?;
        if lower == "user-agent" {
            let mut kinds: Vec<String> = Vec::new();
            for (what, os, model) in self.user_agent_parts(value) {
                for kind in [
                    os.map(|_| format!("the {what} version")),
                    model.map(|_| "the device model".to_owned()),
                ]
                .into_iter()
                .flatten()
                {
                    if !kinds.contains(&kind) {
                        kinds.push(kind);
                    }
                }
            }
            if kinds.is_empty() {
                return None;
            }
            return Some(format!("{reveals} names {}", kinds.join(" and ")));
        }
        let bare = value.trim().trim_matches('"').trim();
        (!bare.is_empty()).then(|| reveals.clone())
    }

    /// What a User-Agent reveals beyond its frozen values, with the values:
    /// `Android 13, model SM-A536B`. For a person looking at one value; reports say
    /// [`HeaderPolicy::device_reveals`].
    pub fn user_agent_reveals(&self, user_agent: &str) -> Option<String> {
        let mut found: Vec<String> = Vec::new();
        for (what, os, model) in self.user_agent_parts(user_agent) {
            let said = match (os, model) {
                (Some(os), Some(model)) => format!("{what} {os}, model {model}"),
                (Some(os), None) => format!("{what} {os}"),
                (None, Some(model)) => format!("model {model}"),
                (None, None) => continue,
            };
            if !found.contains(&said) {
                found.push(said);
            }
        }
        (!found.is_empty()).then(|| found.join("; "))
    }

    /// Each pattern's (what, OS version, model) in a User-Agent, frozen values left out.
    fn user_agent_parts<'u>(
        &'u self,
        user_agent: &'u str,
    ) -> impl Iterator<Item = (&'u str, Option<&'u str>, Option<&'u str>)> + 'u {
        self.user_agent.iter().filter_map(move |ua| {
            let captures = ua.pattern.captures(user_agent)?;
            let os = captures
                .name("os")
                .map(|m| m.as_str())
                .filter(|os| !ua.frozen.os.iter().any(|f| f == os));
            let model = captures
                .name("model")
                .map(|m| m.as_str().trim())
                .filter(|model| !model.is_empty() && !ua.frozen.model.iter().any(|f| f == model));
            (os.is_some() || model.is_some()).then_some((ua.what.as_str(), os, model))
        })
    }

    /// Whether a cookie of this name may hold an identifier (consent records do not, however
    /// random they look).
    pub fn cookie_may_be_id(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        !self
            .cookie_not_ids
            .iter()
            .any(|n| lower.contains(n.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> &'static HeaderPolicy {
        HeaderPolicy::builtin()
    }

    #[test]
    fn headers_have_roles() {
        for (header, role) in [
            ("Referer", HeaderRole::Page),
            ("origin", HeaderRole::Page),
            ("User-Agent", HeaderRole::Device),
            ("Sec-CH-UA-Model", HeaderRole::Device),
            ("Sec-Fetch-Dest", HeaderRole::Protocol),
            ("Accept-Language", HeaderRole::Protocol),
            (":authority", HeaderRole::Protocol),
            ("X-Device-Id", HeaderRole::Field),
        ] {
            assert_eq!(policy().role(header), role, "{header}");
        }
    }

    /// User-Agents and what they say about the device; reduced ones say nothing.
    #[test]
    fn user_agents_reveal_models_and_versions_unless_reduced() {
        for (user_agent, reveals) in [
            (
                "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) \
                 AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0 Mobile Safari/537.36",
                Some("Android 13, model SM-A536B"),
            ),
            (
                "Dalvik/2.1.0 (Linux; U; Android 11; Redmi Note 8 Pro MIUI/V12.0.3.0.RGGMIXM)",
                Some(
                    "Android 11, model Redmi Note 8 Pro MIUI/V12.0.3.0.RGGMIXM; MIUI V12.0.3.0.RGGMIXM",
                ),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15",
                Some("iOS 17_1_2"),
            ),
            (
                "Health/4.2 (iPhone14,2; iOS 16.1; Scale/3.00)",
                Some("iOS 16.1, model iPhone14,2"),
            ),
            (
                "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36",
                Some("Windows 6.1"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
                None,
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                None,
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                None,
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
                None,
            ),
            ("okhttp/4.9.0", None),
        ] {
            assert_eq!(
                policy().user_agent_reveals(user_agent).as_deref(),
                reveals,
                "{user_agent}"
            );
        }
    }

    /// Device headers and what they reveal, said without the values (a report may be shared).
    #[test]
    fn client_hints_reveal_when_not_empty() {
        for (header, value, reveals) in [
            (
                "Sec-CH-UA-Model",
                "\"Pixel 7\"",
                Some("the device model (client hint)"),
            ),
            ("Sec-CH-UA-Model", "\"\"", None),
            ("X-Model", "Pixel 7", None),
            (
                "user-agent",
                "Mozilla/5.0 (Linux; Android 14; Pixel 7)",
                Some("the User-Agent names the Android version and the device model"),
            ),
            (
                "User-Agent",
                "Mozilla/5.0 (Windows NT 6.1; Win64; x64)",
                Some("the User-Agent names the Windows version"),
            ),
        ] {
            assert_eq!(
                policy().device_reveals(header, value).as_deref(),
                reveals,
                "{header}: {value}"
            );
        }
    }

    #[test]
    fn consent_cookies_are_not_ids() {
        assert!(!policy().cookie_may_be_id("OptanonConsent"));
        assert!(!policy().cookie_may_be_id("euconsent-v2"));
        assert!(policy().cookie_may_be_id("uid"));
    }

    #[test]
    fn a_broken_policy_names_its_file() {
        let error = HeaderPolicy::from_toml("protocol = 3", "mine.toml").unwrap_err();
        assert!(error.to_string().starts_with("mine.toml: "), "{error}");
        let bad_pattern = include_str!("../rules/headers.toml")
            .replace(r"pattern = '\bWindows NT", r"pattern = '(\bWindows NT");
        let error = HeaderPolicy::from_toml(&bad_pattern, "mine.toml").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("mine.toml: user-agent pattern for Windows"),
            "{error}"
        );
    }
}

//! What a shared report may show of a request's URL.

use leakscope_codecs::url::Url;
use leakscope_report::looks_like_a_value;

/// A URL fit for a shared report: no query string or fragment (they often are the leak), no
/// user name or password, and the path segments that leaked (counted as the HTTP layer counts
/// them: non-empty segments from 0) or that look like values (ids, e-mail addresses) replaced
/// by `…`.
pub(super) fn shareable_url(url: &str, leaking_segments: &[usize]) -> String {
    let url = Url::parse(url);
    let mut segment = 0;
    let path: Vec<&str> = url
        .path()
        .split('/')
        .map(|part| {
            if part.is_empty() {
                return part;
            }
            let shown = if leaking_segments.contains(&segment) || looks_like_a_value(part) {
                "…"
            } else {
                part
            };
            segment += 1;
            shown
        })
        .collect();
    match (url.scheme(), url.host_and_port()) {
        (Some(scheme), Some(host)) => format!("{scheme}://{host}{}", path.join("/")),
        _ => path.join("/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_urls_lose_query_userinfo_and_leaking_segments() {
        for (url, leaking, shared) in [
            (
                "https://user:token@api.x.com/v1/users/jane@example.com/profile?a=1#f",
                &[2][..],
                "https://api.x.com/v1/users/…/profile",
            ),
            (
                "https://t.example.com/c?dl=x",
                &[],
                "https://t.example.com/c",
            ),
            ("https://t.example.com", &[0], "https://t.example.com"),
            (
                "https://api.x.com/v1/devices/9774d56d682e549c/events",
                &[],
                "https://api.x.com/v1/devices/…/events",
            ),
            ("/relative/imei/490154203237518", &[2], "/relative/imei/…"),
        ] {
            assert_eq!(shareable_url(url, leaking), shared, "{url}");
        }
    }
}

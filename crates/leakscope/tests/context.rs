//! The user's own data wherever it goes: what they typed, searched and visited on the first
//! party's site, found again (plain, encoded or hashed) in what third parties receive; the
//! `Referer`, `User-Agent` and cookies third parties get; the values a user asks for; private
//! mode.

mod common;

use std::io::Write;

use common::leaks_by;
use leakscope::known::KnownValue;
use leakscope::report::{Leak, Party};
use leakscope::{Category, Input, Report, ScanOptions, Scanner};
use sha2::{Digest, Sha256};

fn har(entries: &[String]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(
        file,
        r#"{{"log": {{"version": "1.2", "entries": [{}]}}}}"#,
        entries.join(",")
    )
    .unwrap();
    file
}

/// A HAR entry: method, URL, headers as (name, value), and a form body.
fn entry(method: &str, url: &str, headers: &[(&str, &str)], form: Option<&str>) -> String {
    let headers: Vec<serde_json::Value> = headers
        .iter()
        .map(|(n, v)| serde_json::json!({"name": n, "value": v}))
        .collect();
    let mut request = serde_json::json!({"method": method, "url": url, "headers": headers});
    if let Some(body) = form {
        request["postData"] = serde_json::json!({
            "mimeType": "application/x-www-form-urlencoded", "text": body});
    }
    serde_json::json!({ "request": request }).to_string()
}

const PAGE: &str = "https://www.example-helpline.org/get-help/contact?topic=self-harm";
const UA: &str = "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) \
                  AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0 Mobile Safari/537.36";

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A GET of `url` from a page of `site` (its `Origin`).
fn get_from(site: &str, url: &str) -> String {
    entry("GET", url, &[("Origin", site)], None)
}

fn document(url: &str) -> String {
    entry(
        "GET",
        url,
        &[("Sec-Fetch-Dest", "document"), ("User-Agent", UA)],
        None,
    )
}

/// The contact-form case: the page, its form post, then a pixel with the hashed email.
fn contact_form_session() -> Vec<String> {
    vec![
        document(PAGE),
        entry(
            "POST",
            "https://www.example-helpline.org/get-help/contact",
            &[
                ("Sec-Fetch-Dest", "document"),
                ("Origin", "https://www.example-helpline.org"),
                ("Referer", PAGE),
            ],
            Some(
                "name=Jane+Doe&email=Jane.Doe%40example.org&phone=%2B1+%28207%29+555-0142&message=hello",
            ),
        ),
        entry(
            "GET",
            &format!(
                "https://www.facebook.com/tr/?id=1234&ev=SubmitForm&udff[em]={}&udff[ph]={}&udff[fn]={}",
                sha256_hex("jane.doe@example.org"),
                sha256_hex("12075550142"),
                sha256_hex("jane")
            ),
            &[("Referer", PAGE), ("Sec-Fetch-Dest", "image")],
            None,
        ),
    ]
}

fn scan_with(entries: &[String], options: ScanOptions, known: Vec<KnownValue>) -> Report {
    let file = har(entries);
    let scan = Scanner::builtin(options)
        .with_known_values(known)
        .unwrap()
        .scan_inputs(&[Input::Path(file.path().to_owned())]);
    assert!(scan.input_errors.is_empty(), "{:?}", scan.input_errors);
    scan.report
}

fn scan(entries: &[String]) -> Report {
    scan_with(entries, ScanOptions::default(), Vec::new())
}

#[test]
fn what_the_user_typed_is_found_hashed_in_a_third_partys_pixel() {
    let report = scan(&contact_form_session());
    assert_eq!(report.first_party.domains, ["example-helpline.org"]);
    let typed = leaks_by(&report, "context.typed");
    let evidence: Vec<&str> = typed.iter().filter_map(|l| l.evidence.as_deref()).collect();
    assert_eq!(typed.len(), 3, "{evidence:#?}");
    for leak in &typed {
        assert_eq!(leak.recipient.host, "www.facebook.com");
        assert_eq!(leak.category, Category::Contact);
        assert_eq!(leak.requests, [2]);
    }
    assert!(
        evidence.contains(
            &"SHA-256 (hex) of the email typed into the form posted to www.example-helpline.org \
              in request #1, field `email`, trimmed and lowercased"
        ),
        "{evidence:#?}"
    );
    assert!(
        evidence.iter().any(|e| e
            .starts_with("SHA-256 (hex) of the phone number typed into the form")
            && e.contains("with the country code")),
        "{evidence:#?}"
    );
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("SHA-256 (hex) of a part of the name typed")),
        "{evidence:#?}"
    );
}

#[test]
fn the_users_own_post_to_the_site_is_not_a_context_leak() {
    let report = scan(&contact_form_session());
    let context: Vec<&Leak> = report
        .leaks
        .iter()
        .filter(|l| l.rule.starts_with("context."))
        .collect();
    assert!(!context.is_empty());
    assert!(context.iter().all(|l| l.recipient.party == Party::Third));
    // The post itself (request 1) is the first party's, and reported as such by the rules.
    assert!(
        report
            .leaks
            .iter()
            .filter(|l| l.requests.contains(&1))
            .all(|l| l.recipient.party == Party::First && !l.rule.starts_with("context."))
    );
}

#[test]
fn no_context_turns_it_off() {
    let report = scan_with(
        &contact_form_session(),
        ScanOptions {
            no_context: true,
            ..ScanOptions::default()
        },
        Vec::new(),
    );
    assert!(leaks_by(&report, "context.typed").is_empty());
    // The first party is still told, for the headers.
    assert_eq!(report.first_party.domains, ["example-helpline.org"]);
}

#[test]
fn a_page_reaching_a_third_party_only_by_referer_is_browsing_history() {
    let font = entry(
        "GET",
        "https://fonts.example-cdn.net/roboto.woff2",
        &[("Referer", PAGE), ("Sec-Fetch-Dest", "font")],
        None,
    );
    let home_font = entry(
        "GET",
        "https://fonts.example-cdn.net/roboto-bold.woff2",
        &[("Referer", "https://www.example-helpline.org/")],
        None,
    );
    let own_css = entry(
        "GET",
        "https://www.example-helpline.org/site.css",
        &[("Referer", PAGE)],
        None,
    );
    let report = scan(&[document(PAGE), font, home_font, own_css]);
    let referer = leaks_by(&report, "header.referer");
    assert_eq!(referer.len(), 1, "{referer:#?}");
    assert_eq!(referer[0].recipient.host, "fonts.example-cdn.net");
    assert_eq!(referer[0].category, Category::BrowsingHistory);
    assert_eq!(referer[0].requests, [1]);
    assert_eq!(referer[0].locations[0].location, "header[Referer]");
}

#[test]
fn a_user_agent_naming_the_phone_is_one_fingerprint_per_recipient() {
    let beacon = |n: usize| {
        entry(
            "GET",
            &format!("https://stats.example-tracker.com/b?n={n}"),
            &[
                ("User-Agent", UA),
                ("Referer", "https://www.example-helpline.org/"),
            ],
            None,
        )
    };
    let reduced = entry(
        "GET",
        "https://other.example-ads.net/p",
        &[(
            "User-Agent",
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
        )],
        None,
    );
    let report = scan(&[
        document("https://www.example-helpline.org/"),
        beacon(1),
        beacon(2),
        beacon(3),
        reduced,
    ]);
    let device = leaks_by(&report, "header.device");
    assert_eq!(device.len(), 1, "{device:#?}");
    assert_eq!(device[0].recipient.host, "stats.example-tracker.com");
    assert_eq!(device[0].requests, [1, 2, 3]);
    assert_eq!(
        device[0].evidence.as_deref(),
        Some("the User-Agent names the Android version and the device model")
    );
}

#[test]
fn a_third_partys_id_cookie_is_a_persistent_id_but_not_its_consent_cookie() {
    let sync = entry(
        "GET",
        "https://sync.example-adnet.com/match?partner=dsp",
        &[
            (
                "Cookie",
                "vis=a1B2c3D4e5F6g7H8i9J0kL; euconsent-v2=CPxyz0123456789AAAA; lang=en",
            ),
            ("Referer", "https://www.example-helpline.org/"),
        ],
        None,
    );
    let report = scan(&[document("https://www.example-helpline.org/"), sync]);
    let cookies = leaks_by(&report, "cookie.id");
    assert_eq!(cookies.len(), 1, "{:#?}", report.leaks);
    assert_eq!(cookies[0].locations[0].location, "cookie[vis]");
    assert_eq!(cookies[0].category, Category::PersistentId);
    assert!(
        report
            .leaks
            .iter()
            .all(|l| l.locations[0].location != "cookie[euconsent-v2]")
    );
}

#[test]
fn a_first_party_cookie_id_and_search_found_at_a_third_party() {
    let search = "https://www.example-helpline.org/search?q=suicide+hotline+near+me";
    let own = entry(
        "GET",
        search,
        &[
            ("Sec-Fetch-Dest", "document"),
            ("Cookie", "_ga=GA1.1.1234567890.1700000000"),
        ],
        None,
    );
    let ga = entry(
        "POST",
        "https://region1.example-analytics.com/g/collect?v=2&ux=1234567890.1700000000&page=%2Fsearch%3Fq%3Dsuicide%2Bhotline%2Bnear%2Bme",
        &[("Origin", "https://www.example-helpline.org")],
        None,
    );
    let report = scan(&[own, ga]);
    let ids = leaks_by(&report, "context.first-party-id");
    assert_eq!(ids.len(), 1, "{:#?}", report.leaks);
    assert_eq!(
        ids[0].evidence.as_deref(),
        Some("the first-party cookie `_ga` sent to www.example-helpline.org in request #0")
    );
    assert!(
        report
            .leaks
            .iter()
            .any(|l| l.category == Category::SearchQuery
                && l.recipient.host == "region1.example-analytics.com"),
        "{:#?}",
        report.leaks
    );
}

#[test]
fn known_values_are_found_in_any_form_and_absent_ones_report_nothing() {
    let id = "38400000-8cf0-11bd-b23e-10b96e40000d";
    let b64 = base64_of(id);
    let ping = entry(
        "GET",
        &format!("https://t.example-sdk.io/e?blob={b64}&h={}", sha256_hex(id)),
        &[],
        None,
    );
    let known = vec![
        KnownValue {
            label: "my advertising id".into(),
            category: Category::PersistentId,
            value: id.into(),
        },
        KnownValue {
            label: "never sent".into(),
            category: Category::KnownValue,
            value: "nowhere-to-be-found-42".into(),
        },
    ];
    let report = scan_with(&[ping], ScanOptions::default(), known);
    let found = leaks_by(&report, "known-value");
    let evidence: Vec<&str> = found.iter().filter_map(|l| l.evidence.as_deref()).collect();
    assert!(evidence.contains(&"'my advertising id'"), "{evidence:#?}");
    assert!(
        evidence.contains(&"SHA-256 (hex) of 'my advertising id'"),
        "{evidence:#?}"
    );
    assert!(found.iter().all(|l| l.category == Category::PersistentId));
    assert!(!evidence.iter().any(|e| e.contains("never sent")));
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[test]
fn private_mode_reports_ids_and_pages_again_as_private_mode() {
    let beacon = entry(
        "GET",
        &format!(
            "https://www.google-analytics.com/collect?v=1&cid=1234567890.1700000000&dl={}",
            PAGE.replace(':', "%3A")
                .replace('/', "%2F")
                .replace('?', "%3F")
        ),
        &[],
        None,
    );
    let report = scan_with(
        &[beacon],
        ScanOptions {
            private_mode: true,
            first_party: vec!["example-helpline.org".into()],
            ..ScanOptions::default()
        },
        Vec::new(),
    );
    let private: Vec<&str> = report
        .leaks
        .iter()
        .filter(|l| l.category == Category::PrivateMode)
        .map(|l| l.rule.as_str())
        .collect();
    assert!(
        private.contains(&"private-mode.persistent-id"),
        "{private:?}"
    );
    assert!(
        private.contains(&"private-mode.browsing-history"),
        "{private:?}"
    );
}

#[test]
fn an_email_in_a_bearer_token_is_a_leak() {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let token = format!(
        "{}.{}.c2lnbmF0dXJl",
        b64(r#"{"alg":"HS256","typ":"JWT"}"#),
        b64(r#"{"sub":"42","email":"jane.doe@example.org"}"#)
    );
    let call = entry(
        "POST",
        "https://api.example-analytics.com/v1/track",
        &[("Authorization", &format!("Bearer {token}"))],
        None,
    );
    let report = scan(&[call]);
    assert!(
        report.leaks.iter().any(|l| l.category == Category::Contact
            && l.locations[0]
                .location
                .starts_with("header[Authorization] > jwt")),
        "{:#?}",
        report.leaks
    );
}

#[test]
fn an_event_name_and_a_store_city_are_not_what_the_user_typed() {
    let site = "https://shop.example-store.com";
    let json_post = serde_json::json!({
        "request": {"method": "POST", "url": format!("{site}/api/events"),
            "headers": [{"name": "Origin", "value": site}, {"name": "Content-Type", "value": "application/json"}],
            "postData": {"mimeType": "application/json",
                "text": r#"{"name":"add_to_cart","city":"Portland","item":"Trail Runner Shoe"}"#}}
    })
    .to_string();
    let product = document(&format!("{site}/p?name=Trail+Runner+Shoe"));
    let ga = get_from(
        site,
        "https://www.google-analytics.com/g/collect?en=add_to_cart&ep.item=Trail%20Runner%20Shoe",
    );
    let weather = get_from(site, "https://api.example-weather.net/now?city=Portland");
    let report = scan(&[product, json_post, ga, weather]);
    assert_eq!(report.first_party.domains, ["example-store.com"]);
    assert!(
        leaks_by(&report, "context.typed").is_empty(),
        "{:#?}",
        report.leaks
    );
}

#[test]
fn a_short_search_counts_only_as_a_whole_field() {
    let site = "https://www.example-store.com";
    let searched = |term: &str| document(&format!("{site}/search?q={term}"));
    let font = get_from(site, "https://fonts.example-cdn.net/s/shoes/v1.woff2");
    let pixel = get_from(site, "https://t.example-ads.net/px?c1=shoes&c=red");
    let report = scan(&[searched("red"), searched("shoes"), font, pixel]);
    let search = leaks_by(&report, "context.search");
    // `red` is too short to look for; `shoes` is the whole `c1`, not a word in a path.
    assert_eq!(search.len(), 1, "{search:#?}");
    assert_eq!(search[0].locations[0].location, "query[c1]");
}

#[test]
fn a_known_value_in_text_that_is_not_utf8_is_reported_as_found() {
    let ping = entry(
        "GET",
        "https://t.example-sdk.io/e?comment=caf%E9+jane%40example.org+ok",
        &[],
        None,
    );
    let report = scan_with(
        &[ping],
        ScanOptions {
            show_values: true,
            ..ScanOptions::default()
        },
        vec![KnownValue {
            label: "my email".into(),
            category: Category::Contact,
            value: "jane@example.org".into(),
        }],
    );
    let known = leaks_by(&report, "known-value");
    assert_eq!(known.len(), 1, "{known:#?}");
    assert_eq!(known[0].value.as_deref(), Some("jane@example.org"));
}

#[test]
fn known_values_are_looked_for_in_every_header_and_the_host() {
    let id = "u-77812345";
    let email = "jane@example.org";
    let md5_of_email = "2ab0ac5a7e2a1b7d4c1c6b7e0c1c5b52"; // not the real digest: a decoy
    let requests = [
        entry(
            "GET",
            "https://www.example-store.com/account",
            &[
                ("User-Agent", &format!("StoreApp/2.1 ({id})")),
                (
                    "Referer",
                    &format!("https://www.example-store.com/login?email={email}"),
                ),
            ],
            None,
        ),
        entry(
            "GET",
            &format!("https://{md5_of_email}.example-cdn.net/x"),
            &[],
            None,
        ),
    ];
    let known = vec![
        KnownValue {
            label: "my id".into(),
            category: Category::PersistentId,
            value: id.into(),
        },
        KnownValue {
            label: "my email".into(),
            category: Category::Contact,
            value: email.into(),
        },
    ];
    let report = scan_with(&requests, ScanOptions::default(), known);
    let places: Vec<&str> = leaks_by(&report, "known-value")
        .iter()
        .map(|l| l.locations[0].location.as_str())
        .collect();
    assert!(places.contains(&"header[User-Agent]"), "{places:?}");
    assert!(places.contains(&"header[Referer]"), "{places:?}");
    // A digest of another value in the host is nothing.
    assert!(!places.contains(&"host"), "{places:?}");
}

#[test]
fn a_hashed_known_value_in_the_host_is_found() {
    let digest = format!("{:x}", md5_of("jane@example.org"));
    let report = scan_with(
        &[entry(
            "GET",
            &format!("https://{digest}.example-cdn.net/x"),
            &[],
            None,
        )],
        ScanOptions::default(),
        vec![KnownValue {
            label: "my email".into(),
            category: Category::Contact,
            value: "jane@example.org".into(),
        }],
    );
    let known = leaks_by(&report, "known-value");
    assert_eq!(known.len(), 1, "{:#?}", report.leaks);
    assert_eq!(known[0].locations[0].location, "host");
    assert_eq!(
        known[0].evidence.as_deref(),
        Some("MD5 (hex) of 'my email'")
    );
}

fn md5_of(text: &str) -> u128 {
    use md5::Digest as _;
    u128::from_be_bytes(md5::Md5::digest(text.as_bytes()).into())
}

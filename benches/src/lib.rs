//! Payload generators shared by the benchmarks: realistic telemetry of a chosen size, made
//! here so a bench measures the same shapes the tool meets in captures.

use std::io::Write;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A Sensors Analytics batch (JSON array of events, as Xiaomi's browsers sent) of about
/// `target` bytes of JSON.
pub fn sensors_events_json(target: usize) -> Vec<u8> {
    let mut events = Vec::new();
    let mut size = 2;
    let mut i = 0u64;
    while size < target {
        let event = serde_json::json!({
            "_track_id": 1_934_012_784u64 + i * 7919,
            "time": 1_588_155_300_000u64 + i * 1000,
            "type": "track",
            "distinct_id": "0467ede7dcf0ee81",
            "lib": {"$lib": "Android", "$lib_version": "4.3.4", "$app_version": "12.10.1-gn"},
            "event": "page_view",
            "properties": {
                "$model": "Redmi Note 8 Pro", "$manufacturer": "Xiaomi", "$os": "Android",
                "$os_version": "10", "$screen_width": 1080, "$screen_height": 2340,
                "$wifi": true, "$network_type": "WIFI", "$carrier": "Vodafone",
                "miui_version": "V12.0.4.0.QGGMIXM", "incognito": true,
                "url": format!("https://www.example-news.com/2020/04/article-{i}.html"),
            }
        });
        size += event.to_string().len() + 1;
        events.push(event);
        i += 1;
    }
    serde_json::to_vec(&events).unwrap_or_default()
}

/// Base64 (standard alphabet, padded) of Sensors-style JSON text: `size` bytes of base64.
pub fn base64_of_json(size: usize) -> Vec<u8> {
    let text = sensors_events_json(size * 3 / 4 + 64);
    STANDARD.encode(&text[..size * 3 / 4]).into_bytes()
}

/// Values laid end to end in one buffer, as the leaves of a request lie in its body and query
/// string (52,000 separate allocations would measure cache misses instead).
pub struct Packed {
    /// The values, end to end.
    pub bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Packed {
    /// Lay `values` end to end.
    pub fn new(values: Vec<Vec<u8>>) -> Self {
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        for value in values {
            bytes.extend_from_slice(&value);
            ends.push(bytes.len());
        }
        Packed { bytes, ends }
    }

    /// The values, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| &self.bytes[start..end])
    }
}

/// Values with nothing to decode, as they fill most query strings and JSON documents: words,
/// numbers, timestamps, versions, ids, digests, URLs without a query. About `target` bytes in
/// all.
pub fn negative_values(target: usize) -> Vec<Vec<u8>> {
    const SAMPLES: &[&str] = &[
        "page_view",
        "1588155300000",
        "en-US",
        "1080",
        "true",
        "12.10.1-gn",
        "38400000-8cf0-11bd-b23e-10b96e40000d",
        "d41d8cd98f00b204e9800998ecf8427e",
        "https://www.example.com/path/to/page.html",
        "Redmi Note 8 Pro",
        "The quick brown fox jumps over the lazy dog",
        "GA1.2.1234567890.1588155300",
        "com.mi.globalbrowser",
        "2020-04-29T10:15:00.000Z",
    ];
    repeat_to(SAMPLES, target)
}

/// The samples, over and over, until they add up to at least `target` bytes.
fn repeat_to(samples: &[impl AsRef<str>], target: usize) -> Vec<Vec<u8>> {
    let mut values = Vec::new();
    let mut size = 0;
    for sample in samples.iter().cycle() {
        if size >= target {
            break;
        }
        size += sample.as_ref().len();
        values.push(sample.as_ref().as_bytes().to_vec());
    }
    values
}

/// Longer values with nothing to decode, as they fill page-content and debug fields: user
/// agents, page titles and descriptions, minified scripts and styles, long paths. About
/// `target` bytes in all; each value is 100 B to 2 KiB.
pub fn negative_long_values(target: usize) -> Vec<Vec<u8>> {
    let script = "function(e,t){if(!e)return null;var n=e.getAttribute(\"data-id\")||\"\";\
                  return n.length>t?n.slice(0,t)+\"...\":n}"
        .repeat(12);
    let style = ".nav{display:flex;gap:8px}.nav a{color:#0d6efd;text-decoration:none}\
                 @media(max-width:600px){.nav{flex-direction:column}}"
        .repeat(8);
    let samples = [
        "Mozilla/5.0 (Linux; Android 10; Redmi Note 8 Pro Build/QP1A.190711.020; wv) \
         AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/81.0.4044.138 Mobile \
         Safari/537.36 XiaoMi/MiuiBrowser/12.10.1-gn"
            .to_owned(),
        "Privacy is not something that I'm merely entitled to, it's an absolute prerequisite. \
         The article you are reading was updated on Wednesday morning with new figures from \
         the ministry, and a correction to the second paragraph."
            .to_owned(),
        script,
        style,
        "https://www.example-news.com/2020/04/29/world/europe/coronavirus-lockdown-easing-\
         what-we-know-so-far-live-updates.html"
            .to_owned(),
    ];
    repeat_to(&samples, target)
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_bytes(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    put_varint(out, field << 3 | 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// A Firebase-style batch: a protobuf message of about `target` bytes holding an app instance
/// id, the device model and OS version, and repeated events (name, timestamp, page URL).
pub fn firebase_protobuf(target: usize) -> Vec<u8> {
    let mut message = Vec::new();
    put_bytes(&mut message, 1, b"c2a7f1e0b9d84e5f8a6b3c2d1e0f9a8b");
    put_bytes(&mut message, 2, b"Redmi Note 8 Pro");
    put_bytes(&mut message, 3, b"10");
    let mut i = 0u64;
    while message.len() < target {
        let mut event = Vec::new();
        put_bytes(&mut event, 1, b"screen_view");
        put_varint(&mut event, 2 << 3);
        put_varint(&mut event, 1_588_155_300_000 + i);
        put_bytes(
            &mut event,
            3,
            format!("https://www.example-news.com/2020/04/article-{i}.html").as_bytes(),
        );
        put_bytes(&mut message, 4, &event);
        i += 1;
    }
    message
}

/// gzip with the default level.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// `base64(gzip(events))`: the `data_list` form field of a Sensors batch.
pub fn sensors_data_list(target: usize) -> Vec<u8> {
    STANDARD
        .encode(gzip(&sensors_events_json(target)))
        .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// The decode workloads, one function each, so that criterion (`benches/decode.rs`) and the
// best-of-batches timer (`decode_best_of`) time the same code.

/// A size as the benches label it: `64B`, `16KiB`, `1MiB`.
pub fn size_label(size: usize) -> String {
    match size {
        s if s >= 1 << 20 => format!("{}MiB", s >> 20),
        s if s >= 1 << 10 => format!("{}KiB", s >> 10),
        s => format!("{s}B"),
    }
}

/// Our base64 decoder on `input` as the unwrapper runs it (one profile for the sniff and the
/// decode, the plausibility check of the output): whether it was decoded.
pub fn base64_sniff_and_decode(input: &[u8]) -> bool {
    use leakscope::decode::decoders::Base64;
    use leakscope::decode::{Budget, Encoding, Layer, Profile};
    let mut budget = Budget::default();
    let profile = Profile::of(input);
    Base64.sniff(input, &profile) && Base64.peel(input, &profile, &mut budget).is_ok()
}

/// Every value of `values` unwrapped at `path` under `key`, one budget for them all (as one
/// request's leaves are): the number of leaves.
pub fn unwrap_each(
    unwrapper: &leakscope::decode::Unwrapper,
    path: &mut leakscope::decode::Path,
    key: Option<&str>,
    values: &Packed,
) -> usize {
    let mut budget = leakscope::decode::Budget::default();
    let mut leaves = 0usize;
    for value in values.iter() {
        unwrapper.unwrap_at(path, key, value, &mut budget, &mut |_| leaves += 1);
    }
    leaves
}

/// One payload unwrapped whole, found at `part` under `key`: the number of leaves.
pub fn unwrap_payload(
    unwrapper: &leakscope::decode::Unwrapper,
    part: &str,
    key: Option<&str>,
    payload: &[u8],
) -> usize {
    let mut budget = leakscope::decode::Budget::default();
    let mut leaves = 0usize;
    unwrapper.unwrap(
        leakscope::decode::Path::from_part(part),
        key,
        payload,
        &mut budget,
        &mut |_| leaves += 1,
    );
    leaves
}

// Capture generator: realistic traffic in HAR, raw HTTP/1.x or NDJSON, used by the
// `gen_capture` binary and by the capture benches. Deterministic (fixed seed) and streamed: one
// exchange is built, written and dropped at a time.

/// A capture format the generator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureKind {
    /// HAR 1.2, as DevTools exports it (requests with responses, `queryString`, `postData`).
    Har,
    /// Raw HTTP/1.x: requests and their responses, one after the other, as a TCP stream.
    Raw,
    /// NDJSON: one request object a line.
    Ndjson,
}

impl CaptureKind {
    /// Parse `har`, `raw` or `ndjson`.
    pub fn parse(name: &str) -> Option<CaptureKind> {
        match name {
            "har" => Some(CaptureKind::Har),
            "raw" | "http" => Some(CaptureKind::Raw),
            "ndjson" | "jsonl" => Some(CaptureKind::Ndjson),
            _ => None,
        }
    }
}

/// SplitMix64: a tiny deterministic generator, so captures are the same on every machine.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// One of a non-empty list of strings.
    pub fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        let picked: &&'static str = self.pick(items);
        picked
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        &items[i.min(items.len().saturating_sub(1))]
    }
}

/// One generated request with its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenExchange {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Scheme and host, e.g. `https://www.google-analytics.com`.
    pub origin: String,
    /// Path and query as sent on the request line.
    pub target: String,
    /// Query parameters, decoded (HAR `queryString`).
    pub query: Vec<(String, String)>,
    /// Request headers, `Host` first; `Content-Length` is added by the writers.
    pub headers: Vec<(&'static str, String)>,
    /// Request body as sent (possibly gzip-encoded or binary).
    pub body: Vec<u8>,
    /// Milliseconds since the start of the capture.
    pub started_ms: u64,
    /// Response Content-Type.
    pub response_type: &'static str,
    /// Response body (text).
    pub response_body: Vec<u8>,
}

impl GenExchange {
    /// The full URL.
    pub fn url(&self) -> String {
        format!("{}{}", self.origin, self.target)
    }

    /// The Content-Type of the request, if it has one.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .map(|(_, value)| value.as_str())
    }

    fn is_text_body(&self) -> bool {
        !self
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-encoding"))
            && std::str::from_utf8(&self.body).is_ok()
    }
}

/// Percent-encode everything but RFC 3986 unreserved characters.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3 / 2);
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A made-up person whose identifiers leak.
#[derive(Debug, Clone)]
struct GenUser {
    ga_cid: String,
    /// Google Analytics' `_gid`: a day's id, the same in every hit of the session.
    ga_gid: String,
    email: String,
    device_id: String,
    advertising_id: String,
    user_agent: &'static str,
    language: &'static str,
    screen: &'static str,
    lat: f64,
    lon: f64,
}

const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Linux; Android 10; Redmi Note 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 13_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:75.0) Gecko/20100101 Firefox/75.0",
];
const LANGUAGES: &[&str] = &["de-de", "en-us", "fr-fr", "en-gb", "es-es"];
const SCREENS: &[&str] = &["1080x2340", "1170x2532", "1920x1080", "2560x1440"];
const SITES: &[&str] = &[
    "https://www.example-news.com",
    "https://shop.example-store.de",
    "https://forum.example-health.org",
    "https://www.example-bank.com",
];
const PAGES: &[&str] = &[
    "/",
    "/2020/04/article-covid-tracing.html",
    "/cart",
    "/checkout/address",
    "/account/settings?tab=privacy",
    "/search?q=symptoms+fever",
    "/forum/thread/8841-depression-help",
    "/products/running-shoes-42",
];
const TITLES: &[&str] = &[
    "Home",
    "Article",
    "Your cart",
    "Checkout",
    "Settings",
    "Search results",
];
const EVENTS: &[&str] = &[
    "app_open",
    "page_view",
    "add_to_cart",
    "login",
    "search",
    "purchase",
];
const CARRIERS: &[&str] = &["Vodafone", "Telekom", "O2", "Orange"];
const APP_HOSTS: &[&str] = &[
    "https://api.example-app.com",
    "https://events.example-sdk.io",
];

/// Deterministic generator of realistic exchanges: Google-Analytics-style GET beacons with
/// `dl`/`dr`/`cid`/`sr`/`ul`, Sensors-style form POSTs with `data_list=base64(gzip(JSON))`,
/// JSON POSTs (a third gzip-encoded), plain asset GETs with a text response, and now and then a
/// large body of a few hundred KB (a JSON log upload or a multipart photo upload).
#[derive(Debug, Clone)]
pub struct ExchangeGen {
    rng: SplitMix64,
    count: u64,
    clock_ms: u64,
    large_every: u64,
    users: Vec<GenUser>,
    data_lists: Vec<String>,
    large_json: Vec<Vec<u8>>,
    script: Vec<u8>,
    assets_only: bool,
    telemetry_only: bool,
}

impl ExchangeGen {
    /// A generator with a fixed seed; one exchange in `large_every` carries a large body
    /// (`0`: never).
    pub fn new(seed: u64, large_every: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let users = (0..64)
            .map(|i| GenUser {
                ga_cid: format!(
                    "{}.{}",
                    1_000_000_000 + rng.below(1_000_000_000),
                    1_588_000_000 + rng.below(500_000)
                ),
                ga_gid: format!(
                    "{}.{}",
                    rng.below(2_000_000_000),
                    1_588_100_000 + rng.below(100_000)
                ),
                email: format!(
                    "{}.{}{}@mail.example",
                    ["anna", "ben", "chen", "dana", "emre", "fatima"][i % 6],
                    ["schmidt", "lee", "novak", "garcia"][i % 4],
                    i
                ),
                device_id: format!("{:016x}", rng.next_u64()),
                advertising_id: {
                    let a = rng.next_u64();
                    let b = rng.next_u64();
                    format!(
                        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                        a >> 32,
                        (a >> 16) & 0xffff,
                        a & 0xfff,
                        b >> 52,
                        b & 0xffff_ffff_ffff
                    )
                },
                user_agent: rng.pick_str(USER_AGENTS),
                language: rng.pick_str(LANGUAGES),
                screen: rng.pick_str(SCREENS),
                lat: 48.0 + (rng.below(400_000) as f64) / 100_000.0,
                lon: 9.0 + (rng.below(400_000) as f64) / 100_000.0,
            })
            .collect();
        let data_lists = [600, 1200, 2500, 4000]
            .iter()
            .map(|&size| percent_encode(&String::from_utf8_lossy(&sensors_data_list(size))))
            .collect();
        let large_json = [220 * 1024, 380 * 1024]
            .iter()
            .map(|&size| sensors_events_json(size))
            .collect();
        let mut script = Vec::new();
        let mut i = 0u32;
        while script.len() < 4096 {
            script.extend_from_slice(
                format!("function t{i}(e,n){{var r=e[{i}]||n;return r&&r.push({i}),r}}\n")
                    .as_bytes(),
            );
            i += 1;
        }
        ExchangeGen {
            rng,
            count: 0,
            clock_ms: 0,
            large_every,
            users,
            data_lists,
            large_json,
            script,
            assets_only: false,
            telemetry_only: false,
        }
    }

    /// Only Sensors-style telemetry posts (`data_list=base64(gzip(JSON))`), no large bodies:
    /// the kind of capture a fixed decoding chain can be compared with.
    pub fn telemetry_only(mut self) -> Self {
        self.telemetry_only = true;
        self.large_every = 0;
        self
    }

    /// Generate only asset GETs and large uploads: traffic with (almost) nothing to report,
    /// to tell the memory of reading apart from the memory of the findings.
    pub fn assets_only(mut self) -> Self {
        self.assets_only = true;
        self
    }

    fn ga_beacon(&mut self, user: &GenUser) -> GenExchange {
        let site = self.rng.pick_str(SITES);
        let page = self.rng.pick_str(PAGES);
        let referrer = self.rng.pick_str(PAGES);
        let query: Vec<(String, String)> = vec![
            ("v".into(), "1".into()),
            ("_v".into(), "j83".into()),
            ("a".into(), self.rng.below(2_000_000_000).to_string()),
            ("t".into(), "pageview".into()),
            ("_s".into(), (1 + self.rng.below(20)).to_string()),
            ("dl".into(), format!("{site}{page}")),
            (
                "dr".into(),
                format!(
                    "https://www.google.com/search?q={}",
                    referrer.trim_start_matches('/')
                ),
            ),
            ("ul".into(), user.language.into()),
            ("de".into(), "UTF-8".into()),
            ("dt".into(), self.rng.pick_str(TITLES).into()),
            ("sd".into(), "24-bit".into()),
            ("sr".into(), user.screen.into()),
            ("vp".into(), "412x780".into()),
            ("je".into(), "0".into()),
            ("_u".into(), "QACAAEAB~".into()),
            ("cid".into(), user.ga_cid.clone()),
            (
                "tid".into(),
                format!("UA-{}-1", 10_000_000 + self.rng.below(9_000_000)),
            ),
            ("_gid".into(), user.ga_gid.clone()),
            ("z".into(), self.rng.below(2_000_000_000).to_string()),
        ];
        let encoded: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        GenExchange {
            method: "GET",
            origin: "https://www.google-analytics.com".into(),
            target: format!("/collect?{}", encoded.join("&")),
            query,
            headers: vec![
                ("Host", "www.google-analytics.com".into()),
                ("Connection", "keep-alive".into()),
                ("User-Agent", user.user_agent.into()),
                ("Accept", "image/webp,image/apng,image/*,*/*;q=0.8".into()),
                ("Referer", format!("{site}{page}")),
                ("Accept-Encoding", "gzip, deflate, br".into()),
                ("Accept-Language", format!("{},en;q=0.8", user.language)),
                (
                    "Cookie",
                    format!("_ga=GA1.2.{}; _gid=GA1.2.{}", user.ga_cid, user.ga_gid),
                ),
            ],
            body: Vec::new(),
            started_ms: 0,
            response_type: "image/gif",
            response_body: Vec::new(),
        }
    }

    fn sensors_post(&mut self, user: &GenUser) -> GenExchange {
        let data_list = self.rng.pick(&self.data_lists).clone();
        let body = format!(
            "crc={}&gzip=1&data_list={data_list}",
            self.rng.below(1 << 31)
        )
        .into_bytes();
        GenExchange {
            method: "POST",
            origin: "https://tracking.miui.com".into(),
            target: "/track/key_get?project=globalbrowser".into(),
            query: vec![("project".into(), "globalbrowser".into())],
            headers: vec![
                ("Host", "tracking.miui.com".into()),
                ("User-Agent", "okhttp/3.12.1".into()),
                ("Content-Type", "application/x-www-form-urlencoded".into()),
                ("X-Device-Id", user.device_id.clone()),
            ],
            body,
            started_ms: 0,
            response_type: "application/json",
            response_body: b"{\"code\":0}".to_vec(),
        }
    }

    fn json_post(&mut self, user: &GenUser) -> GenExchange {
        let with_email = self.rng.below(4) == 0;
        let json = format!(
            concat!(
                "{{\"event\":\"{}\",\"ts\":{},\"device_id\":\"{}\",\"advertising_id\":\"{}\",",
                "\"os\":\"Android 10\",\"model\":\"Redmi Note 8 Pro\",\"carrier\":\"{}\",",
                "\"location\":{{\"lat\":{:.5},\"lon\":{:.5}}},\"session\":{},\"user\":{}}}"
            ),
            self.rng.pick(EVENTS),
            1_588_155_300_000u64 + self.clock_ms,
            user.device_id,
            user.advertising_id,
            self.rng.pick(CARRIERS),
            user.lat,
            user.lon,
            self.rng.below(1 << 32),
            if with_email {
                format!("{{\"email\":\"{}\"}}", user.email)
            } else {
                "null".into()
            },
        );
        let origin = self.rng.pick_str(APP_HOSTS);
        let mut headers = vec![
            ("Host", origin.trim_start_matches("https://").to_string()),
            (
                "User-Agent",
                "Dalvik/2.1.0 (Linux; U; Android 10; Redmi Note 8 Pro)".into(),
            ),
            ("Content-Type", "application/json; charset=utf-8".into()),
            (
                "Authorization",
                format!(
                    "Bearer {:016x}{:016x}",
                    self.rng.next_u64(),
                    self.rng.next_u64()
                ),
            ),
        ];
        let body = if self.rng.below(3) == 0 {
            headers.push(("Content-Encoding", "gzip".into()));
            gzip(json.as_bytes())
        } else {
            json.into_bytes()
        };
        GenExchange {
            method: "POST",
            origin: origin.into(),
            target: "/v2/events?sdk=android&sdk_version=4.3.4".into(),
            query: vec![
                ("sdk".into(), "android".into()),
                ("sdk_version".into(), "4.3.4".into()),
            ],
            headers,
            body,
            started_ms: 0,
            response_type: "application/json",
            response_body: b"{\"status\":\"ok\"}".to_vec(),
        }
    }

    fn asset_get(&mut self, user: &GenUser) -> GenExchange {
        let site = self.rng.pick_str(SITES);
        let script = self.rng.below(2) == 0;
        let target = if script {
            format!("/static/js/chunk.{:08x}.js", self.rng.next_u64() >> 32)
        } else {
            format!("/img/{}/{}.jpg", 2020, self.rng.below(100_000))
        };
        let len = usize::try_from(1024 + self.rng.below(3072)).unwrap_or(1024);
        GenExchange {
            method: "GET",
            origin: site.into(),
            target,
            query: Vec::new(),
            headers: vec![
                ("Host", site.trim_start_matches("https://").into()),
                ("User-Agent", user.user_agent.into()),
                ("Accept", "*/*".into()),
                ("Referer", format!("{site}/")),
                ("Accept-Encoding", "gzip, deflate, br".into()),
            ],
            body: Vec::new(),
            started_ms: 0,
            response_type: if script {
                "application/javascript"
            } else {
                "image/jpeg"
            },
            response_body: if script {
                self.script.get(..len).unwrap_or_default().to_vec()
            } else {
                Vec::new()
            },
        }
    }

    fn large_upload(&mut self, user: &GenUser) -> GenExchange {
        if self.rng.below(2) == 0 {
            let body = self.rng.pick(&self.large_json).clone();
            return GenExchange {
                method: "POST",
                origin: "https://logs.example-sdk.io".into(),
                target: "/v1/batch".into(),
                query: Vec::new(),
                headers: vec![
                    ("Host", "logs.example-sdk.io".into()),
                    ("User-Agent", "okhttp/4.9.0".into()),
                    ("Content-Type", "application/json".into()),
                    ("X-Device-Id", user.device_id.clone()),
                ],
                body,
                started_ms: 0,
                response_type: "application/json",
                response_body: b"{}".to_vec(),
            };
        }
        let boundary = format!("----WebKitFormBoundary{:016x}", self.rng.next_u64());
        let photo_len = 200 * 1024 + self.rng.below(200 * 1024);
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"device\"\r\n\r\n{}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"IMG_202004{:02}_{:06}.jpg\"\r\n\
             Content-Type: image/jpeg\r\n\r\n",
            user.device_id,
            1 + self.rng.below(28),
            self.rng.below(235_959),
        )
        .into_bytes();
        body.extend_from_slice(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00");
        while (body.len() as u64) < photo_len {
            body.extend_from_slice(&self.rng.next_u64().to_le_bytes());
        }
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        GenExchange {
            method: "POST",
            origin: "https://upload.example-cloud.com".into(),
            target: "/api/photos".into(),
            query: Vec::new(),
            headers: vec![
                ("Host", "upload.example-cloud.com".into()),
                ("User-Agent", user.user_agent.into()),
                (
                    "Content-Type",
                    format!("multipart/form-data; boundary={boundary}"),
                ),
            ],
            body,
            started_ms: 0,
            response_type: "application/json",
            response_body: b"{\"id\":1}".to_vec(),
        }
    }
}

impl Iterator for ExchangeGen {
    type Item = GenExchange;

    fn next(&mut self) -> Option<GenExchange> {
        self.count += 1;
        self.clock_ms += 1 + self.rng.below(100);
        let user = self.rng.pick(&self.users).clone();
        let mut exchange = if self.large_every > 0 && self.count.is_multiple_of(self.large_every) {
            self.large_upload(&user)
        } else if self.assets_only {
            self.asset_get(&user)
        } else if self.telemetry_only {
            self.sensors_post(&user)
        } else {
            match self.rng.below(100) {
                0..35 => self.ga_beacon(&user),
                35..50 => self.sensors_post(&user),
                50..65 => self.json_post(&user),
                _ => self.asset_get(&user),
            }
        };
        exchange.started_ms = self.clock_ms;
        Some(exchange)
    }
}

/// ISO 8601 time `ms` milliseconds after 2020-04-29T00:00:00Z (the day wraps within April, which
/// is enough for a test capture).
pub fn iso_time(ms: u64) -> String {
    let seconds = ms / 1000;
    let day = 29 + seconds / 86_400;
    let day = (day - 1) % 30 + 1;
    format!(
        "2020-04-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
        ms % 1000
    )
}

/// Write one exchange as raw HTTP/1.x: the request with a Content-Length body, and its response
/// when `with_response` is set.
pub fn write_raw(
    exchange: &GenExchange,
    with_response: bool,
    out: &mut impl Write,
) -> std::io::Result<()> {
    write!(out, "{} {} HTTP/1.1\r\n", exchange.method, exchange.target)?;
    for (name, value) in &exchange.headers {
        write!(out, "{name}: {value}\r\n")?;
    }
    if !exchange.body.is_empty() {
        write!(out, "Content-Length: {}\r\n", exchange.body.len())?;
    }
    out.write_all(b"\r\n")?;
    out.write_all(&exchange.body)?;
    if with_response {
        write!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nCache-Control: no-cache\r\nContent-Length: {}\r\n\r\n",
            exchange.response_type,
            exchange.response_body.len()
        )?;
        out.write_all(&exchange.response_body)?;
    }
    Ok(())
}

fn name_values<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> serde_json::Value {
    pairs
        .map(|(name, value)| serde_json::json!({"name": name, "value": value}))
        .collect()
}

/// Write one exchange as a HAR entry object (no separator).
pub fn write_har_entry(exchange: &GenExchange, out: &mut impl Write) -> std::io::Result<()> {
    let mut headers: Vec<(&str, String)> = exchange
        .headers
        .iter()
        .map(|(name, value)| (*name, value.clone()))
        .collect();
    let mut request = serde_json::json!({
        "method": exchange.method,
        "url": exchange.url(),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "queryString": name_values(exchange.query.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        "headersSize": -1,
        "bodySize": exchange.body.len(),
    });
    if !exchange.body.is_empty() {
        headers.push(("Content-Length", exchange.body.len().to_string()));
        let mime = exchange
            .content_type()
            .unwrap_or("application/octet-stream");
        request["postData"] = if exchange.is_text_body() {
            serde_json::json!({"mimeType": mime, "text": String::from_utf8_lossy(&exchange.body)})
        } else {
            serde_json::json!({"mimeType": mime, "text": STANDARD.encode(&exchange.body), "encoding": "base64"})
        };
    }
    request["headers"] = name_values(headers.iter().map(|(k, v)| (*k, v.as_str())));
    let response_len = exchange.response_body.len();
    let entry = serde_json::json!({
        "pageref": "page_1",
        "startedDateTime": iso_time(exchange.started_ms),
        "time": 20 + exchange.started_ms % 180,
        "request": request,
        "response": {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [
                {"name": "Content-Type", "value": exchange.response_type},
                {"name": "Content-Length", "value": response_len.to_string()},
                {"name": "Cache-Control", "value": "no-cache"},
            ],
            "content": {
                "size": response_len,
                "mimeType": exchange.response_type,
                "text": String::from_utf8_lossy(&exchange.response_body),
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": response_len,
        },
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 18, "receive": 2},
    });
    serde_json::to_writer(&mut *out, &entry).map_err(std::io::Error::other)
}

/// Write one exchange as an NDJSON line (with its line ending): text bodies as `body`, binary or
/// content-encoded ones as `body_base64`.
pub fn write_ndjson_line(
    exchange: &GenExchange,
    id: u64,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let headers: Vec<[&str; 2]> = exchange
        .headers
        .iter()
        .map(|(name, value)| [*name, value.as_str()])
        .collect();
    let mut line = serde_json::json!({
        "id": id.to_string(),
        "time": iso_time(exchange.started_ms),
        "method": exchange.method,
        "url": exchange.url(),
        "headers": headers,
    });
    if !exchange.body.is_empty() {
        if exchange.is_text_body() {
            line["body"] = String::from_utf8_lossy(&exchange.body).into();
        } else {
            line["body_base64"] = STANDARD.encode(&exchange.body).into();
        }
    }
    serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// Counts the bytes written through it.
struct CountingWriter<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Write a capture of `kind` of about `target_bytes` (it stops after the exchange that crosses
/// the target), taking exchanges from `exchanges`. Returns the bytes and exchanges written.
pub fn write_capture(
    kind: CaptureKind,
    target_bytes: u64,
    exchanges: &mut ExchangeGen,
    out: impl Write,
) -> std::io::Result<(u64, u64)> {
    let mut out = CountingWriter {
        inner: out,
        written: 0,
    };
    let mut count = 0u64;
    if kind == CaptureKind::Har {
        out.write_all(
            br#"{"log":{"version":"1.2","creator":{"name":"leakscope gen_capture","version":"1"},"pages":[{"startedDateTime":"2020-04-29T00:00:00.000Z","id":"page_1","title":"generated","pageTimings":{}}],"entries":["#,
        )?;
    }
    // Leave room for the HAR closing brackets.
    while out.written + 4 < target_bytes {
        let Some(exchange) = exchanges.next() else {
            break;
        };
        match kind {
            CaptureKind::Har => {
                if count > 0 {
                    out.write_all(b",\n")?;
                }
                write_har_entry(&exchange, &mut out)?;
            }
            CaptureKind::Raw => write_raw(&exchange, true, &mut out)?,
            CaptureKind::Ndjson => write_ndjson_line(&exchange, count, &mut out)?,
        }
        count += 1;
    }
    if kind == CaptureKind::Har {
        out.write_all(b"]}}\n")?;
    }
    out.flush()?;
    Ok((out.written, count))
}

/// A pipelined stream of about `target_bytes` of requests (no responses, no large bodies):
/// GET beacons and assets, and POSTs with Content-Length bodies. Returns the stream and the
/// number of requests in it.
pub fn pipelined_requests(target_bytes: usize) -> (Vec<u8>, usize) {
    let mut stream = Vec::with_capacity(target_bytes + 64 * 1024);
    let mut count = 0;
    for exchange in ExchangeGen::new(0x5eed, 0) {
        if stream.len() >= target_bytes {
            break;
        }
        // Writing to a Vec cannot fail.
        let _ = write_raw(&exchange, false, &mut stream);
        count += 1;
    }
    (stream, count)
}

/// `count` distinct values a user could ask to look for, as (label, value): first the three a
/// user typically gives (an e-mail address, a phone number, a name), then e-mail addresses,
/// phone numbers, names and device ids. Deterministic.
pub fn known_values(count: usize) -> Vec<(String, String)> {
    const FIRST: &[&str] = &[
        "Jane", "John", "Maria", "Wei", "Aisha", "Lars", "Sofia", "Kenji", "Olga", "Pedro",
    ];
    const LAST: &[&str] = &[
        "Doe", "Smith", "Garcia", "Chen", "Okafor", "Nielsen", "Rossi", "Tanaka", "Ivanova",
        "Silva",
    ];
    const DOMAINS: &[&str] = &[
        "example.org",
        "mail.example",
        "example.co.uk",
        "post.example",
    ];
    let mut values: Vec<(String, String)> = [
        ("my email", "Jane.Doe@Example.org"),
        ("my phone", "+1 (207) 555-0142"),
        ("my name", "Jane Ann Doe"),
    ]
    .iter()
    .map(|(l, v)| (l.to_string(), v.to_string()))
    .take(count)
    .collect();
    let mut rng = SplitMix64::new(0x6b6e_6f77_6e00_0001);
    let mut i = 0u64;
    while values.len() < count {
        let first = rng.pick_str(FIRST);
        let last = rng.pick_str(LAST);
        let (label, value) = match i % 4 {
            0 => (
                format!("email {i}"),
                format!(
                    "{}.{}{}@{}",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    i,
                    rng.pick_str(DOMAINS)
                ),
            ),
            1 => (
                format!("phone {i}"),
                format!(
                    "+{} {} {:03} {:04}",
                    1 + rng.below(98),
                    200 + rng.below(700),
                    rng.below(1000),
                    i
                ),
            ),
            2 => (format!("name {i}"), format!("{first} {last} {i}")),
            _ => (
                format!("device {i}"),
                format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64()),
            ),
        };
        values.push((label, value));
        i += 1;
    }
    values
}

#[cfg(test)]
mod tests {
    use leakscope::decode::{Budget, Path, Unwrapper};

    use super::*;

    /// The negative benches measure values with nothing to decode: make sure they have none.
    #[test]
    fn negative_values_are_not_decoded() {
        let unwrapper = Unwrapper::new();
        for value in negative_values(4096)
            .into_iter()
            .chain(negative_long_values(16 * 1024))
        {
            let mut budget = Budget::default();
            let leaves = unwrapper.unwrap_to_vec(Path::from_part("v"), None, &value, &mut budget);
            assert_eq!(leaves.len(), 1, "{}", String::from_utf8_lossy(&value));
            assert_eq!(leaves[0].path.to_string(), "v");
        }
    }
}

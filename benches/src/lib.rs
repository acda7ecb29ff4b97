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

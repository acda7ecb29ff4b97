#!/usr/bin/env python3
"""Generate example captures of Xiaomi Mi Browser telemetry, in incognito and in normal mode.

Real-world case
---------------
In April 2020 security researcher Gabi Cirlig (reported by Forbes) showed that
Xiaomi's Mi Browser / Mint Browser (Android package ``com.mi.globalbrowser``)
kept sending the URLs of visited pages and the user's search terms to Xiaomi
servers, together with a persistent device identifier and device details --
even in "incognito" mode.  The data were hidden behind a base64 encoding and,
for the Sensors Analytics SDK, behind gzip as well.

This script builds two small, fictional browsing sessions of the same browser
on the same phone and writes the telemetry the browser would emit for each:

* ``incognito`` (2020-04-29): news article -> search -> health page -> search
  -> bank login page, in incognito mode (``"incognito": true``).
* ``normal`` (2020-04-28, the day before): a different news article -> search
  -> travel page -> search -> shop sign-in page, in normal mode
  (``"incognito": false``).

Both sessions send the same 9 requests in the same order, to the same hosts,
with the same payload shapes; only the pages, the searches, the times and the
per-request / per-event random values (``_track_id``, ``crc``, ``request_id``,
``sign``) differ.  The device is the same: the same persistent
``distinct_id`` and the same model / OS / MIUI / screen / network.  Scanning
both and comparing them (``leakscope diff mi-browser-normal.har
mi-browser-incognito.har``) shows that incognito mode stopped none of the
leaks to Xiaomi -- the same categories go to the same hosts in the same
fields -- and that incognito requests carry the private-mode flag on top.

All domains of visited sites are example/fictional; everything is
deterministic (a fixed seed per mode, fixed timestamps, gzip mtime=0), so
re-running the script gives byte-identical files.

Payload shapes
--------------
* Sensors Analytics SDK, batched (``POST https://sa.api.intl.miui.com/sa?project=global_browser``),
  ``application/x-www-form-urlencoded`` body::

      crc=<random int>&gzip=1&data_list=<urlencode(base64(gzip(JSON array of events)))>

* Sensors Analytics SDK, single event without compression::

      crc=<random int>&gzip=0&data=<urlencode(base64(JSON event object))>

  Each event looks like ``{"_track_id": <random int>, "time": <ms epoch>,
  "type": "track", "distinct_id": "<16 hex chars>", "lib": {...},
  "event": "...", "properties": {...}}``.  Leaking property keys: ``url``,
  ``referrer``, ``keyword``, ``$model``, ``$manufacturer``, ``$os_version``,
  ``$screen_width``, ``$screen_height``, ``miui_version``, ``$network_type``,
  ``$wifi``, ``incognito`` (incognito mode only: in normal mode it is
  ``false``, which is not a leak); the persistent id is ``distinct_id``.

* Xiaomi tracking endpoint (``POST https://tracking.intl.miui.com/track/v4``),
  form body ``data=<urlencode(base64(JSON {"app": ..., "events": [{"url": ...}],
  "env": {...}}))>``.  It carries no ``distinct_id``, but its ``env`` object
  holds the device details of Xiaomi's own tracking SDK under its own
  camelCase names -- ``model``, ``manufacturer``, ``osVersion``,
  ``miuiVersion``, ``screenWidth``, ``screenHeight`` -- with the same values
  as the Sensors events of the same phone: a request without a shared id can
  still be linked to the others by the device fingerprint.  ``env`` comes
  after ``events``, so the first finding of a tracking request is still its
  first page URL.

* Decoys that a correct scanner must NOT report: ``_track_id``, ``time``,
  ``$lib``, ``$lib_version``, ``$app_version``, ``$is_first_day``,
  ``$event_duration``, ``crc``, and in the config fetch ``v``,
  ``request_id`` (random UUID4) and ``sign`` (md5 hex); ``icon`` /
  ``image_url`` asset URLs (opaque hashed names on a Xiaomi CDN) and the
  tracking SDK's own ``sdkVersion`` in the tracking posts; a plain GET of an
  icon PNG; and any leak key whose value is empty or ``false`` in a request
  where that key leaks nowhere else (the first page view's ``referrer: ""``,
  normal mode's ``incognito: false``).

Outputs (written next to this script)
-------------------------------------
For each mode ``M`` in ``incognito``, ``normal``:

* ``mi-browser-M.har``            HAR 1.2
* ``mi-browser-M.http``           raw HTTP/1.1 stream (request, response, ...)
* ``mi-browser-M.expected.json``  findings a correct scanner must report

Run from the repository root (writes all six files)::

    python3 examples/captures/make_mi_browser_capture.py

or ``... make_mi_browser_capture.py normal`` (or ``incognito``) for one mode.
"""

import base64
import gzip
import hashlib
import json
import random
import struct
import sys
import uuid
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode, urlsplit, parse_qsl

OUT_DIR = Path(__file__).resolve().parent

APP_VERSION = "12.10.1-gn"
LIB_VERSION = "4.3.4"
TRACK_SDK_VERSION = "2.1.3"
USER_AGENT = (
    "Mozilla/5.0 (Linux; U; Android 10; en-us) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/79.0.3945.147 Mobile Safari/537.36 "
    "XiaoMi/MiuiBrowser/" + APP_VERSION
)
FORM = "application/x-www-form-urlencoded"

SA_URL = "https://sa.api.intl.miui.com/sa?project=global_browser"
TRACK_URL = "https://tracking.intl.miui.com/track/v4"
CONFIG_URL = "https://api.browser.intl.miui.com/config"
CDN = "https://browser-static.intl.miui.com"

# ---------------------------------------------------------------------------
# The device: the same phone in both sessions.
# ---------------------------------------------------------------------------

# The persistent id the Sensors SDK keeps for this install.  It is the first 64 bits of the
# incognito seed's stream (where the script drew it when it wrote only the incognito session);
# every session of the device sends it.
DEVICE_SEED = 20200429
DISTINCT_ID = "%016x" % random.Random(DEVICE_SEED).getrandbits(64)

DEVICE = {
    "model": "Redmi Note 8 Pro",
    "manufacturer": "Xiaomi",
    "os": "Android",
    "os_version": "10",
    "screen_width": 1080,
    "screen_height": 2340,
    "miui_version": "V12.0.4.0.QGGMIXM",
    "network_type": "WIFI",
    "carrier": "Vodafone",
}

# ---------------------------------------------------------------------------
# The two sessions.  Same skeleton (9 requests, same order and shapes); different pages,
# searches, times and random values.  All visited sites are fictional.
# ---------------------------------------------------------------------------

SESSIONS = {
    "incognito": {
        "seed": 20200429,
        "t0": datetime(2020, 4, 29, 10, 15, 0, tzinfo=timezone.utc),
        "incognito": True,
        "news_url": "https://www.example-news.com/2020/04/lockdown-extended-what-it-means.html",
        "page2_url": "https://health.example.org/conditions/depression",
        "page3_url": "https://secure.example-bank.com/login?lang=en",
        "search1": "symptoms of depression",
        "search2": "how to hide browsing history",
        # Asset names: the news hero image, the tiles of pages 2 and 3, the page 3 banner.
        "assets": ("news-hero", "health-tile", "bank-tile", "bank-banner"),
        "app_duration": 287.4,
    },
    "normal": {
        "seed": 20200428,
        "t0": datetime(2020, 4, 28, 18, 42, 0, tzinfo=timezone.utc),
        "incognito": False,
        "news_url": "https://www.example-news.com/2020/04/markets-rally-on-reopening-plans.html",
        "page2_url": "https://www.example-travel.com/destinations/portugal/lisbon",
        "page3_url": "https://account.example-shop.com/signin",
        "search1": "cheap flights to lisbon",
        "search2": "example shop order tracking",
        "assets": ("markets-hero", "travel-tile", "shop-tile", "shop-banner"),
        "app_duration": 301.9,
    },
}

# Key -> category.  Used to derive the expected findings from what was emitted.
LEAK_KEYS = {
    "url": "browsing-history",
    "referrer": "browsing-history",
    "keyword": "search-query",
    "distinct_id": "persistent-id",
    # Sensors Analytics properties.
    "$model": "device-fingerprint",
    "$manufacturer": "device-fingerprint",
    "$os_version": "device-fingerprint",
    "$screen_width": "device-fingerprint",
    "$screen_height": "device-fingerprint",
    "miui_version": "device-fingerprint",
    # The tracking SDK's env object.
    "model": "device-fingerprint",
    "manufacturer": "device-fingerprint",
    "osVersion": "device-fingerprint",
    "miuiVersion": "device-fingerprint",
    "screenWidth": "device-fingerprint",
    "screenHeight": "device-fingerprint",
    "$network_type": "network",
    "$wifi": "network",
    "incognito": "private-mode",
}
DECOY_KEYS = {
    "_track_id", "time", "$lib", "$lib_version", "$app_version",
    "$is_first_day", "$event_duration", "crc", "request_id", "sign", "v",
    "icon", "image_url", "sdkVersion",
}


class Session:
    """One browsing session: its mode's settings and its own random stream."""

    def __init__(self, mode):
        self.mode = mode
        self.basename = "mi-browser-" + mode
        self.__dict__.update(SESSIONS[mode])
        self.rng = random.Random(self.seed)
        # The first 64 bits of each stream are left unused: in the incognito stream they are
        # the device's DISTINCT_ID, and skipping them keeps the incognito ids as they were.
        self.rng.getrandbits(64)

    def rand_int32(self):
        return self.rng.randint(-(2 ** 31), 2 ** 31 - 1)


def ms(dt):
    return int(dt.timestamp() * 1000)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def http_date(dt):
    return dt.strftime("%a, %d %b %Y %H:%M:%S GMT")


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def base_properties(s):
    return {
        "$model": DEVICE["model"],
        "$manufacturer": DEVICE["manufacturer"],
        "$os": DEVICE["os"],
        "$os_version": DEVICE["os_version"],
        "$screen_width": DEVICE["screen_width"],
        "$screen_height": DEVICE["screen_height"],
        "$wifi": DEVICE["network_type"] == "WIFI",
        "$network_type": DEVICE["network_type"],
        "$carrier": DEVICE["carrier"],
        "$app_version": APP_VERSION,
        "$lib_version": LIB_VERSION,
        "$is_first_day": False,
        "miui_version": DEVICE["miui_version"],
        "incognito": s.incognito,
    }


def tracking_env():
    """The device block of Xiaomi's tracking SDK: the same phone as the Sensors properties, under
    the SDK's own names.  No id in it, but enough to link its requests to the Sensors ones."""
    return {
        "os": DEVICE["os"],
        "osVersion": DEVICE["os_version"],
        "model": DEVICE["model"],
        "manufacturer": DEVICE["manufacturer"],
        "miuiVersion": DEVICE["miui_version"],
        "screenWidth": DEVICE["screen_width"],
        "screenHeight": DEVICE["screen_height"],
        "sdkVersion": TRACK_SDK_VERSION,
    }


def sa_event(s, when, event, extra):
    props = base_properties(s)
    props.update(extra)
    return {
        "_track_id": s.rand_int32(),
        "time": ms(when),
        "type": "track",
        "distinct_id": DISTINCT_ID,
        "lib": {
            "$lib": "Android",
            "$lib_version": LIB_VERSION,
            "$app_version": APP_VERSION,
            "$lib_method": "code",
        },
        "event": event,
        "properties": props,
    }


def asset(name_seed):
    return "%s/icon/v2/%s.png" % (CDN, hashlib.md5(name_seed.encode()).hexdigest()[:12])


def tiny_png():
    """1x1 transparent PNG (deterministic)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00\x00\x00\x00", 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# ---------------------------------------------------------------------------
# Request builders.  Each returns a dict describing the request plus the
# decoded payload ("decoded") used to derive the expected findings.
# ---------------------------------------------------------------------------

def sa_batch(s, when, events):
    raw = compact(events).encode()
    b64 = base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode()
    fields = [("crc", str(s.rand_int32())), ("gzip", "1"), ("data_list", b64)]
    return dict(when=when, method="POST", url=SA_URL, body=urlencode(fields),
                form=fields, decoded=events,
                summary="Sensors batch, gzip=1, data_list: " + ", ".join(e["event"] for e in events))


def sa_single(s, when, event):
    b64 = base64.b64encode(compact(event).encode()).decode()
    fields = [("crc", str(s.rand_int32())), ("gzip", "0"), ("data", b64)]
    return dict(when=when, method="POST", url=SA_URL, body=urlencode(fields),
                form=fields, decoded=event,
                summary="Sensors single event, gzip=0, data: " + event["event"])


def tracking(when, events):
    payload = {"app": "com.mi.globalbrowser", "events": events, "env": tracking_env()}
    b64 = base64.b64encode(compact(payload).encode()).decode()
    fields = [("data", b64)]
    return dict(when=when, method="POST", url=TRACK_URL, body=urlencode(fields),
                form=fields, decoded=payload,
                summary="tracking v4, data: %d page-view url(s) + device env" % len(events))


def get(when, url, summary, accept="*/*"):
    return dict(when=when, method="GET", url=url, body=None, form=[],
                decoded=dict(parse_qsl(urlsplit(url).query)), summary=summary,
                accept=accept)


def build_requests(s):
    t = s.t0
    news, page2, page3 = s.news_url, s.page2_url, s.page3_url
    hero, tile2, tile3, banner3 = s.assets
    reqs = []

    # 0: config fetch -- decoys only (version, random UUID, md5 signature).
    rid = str(uuid.UUID(int=s.rng.getrandbits(128), version=4))
    sign = hashlib.md5(("%s|%s|%d" % (APP_VERSION, rid, ms(t))).encode()).hexdigest()
    reqs.append(get(t, CONFIG_URL + "?" + urlencode([("v", APP_VERSION), ("request_id", rid), ("sign", sign)]),
                    "config fetch: v, request_id (uuid4), sign (md5) -- decoys only",
                    accept="application/json"))

    # 1: first batch -- app start, news article page view, first search.
    s1 = t + timedelta(seconds=4)
    ev1 = [
        sa_event(s, s1, "$AppStart", {"$resume_from_background": False}),
        sa_event(s, s1 + timedelta(seconds=3), "page_view", {"url": news, "referrer": ""}),
        sa_event(s, s1 + timedelta(seconds=41), "search",
                 {"keyword": s.search1, "search_engine": "google"}),
    ]
    reqs.append(sa_batch(s, s1 + timedelta(seconds=45), ev1))

    # 2: tracking -- news article URL, device env.
    reqs.append(tracking(s1 + timedelta(seconds=46), [
        {"event": "pv", "url": news, "time": ms(s1 + timedelta(seconds=3)),
         "image_url": asset(hero)},
    ]))

    # 3: favicon asset fetch, no body, nothing leaked.
    reqs.append(get(s1 + timedelta(seconds=52), asset(tile2),
                    "asset fetch (icon png), no body", accept="image/webp,image/png,*/*"))

    # 4: single un-gzipped event -- page 2 view with referrer.
    s4 = s1 + timedelta(seconds=55)
    reqs.append(sa_single(s, s4 + timedelta(seconds=1),
                          sa_event(s, s4, "page_view", {"url": page2, "referrer": news})))

    # 5: second batch -- second search, page 3 view.
    s5 = s4 + timedelta(seconds=130)
    ev5 = [
        sa_event(s, s5, "search", {"keyword": s.search2, "search_engine": "google"}),
        sa_event(s, s5 + timedelta(seconds=38), "page_view", {"url": page3, "referrer": page2}),
    ]
    reqs.append(sa_batch(s, s5 + timedelta(seconds=40), ev5))

    # 6: tracking -- page 2 and page 3, device env.
    reqs.append(tracking(s5 + timedelta(seconds=41), [
        {"event": "pv", "url": page2, "time": ms(s4), "icon": asset(tile2)},
        {"event": "pv", "url": page3, "time": ms(s5 + timedelta(seconds=38)),
         "icon": asset(tile3), "image_url": asset(banner3)},
    ]))

    # 7: third batch -- app end only: no URL or search, but id/device/network/incognito flag.
    s7 = s5 + timedelta(seconds=95)
    reqs.append(sa_batch(s, s7 + timedelta(seconds=1), [
        sa_event(s, s7, "$AppEnd", {"$event_duration": s.app_duration}),
    ]))

    # 8: second asset fetch (the page 3 tile icon), no body.
    reqs.append(get(s7 + timedelta(seconds=3), asset(tile3),
                    "asset fetch (icon png), no body", accept="image/webp,image/png,*/*"))
    return reqs


# ---------------------------------------------------------------------------
# Findings derivation
# ---------------------------------------------------------------------------

def walk(obj, out_leaks, out_decoys, out_unset):
    if isinstance(obj, dict):
        for k, v in obj.items():
            cat = LEAK_KEYS.get(k)
            if cat is not None:
                if v in ("", None, False):
                    out_unset.add(k)
                else:
                    out_leaks.add((cat, k))
            if k in DECOY_KEYS:
                out_decoys.add(k)
            walk(v, out_leaks, out_decoys, out_unset)
    elif isinstance(obj, list):
        for v in obj:
            walk(v, out_leaks, out_decoys, out_unset)


def derive_expected(reqs):
    findings, leak_keys, decoys = set(), set(), set()
    for i, r in enumerate(reqs):
        leaks, dec, unset = set(), set(), set()
        walk(r["decoded"], leaks, dec, unset)
        for name, _ in r["form"]:  # outer form fields (crc, gzip, data...)
            if name in DECOY_KEYS:
                dec.add(name)
        # A leak key that is empty or false is no leak: a decoy, unless the same key leaks
        # elsewhere in the request (a decoy names a key the request must not be reported for).
        dec |= unset - {key for _, key in leaks}
        for cat, key in leaks:
            findings.add((i, cat))
            leak_keys.add((i, cat, key))
        for key in dec:
            decoys.add((i, key))
    return {
        "requests": len(reqs),
        "findings": [{"request": i, "category": c} for i, c in sorted(findings)],
        "leak_keys": [{"request": i, "category": c, "key": k} for i, c, k in sorted(leak_keys)],
        "decoys": [{"request": i, "key": k} for i, k in sorted(decoys)],
    }


# ---------------------------------------------------------------------------
# Serialisation: raw HTTP stream and HAR
# ---------------------------------------------------------------------------

def request_headers(r):
    u = urlsplit(r["url"])
    h = [("Host", u.netloc), ("User-Agent", USER_AGENT)]
    if r["method"] == "POST":
        h += [("Content-Type", FORM), ("Content-Length", str(len(r["body"].encode())))]
    h += [("Accept", r.get("accept", "*/*")), ("Accept-Encoding", "gzip"),
          ("Connection", "Keep-Alive")]
    return h


def response_for(i, r):
    """Returns (status, reason, headers, body_bytes_decoded, wire_body, mime)."""
    date = http_date(r["when"] + timedelta(milliseconds=180))
    if r["method"] == "GET" and r["url"].endswith(".png"):
        body, mime = tiny_png(), "image/png"
        extra = [("Cache-Control", "max-age=2592000"),
                 ("ETag", '"%s"' % hashlib.md5(body).hexdigest()[:16])]
    elif "config" in r["url"]:
        body = compact({"code": 0, "data": {"sa_enable": True, "flush_interval": 15000,
                                            "track_enable": True}}).encode()
        mime, extra = "application/json;charset=UTF-8", []
    elif "tracking" in r["url"]:
        body, mime, extra = compact({"code": 0, "msg": "success"}).encode(), "application/json", []
    else:
        body, mime, extra = compact({"code": 0}).encode(), "text/plain;charset=UTF-8", []
    headers = [("Server", "Tengine"), ("Date", date), ("Content-Type", mime)] + extra
    chunked = i == 2  # one chunked response (the first tracking post)
    if chunked:
        half = len(body) // 2
        parts = [body[:half], body[half:]]
        wire = b"".join(b"%x\r\n" % len(p) + p + b"\r\n" for p in parts) + b"0\r\n\r\n"
        headers.append(("Transfer-Encoding", "chunked"))
    else:
        wire = body
        headers.append(("Content-Length", str(len(body))))
    headers.append(("Connection", "keep-alive"))
    return 200, "OK", headers, body, wire, mime


def head_bytes(start_line, headers):
    return (start_line + "\r\n" + "".join("%s: %s\r\n" % kv for kv in headers) + "\r\n").encode()


def build_outputs(s, reqs):
    stream = bytearray()
    entries = []
    for i, r in enumerate(reqs):
        u = urlsplit(r["url"])
        target = u.path + ("?" + u.query if u.query else "")
        rh = request_headers(r)
        req_head = head_bytes("%s %s HTTP/1.1" % (r["method"], target), rh)
        req_body = r["body"].encode() if r["body"] is not None else b""
        status, reason, resp_h, body, wire, mime = response_for(i, r)
        resp_head = head_bytes("HTTP/1.1 %d %s" % (status, reason), resp_h)
        stream += req_head + req_body + resp_head + wire

        timings = {"blocked": 0, "dns": -1, "connect": -1, "ssl": -1,
                   "send": 1, "wait": 170 + 7 * i, "receive": 2}
        request = {
            "method": r["method"],
            "url": r["url"],
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": n, "value": v} for n, v in rh],
            "queryString": [{"name": n, "value": v} for n, v in parse_qsl(u.query, keep_blank_values=True)],
            "headersSize": len(req_head),
            "bodySize": len(req_body),
        }
        if r["body"] is not None:
            request["postData"] = {"mimeType": FORM, "text": r["body"], "params": []}
        content = {"size": len(body), "mimeType": mime}
        if mime == "image/png":
            content.update(text=base64.b64encode(body).decode(), encoding="base64")
        else:
            content["text"] = body.decode()
        entries.append({
            "pageref": "page_0",
            "startedDateTime": iso(r["when"]),
            "time": sum(v for v in timings.values() if v > 0),
            "request": request,
            "response": {
                "status": status,
                "statusText": reason,
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": [{"name": n, "value": v} for n, v in resp_h],
                "content": content,
                "redirectURL": "",
                "headersSize": len(resp_head),
                "bodySize": len(wire),
            },
            "cache": {},
            "timings": timings,
            "comment": "request %d: %s" % (i, r["summary"]),
        })
    har = {"log": {
        "version": "1.2",
        "creator": {"name": "leakscope example generator", "version": "1.0"},
        "pages": [{
            "startedDateTime": iso(s.t0),
            "id": "page_0",
            "title": "Mi Browser %s, %s session (com.mi.globalbrowser)" % (APP_VERSION, s.mode),
            "pageTimings": {"onContentLoad": -1, "onLoad": -1},
        }],
        "entries": entries,
    }}
    return har, bytes(stream)


def write_mode(mode):
    s = Session(mode)
    reqs = build_requests(s)
    har, stream = build_outputs(s, reqs)
    expected = derive_expected(reqs)
    (OUT_DIR / (s.basename + ".har")).write_text(json.dumps(har, indent=2) + "\n", encoding="utf-8")
    (OUT_DIR / (s.basename + ".http")).write_bytes(stream)
    (OUT_DIR / (s.basename + ".expected.json")).write_text(
        json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    print("%s (%s)" % (s.basename, s.t0.date()))
    for i, r in enumerate(reqs):
        print("  %d  %-4s %-32s %s" % (i, r["method"], urlsplit(r["url"]).netloc, r["summary"]))


def main(argv):
    modes = argv or list(SESSIONS)
    unknown = [m for m in modes if m not in SESSIONS]
    if unknown:
        sys.exit("unknown mode %s: choose from %s" % (", ".join(unknown), ", ".join(SESSIONS)))
    for mode in modes:
        write_mode(mode)


if __name__ == "__main__":
    main(sys.argv[1:])

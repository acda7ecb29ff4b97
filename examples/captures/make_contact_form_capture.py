#!/usr/bin/env python3
"""Generate an example capture: a contact form on a crisis-line site leaking to third parties.

Real-world case
---------------
In June 2023 The Markup (Colin Lecher and Jon Keegan, co-published with STAT)
reported, in "Suicide Hotlines Promise Anonymity. Dozens of Their Websites
Send Sensitive Data to Facebook", that more than 30 of the 186 local crisis
centre websites of the US 988 Suicide & Crisis Lifeline that it tested used
the Meta Pixel: page views, clicks on "call" buttons and, on some sites,
contact-form submissions reached Facebook -- the form data as "hashed but
easily unscrambled names and email addresses".

This script re-creates that *kind* of failure on a fictional charity site,
``www.example-helpline.org``; nothing is copied from a real capture.  All
people, ids and domains are fictional (``example-*`` names, a placeholder
GA4 measurement id ``G-XXXXXXX`` and pixel id ``1234567890123456``,
documentation IP addresses).

The session
-----------
A user opens the site in the in-app browser of an Android app (a WebView),
searches the site for "suicide hotline near me", opens the contact page for
the self-harm topic, fills in the form as "Jane Doe", ``Jane.Doe@example.org``
(typed with capitals), ``+1 (207) 555-0142`` and a short message asking for
a call back, sends it, and lands on the thank-you page.  24 requests on
4 pages (request indexes are 0-based, in entry order):

* home page ``/``: first-party document and CSS (``v=3.2.1`` cache-buster),
  the font CDN's CSS (``family=Roboto``) and font file, ``gtag.js`` and
  ``fbevents.js``, a GA4 ``page_view`` and a Meta ``PageView``;
* search ``/search?q=suicide+hotline+near+me``: document, GA4 ``page_view``
  and Meta ``PageView`` whose ``dl`` is the search URL (the search term is
  in it);
* contact page ``/get-help/contact?topic=self-harm``: document, a font
  preloaded straight from ``fonts.example-cdn.net`` (the page reaches the CDN
  *only* through the ``Referer`` header: no query or body data), a
  first-party XHR, GA4 ``page_view`` and Meta ``PageView`` (``rl`` = the
  search URL, the contact page's ``document.referrer``), then on submit the
  Meta ``SubmitForm`` event with hashed contact details and a GA4
  ``form_submit`` event;
* the form post (``POST /get-help/contact``, 303) and the thank-you page:
  GA4 ``page_view``, Meta ``Lead`` with the same hashed details, and an ad
  network's cookie sync (``sync.example-adnet.com`` -> 302 ->
  ``dsp.example-ads.net``).

What the third parties get
--------------------------
* **Hashed contact details (Meta advanced matching).**  With advanced matching
  the pixel normalises the visitor's details and sends their SHA-256 as
  ``udff[em]``, ``udff[ph]``, ``udff[fn]``, ``udff[ln]`` (the ``SubmitForm``
  event fired by the form's submit, and the ``Lead`` event of the thank-you
  page).  Meta's normalisation, https://developers.facebook.com/docs/meta-pixel/advanced/advanced-matching :
  email trimmed and lower-cased (``jane.doe@example.org``), phone as digits
  only with the country code (``12075550142``), first and last name lower-cased
  (``jane``, ``doe``).  A hash of an email address is no anonymisation: anyone
  who has the address (an ad platform, a data broker) computes the same hash.
  The script computes the hashes with :mod:`hashlib` from the values of the
  form post it writes.
* **Pages through the Referer only.**  The site sends ``Referrer-Policy:
  unsafe-url`` on its ``/get-help/`` pages, so every cross-site request of the
  contact and thank-you pages carries the *full* page URL (path and query,
  ``?topic=self-harm``) in ``Referer``.  Browsers' default policy,
  ``strict-origin-when-cross-origin`` (which the home and search pages keep),
  sends only the origin, ``https://www.example-helpline.org/``, to other
  sites.  The font preloaded by the contact page reaches
  ``fonts.example-cdn.net`` with nothing but that header.  A bare origin (the
  home page ``/`` with no query) is not browsing history here, wherever it
  appears (``Referer``, ``dl``, ``rl``): every cross-site request of the site
  carries it.
* **Page URLs in tracker parameters.**  GA4 ``dl`` and Meta ``dl``/``rl``.
* **Identifiers.**  GA4 ``cid`` (the last two parts of the ``_ga`` cookie),
  Meta ``fbp`` (the ``_fbp`` cookie), and the ad network's id: its own
  third-party ``uid`` cookie (22 characters), the same value in ``put`` of
  its sync URL, then handed to the DSP as ``external_user_id``.  Android
  WebView blocks third-party cookies unless the app allows them; this app
  does (``CookieManager.setAcceptThirdPartyCookies``).
* **Device.**  The WebView's ``User-Agent`` is not reduced: it names Android 13
  and the model ``SM-A536B`` (Chrome's reduced UA says ``Android 10; K``).
  Meta ``sw``/``sh`` and GA4 ``sr`` give the screen size (412 x 915).

The ``_ga`` cookie is written by ``gtag.js`` with ``document.cookie`` in real
sites; here the home page's response sets it with ``Set-Cookie`` so that the
capture itself shows where ``cid`` comes from.  ``_fbp`` is left as in real
life: written by ``fbevents.js``, it only appears in the ``Cookie`` header of
later first-party requests.

Decoys a correct scanner must NOT report: GA4 ``_p`` (random per page load)
and ``_s`` (hit counter), Meta ``ts`` (event time) and ``it`` (pixel init
time), the font CSS's ``family=Roboto:wght@400;700``, ``v`` (the CSS
cache-buster ``3.2.1``, GA4's protocol version ``2``, the pixel version
``2.9.138``).

HAR format
----------
Shaped like a Chrome DevTools "Save all as HAR" of the WebView (remote
debugging): ``log.creator`` WebInspector, one page per document (``title`` =
the page URL), entries with ``pageref``, ``_initiator``, ``_priority``,
``_resourceType``, ``serverIPAddress`` and ``connection``; HTTP/2, so header
names are lower-case, the request headers start with the pseudo-headers
``:authority``, ``:method``, ``:path``, ``:scheme``, status texts are empty
and ``headersSize`` is -1.  As DevTools does, ``queryString`` and
``postData.params`` hold names and values exactly as in the URL or body, still
percent-encoded (e.g. ``dl`` = ``https%3A%2F%2F...``, ``udff%5Bem%5D``).

Outputs (written next to this script)
-------------------------------------
* ``contact-form.har``            HAR 1.2
* ``contact-form.expected.json``  what a correct scanner must report for
  third-party recipients (derived from the HAR entries written, not by hand)

Run from the repository root::

    python3 examples/captures/make_contact_form_capture.py

Deterministic: fixed timestamps (from 2023-11-21T20:41:07Z), a fixed seed
(20231121); re-running gives byte-identical files.
"""

import base64
import hashlib
import json
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit

OUT_DIR = Path(__file__).resolve().parent
BASENAME = "contact-form"
SEED = 20231121
T0 = datetime(2023, 11, 21, 20, 41, 7, tzinfo=timezone.utc)

FIRST_PARTY = "example-helpline.org"
SITE = "https://www.example-helpline.org"
ORIGIN = SITE

# The visitor (fictional).
TYPED = {
    "name": "Jane Doe",
    "email": "Jane.Doe@example.org",
    "phone": "+1 (207) 555-0142",
    "message": ("Hi, I have been struggling a lot lately and I really need to talk to "
                "someone. Please call me back this evening if you can."),
}
SEARCH_TERM = "suicide hotline near me"

HOME = SITE + "/"
SEARCH = SITE + "/search?q=" + quote_plus(SEARCH_TERM)
CONTACT = SITE + "/get-help/contact?topic=self-harm"
CONTACT_ACTION = SITE + "/get-help/contact"
THANKS = SITE + "/get-help/contact/thanks"
SITE_CSS = SITE + "/assets/css/site.css?v=3.2.1"
CHAT_STATUS = SITE + "/api/chat/status"

TITLES = {
    HOME: "Example Helpline – Free, confidential support",
    SEARCH: "Search results – Example Helpline",
    CONTACT: "Contact us – Example Helpline",
    THANKS: "Thank you – Example Helpline",
}

FONT_CSS = "https://fonts.example-cdn.net/css2?family=Roboto:wght@400;700&display=swap"
FONT_400 = "https://fonts.example-cdn.net/s/roboto/v30/roboto-v30-latin-400.woff2"
FONT_500 = "https://fonts.example-cdn.net/s/roboto/v30/roboto-v30-latin-500.woff2"
GA_ID = "G-XXXXXXX"
GTAG_JS = "https://www.googletagmanager.com/gtag/js?id=" + GA_ID
GA_COLLECT = "https://region1.google-analytics.com/g/collect"
FBEVENTS_JS = "https://connect.facebook.net/en_US/fbevents.js"
PIXEL_ID = "1234567890123456"
META_TR = "https://www.facebook.com/tr/"
ADNET_SYNC = "https://sync.example-adnet.com/match"
DSP_PX = "https://dsp.example-ads.net/px"

# An app's in-app browser: Android System WebView 119, not reduced (model and Android version).
USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 "
    "Mobile Safari/537.36"
)
SCREEN = (412, 915)  # CSS pixels of a Galaxy A53 in portrait
ACCEPT_LANGUAGE = "en-US,en;q=0.9"

# Documentation addresses (RFC 5737).
SERVER_IP = {
    "www.example-helpline.org": "203.0.113.10",
    "fonts.example-cdn.net": "198.51.100.20",
    "www.googletagmanager.com": "198.51.100.41",
    "region1.google-analytics.com": "198.51.100.42",
    "connect.facebook.net": "198.51.100.51",
    "www.facebook.com": "198.51.100.52",
    "sync.example-adnet.com": "192.0.2.61",
    "dsp.example-ads.net": "192.0.2.71",
}

ACCEPT = {
    "document": ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
                 "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"),
    "stylesheet": "text/css,*/*;q=0.1",
    "script": "*/*",
    "font": "*/*",
    "image": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "ping": "*/*",
    "fetch": "*/*",
    "xhr": "application/json",
}
DEST = {"document": "document", "stylesheet": "style", "script": "script", "font": "font",
        "image": "image", "ping": "empty", "fetch": "empty", "xhr": "empty"}
MODE = {"document": "navigate", "stylesheet": "no-cors", "script": "no-cors", "font": "cors",
        "image": "no-cors", "ping": "no-cors", "fetch": "no-cors", "xhr": "cors"}
PRIORITY = {"document": "VeryHigh", "stylesheet": "VeryHigh", "script": "Low", "font": "High",
            "image": "Low", "ping": "VeryLow", "fetch": "High", "xhr": "High"}

# Expected-findings rules: where a value is looked for, and what it means.
HISTORY_PARAMS = ("dl", "rl")  # tracker parameters holding a page URL
ID_PARAMS = {
    "cid": "GA4 client id, the last two parts of the _ga cookie",
    "fbp": "Meta browser id, the _fbp cookie",
    "put": "the ad network's own user id (its uid cookie) in the sync URL",
    "external_user_id": "the ad network's user id handed to the DSP (cookie sync)",
}
ID_COOKIES = {"uid": "the ad network's own third-party id cookie"}
SCREEN_PARAMS = ("sw", "sh", "sr")
DECOY_PARAMS = ("_p", "_s", "it", "ts", "family", "v")
UDFF = {"udff[em]": "email", "udff[ph]": "phone", "udff[fn]": "first name", "udff[ln]": "last name"}
SEARCH_PATHS = {"/search": "q"}  # first-party search pages and their query parameter


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def http_date(dt):
    return dt.strftime("%a, %d %b %Y %H:%M:%S GMT")


def ms(dt):
    return int(dt.timestamp() * 1000)


def at(seconds):
    return T0 + timedelta(milliseconds=round(seconds * 1000))


def js_encode(s):
    """encodeURIComponent."""
    return quote(str(s), safe="-_.!~*'()")


def js_query(pairs):
    return "&".join(js_encode(k) + "=" + js_encode(v) for k, v in pairs)


def form_encode(pairs):
    """application/x-www-form-urlencoded as a browser serialises a form."""
    return "&".join(quote_plus(k, safe="*") + "=" + quote_plus(v, safe="*") for k, v in pairs)


def raw_pairs(qs):
    """Split a query string or form body the way DevTools does: on '&' and the first '=', no decoding."""
    out = []
    for part in qs.split("&") if qs else []:
        name, _, value = part.partition("=")
        out.append((name, value))
    return out


def decoded_pairs(qs):
    return [(unquote_plus(n), unquote_plus(v)) for n, v in raw_pairs(qs)]


def sha256(s):
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def registrable(host):
    return ".".join(host.split(".")[-2:])


def is_first_party(host):
    return registrable(host) == FIRST_PARTY


def tiny_gif():
    """The usual 1x1 transparent GIF (43 bytes)."""
    return base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")


# ---------------------------------------------------------------------------
# Normalisation for Meta advanced matching (see the docstring for the source).
# ---------------------------------------------------------------------------

def norm_email(s):
    return s.strip().lower()


def norm_phone(s):
    return re.sub(r"\D", "", s)


def norm_name(s):
    return re.sub(r"[^\w]", "", s.strip().lower())


def advanced_matching(name, email, phone):
    first, _, last = name.strip().partition(" ")
    return [
        ("udff[em]", sha256(norm_email(email))),
        ("udff[ph]", sha256(norm_phone(phone))),
        ("udff[fn]", sha256(norm_name(first))),
        ("udff[ln]", sha256(norm_name(last))),
    ]


# ---------------------------------------------------------------------------
# Cookies
# ---------------------------------------------------------------------------

class Cookie:
    def __init__(self, name, value, domain, path="/", expires=None, http_only=False,
                 secure=True, same_site="Lax"):
        self.name, self.value, self.domain, self.path = name, value, domain, path
        self.expires, self.http_only, self.secure, self.same_site = expires, http_only, secure, same_site

    def set_cookie_header(self, now):
        parts = ["%s=%s" % (self.name, self.value)]
        if self.domain.startswith("."):
            parts.append("Domain=" + self.domain)
        parts.append("Path=" + self.path)
        if self.expires is not None:
            parts.append("Expires=" + self.expires.strftime("%a, %d %b %Y %H:%M:%S GMT"))
            parts.append("Max-Age=%d" % int((self.expires - now).total_seconds()))
        if self.secure:
            parts.append("Secure")
        if self.http_only:
            parts.append("HttpOnly")
        parts.append("SameSite=" + self.same_site)
        return "; ".join(parts)

    def har(self):
        d = {"name": self.name, "value": self.value, "path": self.path, "domain": self.domain}
        if self.expires is not None:
            d["expires"] = iso(self.expires)
        d.update(httpOnly=self.http_only, secure=self.secure, sameSite=self.same_site)
        return d


# ---------------------------------------------------------------------------
# The session
# ---------------------------------------------------------------------------

class Session:
    """Random values (fixed seed) and the pages' timing."""

    def __init__(self):
        self.rng = random.Random(SEED)
        r = self.rng
        self.sid_value = "%032x" % r.getrandbits(128)
        self.ga_first = int(at(0.9).timestamp())              # first visit, seconds
        self.ga_cid = "%d.%d" % (r.randint(10 ** 9, 2 ** 31 - 1), self.ga_first)
        self.fbp_created = ms(at(1.004))                       # fbevents init on the home page
        self.fbp = "fb.1.%d.%d" % (self.fbp_created, r.randint(10 ** 9, 2 ** 31 - 1))
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        self.uid = "".join(r.choice(alphabet) for _ in range(22))
        self.page_hash = {page: r.randint(10 ** 8, 2 ** 31 - 1)
                          for page in (HOME, SEARCH, CONTACT, THANKS)}  # GA4 _p
        self.uid_created = T0 - timedelta(days=38, hours=5, minutes=12)

        self.c_sid = Cookie("hl_sid", self.sid_value, "www.example-helpline.org", http_only=True)
        self.c_ga = Cookie("_ga", "GA1.1." + self.ga_cid, ".example-helpline.org",
                           expires=at(0.9) + timedelta(days=400))
        self.c_fbp = Cookie("_fbp", self.fbp, ".example-helpline.org",
                            expires=at(1.004) + timedelta(days=90), secure=False)
        self.c_flash = Cookie("hl_flash", "contact_sent", "www.example-helpline.org",
                              expires=None, http_only=True)
        self.c_uid = Cookie("uid", self.uid, ".example-adnet.com",
                            expires=self.uid_created + timedelta(days=365), same_site="None")


# ---------------------------------------------------------------------------
# Request descriptions.  Each is a dict; build_har() turns them into entries.
# ---------------------------------------------------------------------------

def req(s, page, when, method, url, rtype, *, referer, site, cookies=(), origin=None,
        user=False, body=None, body_mime=None, initiator=None, status=200,
        resp_headers=(), set_cookies=(), resp_body=b"", resp_mime="", text=True,
        declared_size=None, location="", wait=60.0, summary=""):
    return dict(page=page, when=when, method=method, url=url, rtype=rtype, referer=referer,
                site=site, cookies=list(cookies), origin=origin, user=user, body=body,
                body_mime=body_mime, initiator=initiator or {"type": "other"}, status=status,
                resp_headers=list(resp_headers), set_cookies=list(set_cookies),
                resp_body=resp_body, resp_mime=resp_mime, text=text,
                declared_size=declared_size, location=location, wait=wait, summary=summary)


def script_initiator(url, line, col, fn=""):
    return {"type": "script", "stack": {"callFrames": [
        {"functionName": fn, "scriptId": str(20 + line % 50), "url": url,
         "lineNumber": line, "columnNumber": col}]}}


def parser_initiator(url, line):
    return {"type": "parser", "url": url, "lineNumber": line}


def html(title, body):
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            "<title>%s</title>\n"
            "<link rel=\"stylesheet\" href=\"/assets/css/site.css?v=3.2.1\">\n"
            "<link rel=\"stylesheet\" href=\"%s\">\n"
            "<script async src=\"%s\"></script>\n"
            "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
            "gtag('js',new Date());gtag('config','%s');</script>\n"
            "<script>!function(f,b,e,v){/* Meta Pixel base code */}(window,document,'script',"
            "'%s');fbq('init','%s');fbq('track','PageView');</script>\n"
            "</head><body>\n%s\n</body></html>\n"
            % (title, FONT_CSS.replace("&", "&amp;"), GTAG_JS, GA_ID, FBEVENTS_JS, PIXEL_ID, body)
            ).encode("utf-8")


def doc_headers(referrer_policy=None):
    h = [("cache-control", "private, no-cache"), ("content-type", "text/html; charset=utf-8"),
         ("server", "nginx"), ("strict-transport-security", "max-age=31536000"),
         ("vary", "Accept-Encoding"), ("x-content-type-options", "nosniff")]
    if referrer_policy:
        h.append(("referrer-policy", referrer_policy))
    return h


def ga_hit(s, page, when, hit, *, first=False, engaged=False, event="page_view", extra=(),
           rtype="ping", referer, wait=28.0):
    params = [
        ("v", "2"), ("tid", GA_ID), ("gtm", "45je3bi0v9"), ("_p", str(s.page_hash[page])),
        ("cid", s.ga_cid), ("ul", "en-us"), ("sr", "%dx%d" % SCREEN), ("_s", str(hit)),
        ("sid", str(s.ga_first)), ("sct", "1"), ("seg", "1" if engaged else "0"),
        ("dl", page), ("dt", TITLES[page]), ("en", event),
    ]
    if first:
        params += [("_fv", "1"), ("_ss", "1")]
    params += list(extra)
    url = GA_COLLECT + "?" + js_query(params)
    return req(s, page, when, "POST", url, rtype, referer=referer, site="cross-site",
               origin=ORIGIN, body="", body_mime="text/plain;charset=UTF-8",
               initiator=script_initiator(GTAG_JS, 380, 211), status=204,
               resp_headers=[("access-control-allow-credentials", "true"),
                             ("access-control-allow-origin", ORIGIN),
                             ("cache-control", "no-cache, no-store, must-revalidate"),
                             ("content-type", "text/plain"),
                             ("cross-origin-resource-policy", "cross-origin"),
                             ("server", "Golfe2")],
               resp_mime="text/plain", wait=wait,
               summary="GA4 %s: cid, dl=%s" % (event, urlsplit(page).path or "/"))


def pixel(s, page, when, event, *, rl, init_ms, ec, referer, extra=(), udff=(), wait=41.0):
    params = [("id", PIXEL_ID), ("ev", event), ("dl", page), ("rl", rl), ("if", "false"),
              ("ts", str(ms(when)))]
    params += list(extra)
    params += [("sw", str(SCREEN[0])), ("sh", str(SCREEN[1]))]
    params += list(udff)
    params += [("v", "2.9.138"), ("r", "stable"), ("ec", str(ec)), ("o", "4126"),
               ("fbp", s.fbp), ("it", str(init_ms)), ("coo", "false"), ("rqm", "GET")]
    url = META_TR + "?" + js_query(params)
    what = "Meta %s: dl, fbp, sw/sh" % event
    if udff:
        what += ", udff[em/ph/fn/ln] (SHA-256 of the form's details)"
    return req(s, page, when, "GET", url, "image", referer=referer, site="cross-site",
               initiator=script_initiator(FBEVENTS_JS, 24, 19050),
               resp_headers=[("cache-control", "no-cache, must-revalidate, max-age=0"),
                             ("content-type", "image/gif"),
                             ("cross-origin-resource-policy", "cross-origin"),
                             ("server", "proxygen-bolt")],
               resp_body=tiny_gif(), resp_mime="image/gif", text=False, wait=wait, summary=what)


def build_requests(s):
    R = []
    c = s
    am = advanced_matching(TYPED["name"], TYPED["email"], TYPED["phone"])

    # ---- page 1: home ------------------------------------------------------------
    p = HOME
    R.append(req(s, p, at(0.0), "GET", HOME, "document", referer=None, site="none", user=True,
                 resp_headers=doc_headers(),
                 set_cookies=[c.c_sid, c.c_ga],
                 resp_body=html(TITLES[HOME],
                                "<header><a href=\"/get-help/contact\">Talk to us</a></header>"
                                "<form action=\"/search\"><input name=\"q\" type=\"search\">"
                                "<button>Search</button></form>"
                                "<p>Free, confidential support, 24/7.</p>"),
                 resp_mime="text/html", wait=118.0,
                 summary="home page; sets hl_sid and _ga"))
    R.append(req(s, p, at(0.212), "GET", SITE_CSS, "stylesheet", referer=HOME, site="same-origin",
                 cookies=[c.c_sid, c.c_ga], initiator=parser_initiator(HOME, 3),
                 resp_headers=[("cache-control", "public, max-age=31536000, immutable"),
                               ("content-type", "text/css"), ("server", "nginx")],
                 resp_body=b"body{font-family:Roboto,sans-serif;margin:0}"
                           b".btn{background:#1b5e9e;color:#fff}\n",
                 resp_mime="text/css", wait=31.0,
                 summary="first-party CSS, v=3.2.1 cache-buster (decoy)"))
    R.append(req(s, p, at(0.214), "GET", FONT_CSS, "stylesheet", referer=HOME, site="cross-site",
                 initiator=parser_initiator(HOME, 4),
                 resp_headers=[("access-control-allow-origin", "*"),
                               ("cache-control", "private, max-age=86400"),
                               ("content-type", "text/css; charset=utf-8"), ("server", "ESF")],
                 resp_body=("@font-face{font-family:'Roboto';font-style:normal;font-weight:400;"
                            "font-display:swap;src:url(%s) format('woff2')}\n"
                            "@font-face{font-family:'Roboto';font-style:normal;font-weight:700;"
                            "font-display:swap;src:url(%s) format('woff2')}\n"
                            % (FONT_400, FONT_400.replace("400", "700"))).encode(),
                 resp_mime="text/css", wait=44.0,
                 summary="font CDN CSS, family=Roboto (decoy); Referer = bare origin"))
    R.append(req(s, p, at(0.219), "GET", GTAG_JS, "script", referer=HOME, site="cross-site",
                 initiator=parser_initiator(HOME, 5),
                 resp_headers=[("cache-control", "private, max-age=900"),
                               ("content-type", "application/javascript; charset=UTF-8"),
                               ("server", "Google Tag Manager")],
                 resp_body=b"/* gtag.js (body left out of this synthetic capture) */\n",
                 resp_mime="application/javascript", wait=52.0, summary="gtag.js"))
    R.append(req(s, p, at(0.221), "GET", FBEVENTS_JS, "script", referer=HOME, site="cross-site",
                 initiator=parser_initiator(HOME, 7),
                 resp_headers=[("cache-control", "public, max-age=1200"),
                               ("content-type", "application/x-javascript; charset=utf-8"),
                               ("server", "proxygen-bolt")],
                 resp_body=b"/* fbevents.js (body left out of this synthetic capture) */\n",
                 resp_mime="application/x-javascript", wait=47.0, summary="fbevents.js"))
    R.append(req(s, p, at(0.455), "GET", FONT_400, "font", referer=FONT_CSS, site="cross-site",
                 origin=ORIGIN, initiator=parser_initiator(FONT_CSS, 0),
                 resp_headers=[("access-control-allow-origin", "*"),
                               ("cache-control", "public, max-age=31536000"),
                               ("content-type", "font/woff2"), ("server", "sffe")],
                 resp_mime="font/woff2", text=False, declared_size=15744, wait=22.0,
                 summary="font file; Referer = the CDN's own CSS"))
    R.append(ga_hit(s, p, at(0.902), 1, first=True, referer=HOME))
    R.append(pixel(s, p, at(1.011), "PageView", rl="", init_ms=s.fbp_created, ec=0, referer=HOME))

    # ---- page 2: search ----------------------------------------------------------
    p = SEARCH
    R.append(req(s, p, at(27.384), "GET", SEARCH, "document", referer=HOME, site="same-origin",
                 user=True, cookies=[c.c_sid, c.c_ga, c.c_fbp], resp_headers=doc_headers(),
                 resp_body=html(TITLES[SEARCH],
                                "<h1>Results for &ldquo;%s&rdquo;</h1><ol>"
                                "<li><a href=\"/get-help/contact?topic=self-harm\">Contact us</a>"
                                "</li><li><a href=\"/get-help/crisis-lines\">Crisis lines</a></li>"
                                "</ol>" % SEARCH_TERM),
                 resp_mime="text/html", wait=96.0, summary="site search (first party)"))
    R.append(ga_hit(s, p, at(28.047), 1, engaged=True, referer=HOME))
    R.append(pixel(s, p, at(28.133), "PageView", rl=HOME, init_ms=ms(at(28.121)), ec=0,
                   referer=HOME))

    # ---- page 3: contact ---------------------------------------------------------
    p = CONTACT
    R.append(req(s, p, at(41.276), "GET", CONTACT, "document", referer=SEARCH, site="same-origin",
                 user=True, cookies=[c.c_sid, c.c_ga, c.c_fbp],
                 resp_headers=doc_headers("unsafe-url"),
                 resp_body=html(TITLES[CONTACT],
                                "<link rel=\"preload\" as=\"font\" type=\"font/woff2\" crossorigin "
                                "href=\"%s\">"
                                "<form id=\"contact-form\" method=\"post\" action=\"/get-help/contact\">"
                                "<input name=\"name\"><input name=\"email\" type=\"email\">"
                                "<input name=\"phone\" type=\"tel\"><textarea name=\"message\">"
                                "</textarea><input name=\"consent\" type=\"checkbox\">"
                                "<button>Send message</button></form>" % FONT_500),
                 resp_mime="text/html", wait=102.0,
                 summary="contact page; Referrer-Policy: unsafe-url"))
    R.append(req(s, p, at(41.498), "GET", FONT_500, "font", referer=CONTACT, site="cross-site",
                 origin=ORIGIN, initiator=parser_initiator(CONTACT, 11),
                 resp_headers=[("access-control-allow-origin", "*"),
                               ("cache-control", "public, max-age=31536000"),
                               ("content-type", "font/woff2"), ("server", "sffe")],
                 resp_mime="font/woff2", text=False, declared_size=15920, wait=21.0,
                 summary="preloaded font; the page reaches the CDN only by Referer"))
    R.append(req(s, p, at(41.733), "GET", CHAT_STATUS, "xhr", referer=CONTACT, site="same-origin",
                 cookies=[c.c_sid, c.c_ga, c.c_fbp],
                 initiator=script_initiator(CONTACT, 14, 9, "refreshChatStatus"),
                 resp_headers=[("cache-control", "no-store"),
                               ("content-type", "application/json"), ("server", "nginx")],
                 resp_body=b'{"online":true,"counsellors":3,"wait_minutes":4}',
                 resp_mime="application/json", wait=38.0, summary="first-party XHR"))
    R.append(ga_hit(s, p, at(41.905), 1, engaged=True, referer=CONTACT))
    R.append(pixel(s, p, at(41.987), "PageView", rl=SEARCH, init_ms=ms(at(41.975)), ec=0,
                   referer=CONTACT))
    # The user types for about two and a half minutes, then presses "Send message".
    R.append(pixel(s, p, at(198.120), "SubmitForm", rl=SEARCH, init_ms=ms(at(41.975)), ec=1,
                   referer=CONTACT, extra=[("cd[buttonText]", "Send message")], udff=am))
    R.append(ga_hit(s, p, at(198.124), 2, engaged=True, event="form_submit", rtype="fetch",
                    referer=CONTACT,
                    extra=[("ep.form_id", "contact-form"), ("ep.form_name", ""),
                           ("ep.form_destination", CONTACT_ACTION), ("ep.form_length", "6"),
                           ("_et", "156204")]))

    # ---- page 4: the form post, its redirect, the thank-you page -----------------
    p = THANKS
    fields = [("name", TYPED["name"]), ("email", TYPED["email"]), ("phone", TYPED["phone"]),
              ("message", TYPED["message"]), ("consent", "on")]
    R.append(req(s, p, at(198.131), "POST", CONTACT_ACTION, "document", referer=CONTACT,
                 site="same-origin", user=True, origin=ORIGIN,
                 cookies=[c.c_sid, c.c_ga, c.c_fbp], body=form_encode(fields),
                 body_mime="application/x-www-form-urlencoded", status=303,
                 resp_headers=[("cache-control", "no-store"), ("content-length", "0"),
                               ("location", "/get-help/contact/thanks"),
                               ("referrer-policy", "unsafe-url"), ("server", "nginx")],
                 set_cookies=[c.c_flash], resp_mime="text/html", location="/get-help/contact/thanks",
                 wait=214.0, summary="the contact form post (first party) -> 303"))
    R.append(req(s, p, at(198.402), "GET", THANKS, "document", referer=CONTACT, site="same-origin",
                 user=True, cookies=[c.c_sid, c.c_ga, c.c_fbp, c.c_flash],
                 resp_headers=doc_headers("unsafe-url"),
                 resp_body=html(TITLES[THANKS],
                                "<h1>Thank you</h1><p>We have received your message. "
                                "A counsellor will call you back.</p>"
                                "<script>/* example-adnet conversion tag: starts its cookie "
                                "sync */</script>"),
                 resp_mime="text/html", wait=88.0, summary="thank-you page"))
    R.append(ga_hit(s, p, at(199.004), 1, engaged=True, referer=THANKS))
    R.append(pixel(s, p, at(199.061), "Lead", rl=CONTACT, init_ms=ms(at(199.049)), ec=0,
                   referer=THANKS, udff=am))
    sync = ADNET_SYNC + "?" + js_query([("partner", "exampledsp"), ("put", s.uid)])
    dsp = DSP_PX + "?" + js_query([("external_user_id", s.uid)])
    R.append(req(s, p, at(199.318), "GET", sync, "image", referer=THANKS, site="cross-site",
                 cookies=[c.c_uid], initiator=script_initiator(THANKS, 2, 517),
                 status=302,
                 resp_headers=[("cache-control", "no-cache, no-store"), ("content-length", "0"),
                               ("location", dsp), ("server", "openresty")],
                 set_cookies=[Cookie("uid", s.uid, ".example-adnet.com",
                                     expires=at(199.318) + timedelta(days=365), same_site="None")],
                 location=dsp, wait=63.0,
                 summary="ad-network cookie sync: put = uid, Cookie uid -> 302"))
    R.append(req(s, p, at(199.447), "GET", dsp, "image", referer=THANKS, site="cross-site",
                 initiator=script_initiator(THANKS, 2, 517),
                 resp_headers=[("cache-control", "no-cache, no-store"),
                               ("content-type", "image/gif"), ("server", "openresty")],
                 resp_body=tiny_gif(), resp_mime="image/gif", text=False, wait=57.0,
                 summary="DSP pixel: external_user_id = the ad network's uid"))
    return R


# ---------------------------------------------------------------------------
# HAR
# ---------------------------------------------------------------------------

def request_headers(r):
    u = urlsplit(r["url"])
    h = [(":authority", u.netloc), (":method", r["method"]),
         (":path", u.path + ("?" + u.query if u.query else "")), (":scheme", "https")]
    rest = [("accept", ACCEPT[r["rtype"]]),
            ("accept-encoding", "gzip, deflate, br"),
            ("accept-language", ACCEPT_LANGUAGE)]
    if r["method"] == "POST":
        rest.append(("content-length", str(len(r["body"].encode()))))
        rest.append(("content-type", r["body_mime"]))
        if r["rtype"] == "document":
            rest.append(("cache-control", "max-age=0"))
    if r["cookies"]:
        rest.append(("cookie", "; ".join("%s=%s" % (ck.name, ck.value) for ck in r["cookies"])))
    if r["origin"]:
        rest.append(("origin", r["origin"]))
    if r["referer"]:
        rest.append(("referer", r["referer"]))
    rest += [("sec-fetch-dest", DEST[r["rtype"]]), ("sec-fetch-mode", MODE[r["rtype"]]),
             ("sec-fetch-site", r["site"])]
    if r["user"]:
        rest.append(("sec-fetch-user", "?1"))
    if r["rtype"] == "document":
        rest.append(("upgrade-insecure-requests", "1"))
    rest.append(("user-agent", USER_AGENT))
    return h + sorted(rest)


def build_har(s, reqs):
    rng = s.rng
    pages, page_ids, entries = [], {}, []
    seen_hosts, conn_ids = set(), {}
    for r in reqs:
        if r["page"] not in page_ids:
            page_ids[r["page"]] = "page_%d" % (len(page_ids) + 1)
            pages.append({"startedDateTime": iso(r["when"]), "id": page_ids[r["page"]],
                          "title": r["page"], "pageTimings": {}})
        host = urlsplit(r["url"]).netloc
        new_conn = host not in seen_hosts
        seen_hosts.add(host)
        conn_ids.setdefault(host, str(81234 + 17 * len(conn_ids)))

        body = r["resp_body"]
        size = r["declared_size"] if r["declared_size"] is not None else len(body)
        blocked = round(rng.uniform(0.6, 3.5), 3)
        dns = round(rng.uniform(9, 32), 3) if new_conn else -1
        connect = round(rng.uniform(38, 70), 3) if new_conn else -1
        ssl = round(connect * 0.62, 3) if new_conn else -1
        send = round(rng.uniform(0.08, 0.4), 3)
        wait = round(r["wait"] + rng.uniform(0, 12), 3)
        receive = round(size / 9000 + rng.uniform(0.2, 2.5), 3)
        timings = {"blocked": blocked, "dns": dns, "ssl": ssl, "connect": connect,
                   "send": send, "wait": wait, "receive": receive,
                   "_blocked_queueing": round(blocked * 0.71, 3)}
        total = round(sum(v for k, v in timings.items()
                          if k in ("blocked", "dns", "connect", "send", "wait", "receive") and v > 0), 3)

        date = r["when"] + timedelta(milliseconds=round(total))
        resp_h = [("date", http_date(date))] + list(r["resp_headers"])
        if body and not any(n == "content-length" for n, _ in resp_h):
            resp_h.append(("content-length", str(size)))
        resp_h += [("set-cookie", ck.set_cookie_header(r["when"])) for ck in r["set_cookies"]]
        resp_h.sort(key=lambda kv: kv[0])

        u = urlsplit(r["url"])
        request = {
            "method": r["method"],
            "url": r["url"],
            "httpVersion": "http/2.0",
            "headers": [{"name": n, "value": v} for n, v in request_headers(r)],
            "queryString": [{"name": n, "value": v} for n, v in raw_pairs(u.query)],
            "cookies": [ck.har() for ck in r["cookies"]],
            "headersSize": -1,
            "bodySize": len(r["body"].encode()) if r["body"] is not None else 0,
        }
        if r["body"]:
            request["postData"] = {"mimeType": r["body_mime"], "text": r["body"]}
            if r["body_mime"] == "application/x-www-form-urlencoded":
                request["postData"]["params"] = [{"name": n, "value": v}
                                                 for n, v in raw_pairs(r["body"])]
        content = {"size": size, "mimeType": r["resp_mime"]}
        if body:
            if r["text"]:
                content["text"] = body.decode("utf-8")
            else:
                content.update(text=base64.b64encode(body).decode(), encoding="base64")
        transfer = 180 + sum(len(n) + len(v) for n, v in resp_h) // 3 + size
        entries.append({
            "_initiator": r["initiator"],
            "_priority": PRIORITY[r["rtype"]],
            "_resourceType": r["rtype"],
            "cache": {},
            "connection": conn_ids[host],
            "pageref": page_ids[r["page"]],
            "request": request,
            "response": {
                "status": r["status"],
                "statusText": "",
                "httpVersion": "http/2.0",
                "headers": [{"name": n, "value": v} for n, v in resp_h],
                "cookies": [ck.har() for ck in r["set_cookies"]],
                "content": content,
                "redirectURL": r["location"],
                "headersSize": -1,
                "bodySize": -1,
                "_transferSize": transfer,
                "_error": None,
            },
            "serverIPAddress": SERVER_IP[host],
            "startedDateTime": iso(r["when"]),
            "time": total,
            "timings": timings,
        })
    # Page timings: DOMContentLoaded and load, relative to the page start.
    # onLoad: 35.5 ms after the last request started within 1.5 s of the page's first one ends
    # (later requests, such as the form submit's events, come after the load event).
    def started(e):
        return datetime.strptime(e["startedDateTime"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=timezone.utc)

    for pg in pages:
        mine = [e for e in entries if e["pageref"] == pg["id"]]
        t_start = started(mine[0])
        t_end = max(started(e) + timedelta(milliseconds=e["time"]) for e in mine
                    if started(e) - t_start <= timedelta(milliseconds=1500))
        on_load = round((t_end - t_start).total_seconds() * 1000 + 35.5, 3)
        pg["pageTimings"] = {"onContentLoad": round(mine[0]["time"] + 160.25, 3), "onLoad": on_load}
    return {"log": {
        "version": "1.2",
        "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": pages,
        "entries": entries,
    }}


# ---------------------------------------------------------------------------
# Expected findings, derived from the HAR entries written.
# ---------------------------------------------------------------------------

def header(entry, name):
    for h in entry["request"]["headers"]:
        if h["name"].lower() == name:
            return h["value"]
    return None


def page_info(url):
    """For a URL value: (is_history, search_term or None).  Only first-party pages count, and a
    bare origin (path "/" without a query) is not history."""
    try:
        u = urlsplit(url)
    except ValueError:
        return False, None
    if not u.scheme.startswith("http") or not is_first_party(u.hostname or ""):
        return False, None
    history = (u.path not in ("", "/")) or bool(u.query)
    term = None
    if u.path in SEARCH_PATHS:
        term = dict(decoded_pairs(u.query)).get(SEARCH_PATHS[u.path])
    return history, term


def typed_from_form(har):
    """The values the user typed, read back from the first-party form post in the HAR."""
    for i, e in enumerate(har["log"]["entries"]):
        rq = e["request"]
        host = urlsplit(rq["url"]).hostname
        if rq["method"] == "POST" and is_first_party(host) and rq.get("postData", {}).get("params"):
            values = dict(decoded_pairs(rq["postData"]["text"]))
            return i, values
    raise SystemExit("no first-party form post in the capture")


def shorten(url, n=70):
    return url if len(url) <= n else url[: n - 1] + "…"


def derive_expected(har):
    form_i, typed = typed_from_form(har)
    first, _, last = typed["name"].strip().partition(" ")
    hashes = {
        sha256(norm_email(typed["email"])): "email",
        sha256(norm_phone(typed["phone"])): "phone",
        sha256(norm_name(first)): "first name",
        sha256(norm_name(last)): "last name",
    }
    norms = {"email": "trimmed, lower-cased", "phone": "digits with country code",
             "first name": "lower-cased", "last name": "lower-cased"}
    findings = {}  # (i, category) -> list of (key, reason)
    decoys = set()

    def add(i, cat, key, why):
        findings.setdefault((i, cat), []).append((key, why))

    ua_re = re.compile(r"Android (\d+(?:\.\d+)*); ([^;)]+?) Build/")
    for i, e in enumerate(har["log"]["entries"]):
        rq = e["request"]
        host = urlsplit(rq["url"]).hostname
        params = decoded_pairs(urlsplit(rq["url"]).query)
        for k, _ in params:
            if k in DECOY_PARAMS:
                decoys.add((i, k))
        if is_first_party(host):
            continue
        # URL-valued tracker parameters and the Referer header.
        sources = [("query:" + k, k, v) for k, v in params if k in HISTORY_PARAMS]
        ref = header(e, "referer")
        if ref:
            sources.append(("header:Referer", "Referer", ref))
        for key, label, v in sources:
            hist, term = page_info(v)
            if hist:
                add(i, "browsing-history", key, "%s = %s" % (label, v))
            if term:
                add(i, "search-query", key, "%s = the site's search page, q = \"%s\"" % (label, term))
        for k, v in params:
            if k in ID_PARAMS:
                add(i, "persistent-id", "query:" + k, "%s = %s (%s)" % (k, v, ID_PARAMS[k]))
            if k in SCREEN_PARAMS:
                add(i, "device-fingerprint", "query:" + k, "%s = %s (screen size)" % (k, v))
            if k in UDFF:
                what = hashes.get(v)
                if what is None:
                    raise SystemExit("request %d: %s is no hash of a typed value" % (i, k))
                add(i, "contact", "query:" + k,
                    "%s = SHA-256 of the %s typed into the form posted in request %d (%s)"
                    % (k, what, form_i, norms[what]))
        for ck in rq["cookies"]:
            if ck["name"] in ID_COOKIES:
                add(i, "persistent-id", "cookie:" + ck["name"],
                    "Cookie %s = %s (%s)" % (ck["name"], ck["value"], ID_COOKIES[ck["name"]]))
        ua = header(e, "user-agent") or ""
        m = ua_re.search(ua)
        if m:
            add(i, "device-fingerprint", "header:User-Agent",
                "User-Agent names Android %s and the model %s" % (m.group(1), m.group(2)))

    out = []
    for (i, cat), items in sorted(findings.items()):
        keys, reasons = [], []
        for k, why in items:
            if k not in keys:
                keys.append(k)
            if why not in reasons:
                reasons.append(why)
        out.append({"request": i, "host": urlsplit(har["log"]["entries"][i]["request"]["url"]).hostname,
                    "category": cat, "keys": keys, "how": "; ".join(reasons)})
    return {
        "requests": len(har["log"]["entries"]),
        "first_party": FIRST_PARTY,
        "third_party_findings": out,
        "decoys": [{"request": i, "key": k} for i, k in sorted(decoys)],
        "typed": {"name": typed["name"], "email": typed["email"], "phone": typed["phone"],
                  "form_request": form_i},
    }


def check(s, har):
    """Consistency checks on what was written (ids shared where they should be)."""
    entries = har["log"]["entries"]
    assert s.c_ga.value.split(".", 2)[2] == s.ga_cid
    for e in entries:
        q = dict(decoded_pairs(urlsplit(e["request"]["url"]).query))
        if "cid" in q:
            assert q["cid"] == s.ga_cid
        if "fbp" in q:
            assert q["fbp"] == s.fbp
        for k in ("put", "external_user_id"):
            if k in q:
                assert q[k] == s.uid and len(s.uid) == 22
    assert len(entries) <= 25


def main():
    s = Session()
    reqs = build_requests(s)
    har = build_har(s, reqs)
    check(s, har)
    expected = derive_expected(har)
    (OUT_DIR / (BASENAME + ".har")).write_text(
        json.dumps(har, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (OUT_DIR / (BASENAME + ".expected.json")).write_text(
        json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("%s (%s), %d requests" % (BASENAME, T0.date(), len(reqs)))
    for i, r in enumerate(reqs):
        print("  %2d  %-4s %-10s %-30s %s" % (i, r["method"], r["rtype"],
                                             urlsplit(r["url"]).netloc, r["summary"]))


if __name__ == "__main__":
    main()

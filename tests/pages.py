"""Helpers for reading pages and their Content-Security-Policy (shared by the header,
OpenAPI and browser tests)."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

OWN_ORIGIN = "http://testserver"
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "srcset", "poster", "data", "cite"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.I)


def parse_csp(header: str) -> dict[str, list[str]]:
    policy = {}
    for directive in filter(None, (d.strip() for d in header.split(";"))):
        name, *sources = directive.split()
        policy[name.lower()] = sources
    return policy


def _default_port(scheme: str) -> int | None:
    return {"http": 80, "https": 443}.get(scheme)


def _scheme_matches(expression: str, scheme: str) -> bool:
    # CSP 3 §6.7.2.8: an http expression also matches https (an upgrade).
    return expression == scheme or (expression == "http" and scheme == "https")


def csp_allows(sources: list[str], url: str, own_origin: str = OWN_ORIGIN) -> bool:
    """Does `url`, reached by a redirect, match a CSP source list? (CSP 3 §6.7.2.5-6.

    After a redirect paths are not compared; that is the case for the OAuth redirect.)"""
    if sources in ([], ["'none'"]):
        return False
    target = urlsplit(url)
    scheme = target.scheme.lower()
    port = target.port or _default_port(scheme)
    for source in sources:
        if source == "'self'":
            own = urlsplit(own_origin)
            if (
                _scheme_matches(own.scheme, scheme)
                and target.hostname == own.hostname
                and port == (own.port or _default_port(own.scheme))
            ):
                return True
        elif source == "*":
            if scheme in ("http", "https", "ws", "wss"):
                return True
        elif re.fullmatch(r"[a-z][a-z0-9+.-]*:", source):
            if _scheme_matches(source[:-1], scheme):
                return True
        else:
            match = re.fullmatch(r"(?:([a-z][a-z0-9+.-]*)://)?([^:/]+)(?::(\d+|\*))?(/.*)?", source)
            if not match or not target.hostname:
                continue
            expr_scheme, host, expr_port, _ = match.groups()
            if expr_scheme and not _scheme_matches(expr_scheme, scheme):
                continue
            if not expr_scheme and scheme not in ("http", "https"):
                continue
            if host.startswith("*."):
                if not target.hostname.endswith(host[1:]):
                    continue
            elif host != target.hostname:
                continue
            if expr_port == "*":
                return True
            wanted = int(expr_port) if expr_port else _default_port(expr_scheme or scheme)
            if port == wanted or (not expr_port and expr_scheme == "http" and port == 443):
                return True
    return False


class PageParser(HTMLParser):
    """Collects the URLs a page references and anything inline a strict CSP blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []  # (tag.attribute, url)
        self.stylesheets: list[str] = []
        self.inline: list[str] = []
        self._tag = ""

    def handle_starttag(self, tag, attrs):
        self._tag = tag
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name in URL_ATTRIBUTES and value is not None:
                urls = [u.split()[0] for u in value.split(",") if u.strip()]
                urls = urls if name == "srcset" else [value]
                self.urls.extend((f"{tag}.{name}", url.strip()) for url in urls)
            if name == "style":
                self.inline.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.inline.append(f"{name} handler on <{tag}>")
        if tag == "style":
            self.inline.append("<style> element")
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.stylesheets.append(attrs.get("href") or "")

    def handle_endtag(self, tag):
        self._tag = ""

    def handle_data(self, data):
        if self._tag == "script" and data.strip():
            self.inline.append("inline <script>")


def is_same_origin(url: str, allow_data: bool = False) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "data":
        return allow_data
    if not parts.scheme and not parts.netloc:
        return True  # relative
    return f"{parts.scheme}://{parts.netloc}" == OWN_ORIGIN


def css_urls(text: str) -> list[str]:
    return [m.group(2) or m.group(4) for m in CSS_URL.finditer(text) if m.group(2) or m.group(4)]

"""Which redirect URIs an application may register, and when a request matches one.

Registration (RFC 9700 §2.1, RFC 8252):
- absolute `https` URIs;
- `http` only for loopback hosts (127.0.0.1, [::1], localhost);
- private-use schemes for native apps (`com.example.app:/callback`);
- the out-of-band URN `urn:ietf:wg:oauth:2.0:oob`.
No fragments, no user-info, no dangerous schemes, and nothing the authorization endpoint
would refuse (`is_well_formed`: non-ASCII hosts, `\\`, `"`, `<`, `>`, bad %-escapes).

Matching is exact string equality, except that a loopback `http` URI matches on any
port (RFC 8252 §7.3): native apps pick a free port at run time.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from oauthlib.uri_validate import is_absolute_uri

OOB_URI = "urn:ietf:wg:oauth:2.0:oob"
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
FORBIDDEN_SCHEMES = {"javascript", "data", "vbscript", "file", "about", "blob", "ftp", "ws", "wss"}
MAX_URI_LENGTH = 2000


def _split(uri: str):
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return None
    return parts


def is_loopback(uri: str) -> bool:
    parts = _split(uri)
    return bool(parts and parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)


def is_well_formed(uri: str) -> bool:
    """Whether the authorization endpoint can redirect to `uri` at all: oauthlib refuses
    every redirect_uri that is not an RFC 3986 absolute URI (ASCII only, a host in its
    xn-- form, no `\\ " < > { } | ^`, valid %-escapes) with invalid_request, using this
    same function, so a URI it refuses is refused at registration too."""
    return uri == OOB_URI or bool(is_absolute_uri(uri))


def validate_redirect_uri(uri: str) -> None:
    """Raise ValidationError with a sentence a person understands."""
    if uri == OOB_URI:
        return
    if len(uri) > MAX_URI_LENGTH:
        raise ValidationError(f"Redirect URIs are limited to {MAX_URI_LENGTH} characters.")
    if any(c.isspace() for c in uri) or any(ord(c) < 32 for c in uri):
        raise ValidationError("A redirect URI cannot contain spaces or control characters.")
    if "#" in uri:
        raise ValidationError(f"{uri}: a redirect URI cannot contain a fragment (#).")
    parts = _split(uri)
    if parts is None or not parts.scheme:
        raise ValidationError(f"{uri}: not an absolute URI.")
    if not is_well_formed(uri):
        raise ValidationError(
            f"{uri}: not a valid URI. Use ASCII only (a host in its xn-- form), "
            'percent-encode other characters, and no \\ " < > { } | ^ or `.'
        )
    scheme = parts.scheme.lower()
    if scheme in FORBIDDEN_SCHEMES:
        raise ValidationError(f"{uri}: the {scheme} scheme is not allowed.")
    if parts.username or parts.password:
        raise ValidationError(f"{uri}: a redirect URI cannot contain a user name or password.")
    if scheme == "https":
        if not parts.hostname:
            raise ValidationError(f"{uri}: an https URI needs a host.")
        return
    if scheme == "http":
        if parts.hostname not in LOOPBACK_HOSTS:
            raise ValidationError(
                f"{uri}: use https; http is only allowed for 127.0.0.1, [::1] and localhost."
            )
        return
    # A private-use scheme for a native app (RFC 8252 §7.1): reverse domain name.
    if "." not in scheme:
        raise ValidationError(
            f"{uri}: a custom scheme must be a reverse domain name, such as com.example.app."
        )
    if parts.netloc:
        raise ValidationError(f"{uri}: write a custom-scheme URI as {scheme}:/path.")


REQUIRED = "Add at least one redirect URI."


def split_redirect_uris(text: str) -> list[str]:
    return text.split()


def problems(uris: list[str]) -> list[str]:
    """Every reason the registration rules refuse any of `uris`, in order (none: all fine).

    The one check behind the model (every path that saves an application) and the
    settings form (which shows the same sentences beside the field)."""
    found: list[str] = []
    for uri in uris:
        try:
            validate_redirect_uri(uri)
        except ValidationError as exc:
            found.extend(exc.messages)
    return found


def redirect_uri_matches(requested: str, registered: list[str]) -> bool:
    if requested in registered:
        return True
    if not is_loopback(requested):
        return False
    asked = _split(requested)
    for uri in registered:
        if not is_loopback(uri):
            continue
        known = _split(uri)
        if (asked.hostname, asked.path, asked.query) == (known.hostname, known.path, known.query):
            return True
    return False

"""The OpenID Connect signing key, from the environment (config/settings/openid.py).

ID tokens are signed RS256 with one RSA private key in PEM form:

- `OIDC_RSA_PRIVATE_KEY`: the PEM itself (a literal `\\n` stands for a line break, for
  environment files that cannot hold one);
- `OIDC_RSA_PRIVATE_KEY_FILE`: the path of a file holding it (a mounted secret).

With neither set, development (DJANGO_DEBUG=1) and the test suite use a key generated
once into the git-ignored `.dev-oidc-key.pem`. Anywhere else the key stays empty:
offline commands still run, and `problem()` tells a serving process why it must not
start. Nothing here imports Django's settings, so settings modules can use it.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

BASE_DIR = Path(__file__).resolve().parent.parent
DEVELOPMENT_KEY_FILE = BASE_DIR / ".dev-oidc-key.pem"
MIN_KEY_BITS = 2048


def development_key_file(path: Path = DEVELOPMENT_KEY_FILE) -> Path:
    """A per-checkout RSA key for development and tests, generated once (mode 0600).

    Written beside the final name and linked into place, so processes starting together
    never read half a key: the first link wins, the others use the winner's key.
    """
    if path.exists():
        return path
    key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_KEY_BITS)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        try:
            os.link(partial, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def private_key(*, debug: bool) -> str:
    """The configured PEM; the development key in debug; otherwise "" (see problem())."""
    pem = os.environ.get("OIDC_RSA_PRIVATE_KEY", "").strip()
    if pem:
        return pem.replace("\\n", "\n") + "\n"
    path = os.environ.get("OIDC_RSA_PRIVATE_KEY_FILE", "")
    if path:
        try:
            return Path(path).read_text()
        except (OSError, UnicodeDecodeError):
            return ""
    if debug:
        return development_key_file().read_text()
    return ""


def problem(pem: str) -> str | None:
    """Why `pem` cannot sign ID tokens, in one line; None when it can."""
    if not pem:
        path = os.environ.get("OIDC_RSA_PRIVATE_KEY_FILE", "")
        if path and not os.environ.get("OIDC_RSA_PRIVATE_KEY", "").strip():
            return f"OIDC_RSA_PRIVATE_KEY_FILE cannot be read: {path}"
        return (
            "OIDC_RSA_PRIVATE_KEY or OIDC_RSA_PRIVATE_KEY_FILE is required when "
            "DJANGO_DEBUG is off."
        )
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, rsa.RSAPrivateKey):
        return "OIDC_RSA_PRIVATE_KEY is not an unencrypted RSA private key in PEM form."
    if key.key_size < MIN_KEY_BITS:
        return f"OIDC_RSA_PRIVATE_KEY must be an RSA key of at least {MIN_KEY_BITS} bits."
    return None

"""A WSGI guard for what Django fails on before any middleware or view runs.

Django builds the request from the environ before its exception handling starts. A
`Content-Type` whose charset names a codec that is not a text encoding (`charset=hex`,
`charset=rot13`: `codecs.lookup` accepts them) makes that construction raise
LookupError while decoding the query string, which the WSGI server answers with a bare
500. The guard answers 400 instead, with the response the site builds for that path
(`settings.CHARSET_GUARD_REFUSAL`: a function of the path returning an HttpResponse; the
OAuth app answers in the endpoint's own error shape).
"""

from __future__ import annotations

import codecs
from email.message import Message

from django.http import HttpResponse


def _charset(content_type: str) -> str | None:
    message = Message()
    message["content-type"] = content_type
    return message.get_param("charset")


def is_usable_charset(content_type: str) -> bool:
    if "charset" not in content_type.lower():
        return True  # nothing to check (every request without one: no header parsing)
    charset = _charset(content_type)
    if not charset or not isinstance(charset, str):
        return True
    try:
        return codecs.lookup(charset)._is_text_encoding
    except LookupError:
        return True  # Django ignores charsets it does not know


def _refusal(path: str) -> HttpResponse:
    from django.conf import settings
    from django.utils.module_loading import import_string

    name = getattr(settings, "CHARSET_GUARD_REFUSAL", None)
    if name:
        return import_string(name)(path)
    return HttpResponse("The request body could not be parsed", status=400)


class CharsetGuard:
    def __init__(self, application) -> None:
        self.application = application

    def __call__(self, environ, start_response):
        if is_usable_charset(environ.get("CONTENT_TYPE", "")):
            return self.application(environ, start_response)
        response = _refusal(environ.get("PATH_INFO", ""))
        status = f"{response.status_code} {response.reason_phrase}"
        start_response(status, [(k, v) for k, v in response.items()])
        return [response.content]

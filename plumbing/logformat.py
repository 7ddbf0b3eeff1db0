"""Log formatting: one line per event, as text or JSON, with no dependency.

Used by Django (`LOGGING` in config/settings/logs.py) and by gunicorn (config/gunicorn.py), so
both write the same shape; `LOG_FORMAT=json` switches both to one JSON object per line.

- A traceback is folded into its event's line: newlines become a literal `\\n`. That
  keeps "one line per event" and also stops a value carrying a newline (a path, a
  username) from forging a second line.
- `RedactQueryStrings` cuts query strings out of gunicorn's own error messages, the one
  place where a server log names a full URI (a token sent in a query string must not
  reach the logs). Django's loggers name paths only (`request.path`), and the access log
  format in config/gunicorn.py uses the path without its query string.
"""

from __future__ import annotations

import json
import logging
import re
import time

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _timestamp(record: logging.LogRecord) -> str:
    """ISO 8601 in UTC with milliseconds: 2025-01-31T12:00:00.123Z."""
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


def one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


class LineFormatter(logging.Formatter):
    """`2025-01-31T12:00:00.123Z INFO django.request Not Found: /x`, always one line."""

    def __init__(self, fmt: str = TEXT_FORMAT, **kwargs) -> None:
        super().__init__(fmt, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _timestamp(record)

    def format(self, record: logging.LogRecord) -> str:
        return one_line(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, process, message (and exc, status)."""

    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
        }
        # django.request adds the response's status (never the request itself).
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            event["status"] = status
        if record.exc_info:
            event["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            event["exc"] = record.exc_text
        if record.stack_info:
            event["stack"] = self.formatStack(record.stack_info)
        # json.dumps escapes newlines inside strings: the object stays on one line.
        return json.dumps(event, ensure_ascii=False, default=str)


_QUERY = re.compile(r"\?[^\s'\"]*")


class RedactQueryStrings(logging.Filter):
    """Replace every `?query` in a record's message with `?[redacted]`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg = _QUERY.sub("?[redacted]", message)
            record.args = ()
        return True

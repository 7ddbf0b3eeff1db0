"""gunicorn settings for Gatehouse: `gunicorn -c config/gunicorn.py config.wsgi`.

Every value can be changed from the environment (README "Deploy"):

| variable | default | meaning |
|---|---|---|
| `GUNICORN_BIND` | `0.0.0.0:$PORT` | address(es) to listen on, comma-separated |
| `PORT` | 8000 | the port, when GUNICORN_BIND is not set |
| `GUNICORN_WORKERS` (or `WEB_CONCURRENCY`) | 2 x CPUs + 1 | worker processes |
| `GUNICORN_TIMEOUT` | 30 | seconds before a silent worker is killed and replaced |
| `GUNICORN_MAX_REQUESTS` | 0 | requests before a worker is recycled (0: never) |
| `GUNICORN_LOG_LEVEL` | info | gunicorn's own messages (`debug` … `critical`) |
| `LOG_FORMAT` | text | `json` for one JSON object per line (as Django's logs) |

Decisions:
- Sync workers. Every request is short and CPU- or database-bound; a buffering reverse
  proxy or load balancer in front absorbs slow clients.
- `preload_app`: the application is imported once, in the master, before the workers
  fork. A configuration error (no DJANGO_SECRET_KEY, a bad DATABASE_URL scheme, an
  unknown OAUTH_DIALECT) stops gunicorn at once with one error, before it listens,
  instead of every worker failing in turn. Deploying new code therefore means a restart
  (`systemctl restart`), not a HUP. Django opens no connection at import, so no
  database or Redis socket is shared between workers.
- The access log names the path without its query string (`%(U)s`, never `%(r)s` or
  `%(q)s`), and neither the Referer, the Authorization header (`%(u)s` would decode HTTP
  Basic) nor any body; gunicorn's own error messages have their query strings redacted.
- No control socket (gunicorn 25+ opens one in the home directory by default); no
  SCRIPT_NAME/PATH_INFO taken from proxy headers.
"""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# The log formatters below are imported by name (plumbing.logformat) before the app loads.
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers)
    except AttributeError:
        return os.cpu_count() or 1


wsgi_app = "config.wsgi:application"
chdir = str(BASE_DIR)

bind = [
    address.strip()
    for address in os.environ.get(
        "GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}"
    ).split(",")
    if address.strip()
]
workers = int(
    os.environ.get("GUNICORN_WORKERS") or os.environ.get("WEB_CONCURRENCY") or 2 * _cpus() + 1
)
worker_class = "sync"
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = timeout
# Workers stay at ~70 MB under load (docs/performance.md), so they are not recycled by
# default: each recycle (a fork, a new database connection) put a 4-13x p99 spike in the
# benchmark. Set it if a leak ever shows.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# Worker heartbeats on tmpfs: a disk-backed /tmp (some container filesystems) can stall.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

control_socket_disable = True
forwarder_headers = ""

# ---- logs: one line per event, on stdout (access) and stderr (everything else) ----------

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# client address, "METHOD /path PROTOCOL", status, bytes, duration, user agent, the
# proxy's X-Request-ID (or -).
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}i)s'

_formatter = (
    "plumbing.logformat.JsonFormatter"
    if os.environ.get("LOG_FORMAT", "text") == "json"
    else "plumbing.logformat.LineFormatter"
)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": []},
    "filters": {"redact_query": {"()": "plumbing.logformat.RedactQueryStrings"}},
    "formatters": {"gatehouse": {"()": _formatter}},
    "handlers": {
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "gatehouse",
            "stream": "ext://sys.stdout",
        },
        "error": {
            "class": "logging.StreamHandler",
            "formatter": "gatehouse",
            "filters": ["redact_query"],
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}

"""gunicorn settings for the bench: production's (config/gunicorn.py), with three changes.

bench/servers.py starts `gunicorn -c bench/gunicorn.py` and sets:

- BENCH_GUNICORN_BIND: 127.0.0.1 and a free port (production: GUNICORN_BIND or 0.0.0.0);
- BENCH_GUNICORN_WORKERS: the worker count (2 by default, the issue's figure);
- BENCH_GUNICORN_ERRORLOG: gunicorn's own log goes to this file.

and the access log is off: no `accesslog`, and no `logconfig_dict` (which would turn
access logging back on through its `gunicorn.access` logger). Everything else, worker
class, preload, timeouts, max_requests recycling and the rest, is production's as
config/gunicorn.py sets it; without that file, gunicorn's defaults with sync workers.
"""

import os

try:
    from config.gunicorn import *  # noqa: F403
except ImportError:  # a checkout without a production gunicorn configuration
    pass

# Gatehouse (config.wsgi), or the bare floor server (bench.floor.wsgi).
wsgi_app = os.environ.get("BENCH_GUNICORN_APP", "config.wsgi:application")
bind = [os.environ["BENCH_GUNICORN_BIND"]]
workers = int(os.environ["BENCH_GUNICORN_WORKERS"])
worker_class = "sync"
control_socket_disable = True
accesslog = None
logconfig_dict = {}
errorlog = os.environ["BENCH_GUNICORN_ERRORLOG"]
loglevel = "info"

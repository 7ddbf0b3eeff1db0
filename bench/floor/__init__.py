"""The floors: bare Django, the least a Django view can do for a read or a write.

A second gunicorn serves this package (bench/run.py) beside Gatehouse, with its own
settings: no middleware, no installed apps, no ORM models, one URL per floor. Each
Gatehouse operation is reported as a ratio to one of these, so the ratio charges
Gatehouse for everything it adds to Django itself (middleware, DRF, oauthlib, rate limits,
the ORM).

- read: parse the bearer token, SHA-256 it, one indexed SELECT of the access token row;
- insert: one INSERT of an access token row (a random checksum, the bench application).
"""

"""Site plumbing: what every request meets around the views, with no OAuth knowledge.

- `machine`: machine endpoints (JSON for programs) skip the browser's middleware;
- `prepared`: ORM reads compiled once, for the hot paths;
- `db`: persistent connections are health-checked only after they sat idle.
"""

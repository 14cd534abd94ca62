"""A simulator of the provincial government service platform (一体化平台), for development, tests and
benchmarks: a real HTTP server that receives the service's messages (with an idempotency ledger and
injected faults) and pushes applications to the service. Run it with ``python -m simulator``."""

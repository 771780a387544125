"""Benchmarks and load/fault runs: `bench/run` runs them all (see __main__.py)."""

import os

# Benchmarks run the site with DEBUG off, as production does: a key of their own.
os.environ.setdefault("SECRET_KEY", "insecure-key-for-benchmarks-only-0123456789abcdef")

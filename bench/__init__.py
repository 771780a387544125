"""Benchmarks and load/fault runs: `bench/run` runs them all (see __main__.py)."""

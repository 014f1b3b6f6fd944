"""Benchmarks and the chain-scale dataset generator (shared/spec/scale.md).

`python -m bench.generate --var DIR` loads the "chain-5y" dataset; see `bench/generate.py`.
"""

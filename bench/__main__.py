"""``python -m bench``: every benchmark, one after the other."""

from bench import compile as compile_bench

compile_bench.main([])

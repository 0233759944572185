"""Benchmarks: each prints its baseline, its figure and their ratio (machines here are noisy)."""

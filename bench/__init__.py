"""Mercato's benchmarks: each measures the project's code against a baseline in the same run."""

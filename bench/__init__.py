"""Benchmarks, each printing ratios against a baseline from the same run."""

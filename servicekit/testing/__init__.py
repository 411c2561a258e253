"""Helpers for tests and benchmarks: importable by test code, never used in production."""

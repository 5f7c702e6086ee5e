"""Diagnose: what a file earns on the 5-star scale and what would raise it."""

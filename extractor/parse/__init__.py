"""Parsers: pure functions from layout blocks to schema objects."""

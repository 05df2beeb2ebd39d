"""Utilities of the original API (movies)."""

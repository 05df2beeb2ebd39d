"""Mappings, bounding boxes and providers with the original's camelCase API."""

"""Georeferencing own photographs: NASA EOL downloads, lens correction, astrometric solving."""

"""auromat plugin: maps, image overlays, diagnostics and movies (matplotlib, cartopy)"""

"""auromat plugin: map photographs taken from orbit (FITS WCS solutions, TLE orbits, RAW images, lens correction)"""

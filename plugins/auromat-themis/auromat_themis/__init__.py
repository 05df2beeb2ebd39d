"""auromat plugin: THEMIS all-sky imager frames georeferenced from real calibrations"""

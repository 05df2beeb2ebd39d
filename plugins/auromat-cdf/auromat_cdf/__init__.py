"""auromat plugin: ISTP-compliant CDF export and reading (spacepy.pycdf)"""

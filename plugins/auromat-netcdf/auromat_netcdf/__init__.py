"""auromat plugin: CF-compliant netCDF export and reading (netCDF4)"""

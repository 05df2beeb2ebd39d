"""The lock that serialises file access through netCDF-C/HDF5, which is not thread-safe."""

import threading

IO_LOCK = threading.RLock()

"""The lock that serialises file access through the CDF library, which is not thread-safe."""

import threading

IO_LOCK = threading.RLock()

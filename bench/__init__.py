"""Build benchmark: synthetic catalogues and timed builds (``make bench``)."""

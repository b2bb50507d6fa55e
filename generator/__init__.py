"""journeydocs: a static site generator for ITIL customer journey catalogues."""

__version__ = "0.1.0"

"""glossbook: print and ebook publishing for reference books."""

__version__ = "0.1.0"

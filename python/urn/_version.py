"""The package version: the library version it is made for (tests/test_model.py checks they agree)."""
__version__ = "0.1.0"

"""Development tools: run by dev.py, imported by the tests, never shipped in the package."""

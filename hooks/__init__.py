"""The hook shims that ``git session install`` copies into a repository's hooks directory.

This folder is package data (``git_session.hooks``), read with ``importlib.resources``;
this file only makes it a regular package, so that editable installs serve it too.
"""

"""git-session: a branch's working context, kept in the repository."""

import gc as _gc

# Python's own thresholds of the cyclic collector, taken before any command changes them
# (``cli.main`` raises them for a short command; the MCP server and an untrusted template's
# rendering go back to these).
PYTHON_GC_THRESHOLD = _gc.get_threshold()

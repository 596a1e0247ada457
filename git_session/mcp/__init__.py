"""The second front end: the session served to coding agents over the Model Context
Protocol (``git session mcp``). ``tools`` calls the core as the command line does and
renders the answers; ``hints`` says the core's advice in the server's own words;
``server`` wires them into the MCP SDK (the optional extra ``git-session[mcp]``), which
only it imports."""

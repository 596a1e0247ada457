"""What coding agents (Claude Code, Codex, Gemini CLI) are given by their hooks: the brief,
what changed since they last looked, and what their events record on the session.

Where each client keeps its configuration, and how it is installed, is in
``integrations.agent_clients`` and the agent integrations (the core); this package renders
(the output layer)."""

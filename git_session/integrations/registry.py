"""Every integration, by name: ``doctor`` checks each one and ``uninstall`` removes each one.

A new integration is one module (a class satisfying ``base.Integration``) and one entry here.
The order is the order of ``doctor``'s report and of ``uninstall``'s work.
"""

from __future__ import annotations

from git_session.integrations.agent_clients import AGENT_NAMES
from git_session.integrations.agents import AgentHooks
from git_session.integrations.base import Integration
from git_session.integrations.git_hooks import GitHooks
from git_session.integrations.hook_managers import HookManagers
from git_session.integrations.notes_config import NotesConfig

_ALL: tuple[Integration, ...] = (GitHooks(), HookManagers(), NotesConfig(), *(AgentHooks(a) for a in AGENT_NAMES))
INTEGRATIONS: dict[str, Integration] = {integration.name: integration for integration in _ALL}

"""Where git-session plugs into other things: git's hooks, hook managers, git's config.

``base`` holds the ``Integration`` Protocol and the values it exchanges, ``registry`` the
name -> implementation dict, ``commands`` install and uninstall, ``record`` what install
added. ``git_session.doctor`` checks every registered integration.
"""

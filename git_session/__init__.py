"""git-session: a branch's working context, kept in the repository."""

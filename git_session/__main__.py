from git_session.cli import main

main()

from git_session.launch import main

main()

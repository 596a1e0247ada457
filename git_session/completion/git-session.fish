# fish completion for git-session: `git-session <TAB>`, and `git session <TAB>` (fish's git
# completion hands custom commands to git-session's). Enable it with, in
# ~/.config/fish/config.fish:
#     git session completion fish | source
# The program itself says what to offer: this only passes it the words typed so far.

function __git_session_complete
    set -l tokens (commandline -opc) (commandline -ct)
    set -l cmd $tokens[1]
    set -e tokens[1]
    if test (path basename -- $cmd) = git
        # `git [options] session ...`: the words after `session`
        set -l at (contains -i -- session $tokens)
        or return
        set tokens $tokens[(math $at + 1)..-1]
        set cmd git session
    end
    for line in (env _GIT_SESSION_COMPLETE=fish $cmd $tokens 2>/dev/null)
        set -l parts (string split \t -- $line)
        switch $parts[1]
            case plain
                if test -n "$parts[3]"
                    printf '%s\t%s\n' $parts[2] $parts[3]
                else
                    printf '%s\n' $parts[2]
                end
            case file
                __fish_complete_path (commandline -ct)
            case dir
                __fish_complete_directories (commandline -ct)
        end
    end
end

complete -c git-session -f -a '(__git_session_complete)'

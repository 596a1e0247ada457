# zsh completion for git-session: `git session <TAB>` (through zsh's _git, which calls
# _git-session for the command `git session`) and `git-session <TAB>`. Enable it with, in
# ~/.zshrc after compinit:
#     eval "$(git session completion zsh)"
# The program itself says what to offer: this only passes it the words typed so far.

_git-session () {
	local -a cmd lines described plain
	local line kind value description
	if [[ $words[1] == session ]]; then  # called by _git: its words start at the command
		cmd=(git session)
	else
		cmd=($words[1])
	fi
	lines=("${(@f)$(_GIT_SESSION_COMPLETE=zsh $cmd "${(@)words[2,CURRENT]}" 2>/dev/null)}")
	for line in $lines; do
		kind=${line%%$'\t'*}
		line=${line#*$'\t'}
		value=${line%%$'\t'*}
		description=${line#*$'\t'}
		case $kind in
		plain)
			if [[ -n $description ]]; then
				described+=("${value//:/\\:}:$description")
			else
				plain+=("$value")
			fi
			;;
		file) _files; return ;;
		dir) _files -/; return ;;
		esac
	done
	(( $#described )) && _describe -t values 'git session' described
	(( $#plain )) && compadd -a plain
	return 0
}

() {
	# `git <TAB>` lists session among git's commands
	local -a user_commands
	zstyle -a ':completion:*:*:git:*' user-commands user_commands
	zstyle ':completion:*:*:git:*' user-commands $user_commands \
		"session:keep a branch's working context in the repository"
}
compdef _git-session git-session

# bash completion for git-session: `git session <TAB>` (through git's own completion, which
# calls _git_session) and `git-session <TAB>`. Enable it with, in ~/.bashrc:
#     eval "$(git session completion bash)"
# The program itself says what to offer: this only passes it the words typed so far.

# Usage: __git_session_ask SUFFIX N COMMAND... WORD...: the N words of COMMAND run the
# program; the WORDs are those after `git session`, the last one being completed.
__git_session_ask ()
{
	local suffix=$1 n=$2
	shift 2
	local -a cmd=("${@:1:n}") args=("${@:n+1}")
	local out line kind value
	COMPREPLY=()
	out=$(_GIT_SESSION_COMPLETE=bash "${cmd[@]}" "${args[@]}" 2>/dev/null) || return 0
	while IFS= read -r line; do
		kind=${line%%$'\t'*}
		value=${line#*$'\t'}
		value=${value%%$'\t'*}
		case $kind in
		plain)
			if [[ $value == *[[:space:]]* ]]; then
				printf -v value '%q' "$value"
			fi
			COMPREPLY+=("$value$suffix")
			;;
		file | dir)
			# nothing offered: the completion's "-o default" completes file names
			COMPREPLY=()
			return 0
			;;
		esac
	done <<<"$out"
	return 0
}

# Called by git's completion for `git [-C DIR] session ...` (words, cword, __git_cmd_idx
# and __git_C_args are its variables). git's completion adds no space after a word by
# itself, so each candidate carries its own.
# shellcheck disable=SC2154  # words, cword, __git_C_args: set by git's completion
_git_session ()
{
	local start=${__git_cmd_idx:-1}
	__git_session_ask " " $((2 + ${#__git_C_args[@]})) git "${__git_C_args[@]}" session \
		"${words[@]:start+1:cword-start}"
}

# `git-session ...` typed as a command of its own.
_git_session_complete ()
{
	__git_session_ask "" 1 "${COMP_WORDS[0]}" "${COMP_WORDS[@]:1:COMP_CWORD}"
}

complete -o bashdefault -o default -F _git_session_complete git-session

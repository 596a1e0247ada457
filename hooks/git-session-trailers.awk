# git-session: put a session's trailers into a commit message file.
# Invoked by the prepare-commit-msg and commit-msg hooks as
#   LC_ALL=C awk -v mode=MODE [-v committed=1] -f git-session-trailers.awk CACHE [OLD] MESSAGE
# (committed=1: the branch moved since CACHE was rendered, by a commit made with it)
# CACHE is the pre-rendered trailers file, MESSAGE the file git passes to the hook. The
# message is rewritten in place (in END, after it was read whole). MODE:
#   fresh     a new commit: our trailers replace any of ours already in the message
#   amend     --amend with the message of HEAD: old lines of ours are merged with new ones
#   amendmsg  --amend with a new message: OLD (HEAD's message) supplies the old lines
# An empty message is left alone, so that git still aborts the commit.
# Rules (see git-session(1)): trailers go above the scissors line and the comment block
# git appends for the editor; comment characters are honoured (also core.commentChar=auto);
# a `---` line is never a divider; a last paragraph that merely looks like trailers
# ("See also: x") stays body text unless it holds a known trailer; values never hold a newline.

FILENAME == ARGV[1] {
    if (FNR == 1) { if ($0 != "git-session-trailers 2") bad = 1; next }
    if (FNR <= 7) { split($0, kv, " "); head[kv[1]] = substr($0, length(kv[1]) + 2); next }
    new[++nnew] = $0
    next
}
mode == "amendmsg" && FILENAME == ARGV[2] { old[++nold] = $0; next }
{ line[++n] = $0 }

function is_comment(s) { return cc != "" && substr(s, 1, 1) == cc }
function is_cut(s, c) { return s == c " ------------------------ >8 ------------------------" }
function blank(s) { return s ~ /^[ \t]*$/ }
function key_of(s,   i) {
    if (s !~ /^[A-Za-z0-9][A-Za-z0-9-]*[ \t]*:/) return ""
    i = index(s, ":"); s = substr(s, 1, i - 1); sub(/[ \t]+$/, "", s); return s
}
function ours(k) { return k != "" && (k == kid || k == kobj || k == kdec) }
function known(k,   l) {
    l = tolower(k)
    return ours(k) || l ~ /^(signed-off-by|co-authored-by|reviewed-by|acked-by|tested-by|reported-by|helped-by|suggested-by|cc|fixes|closes|resolves|refs|change-id|bug|issue|task)$/
}

# The comment character git used: the configured one, or for "auto" the first candidate
# whose lines form a trailing comment block (git picks one no message line starts with).
function find_comment_char(   cands, i, c) {
    if (head["comment"] != "auto") return head["comment"]
    cands = "#;@!$%^&|:"
    for (i = 1; i <= length(cands); i++) {
        c = substr(cands, i, 1)
        if (block_start(c) > 0) return c
    }
    return ""
}
# Where the trailing comment block written with character c starts (0: there is none).
# It runs to the end or to the scissors line, holds only comment and blank lines, and
# looks like git's template: a lone comment character, the scissors line, or two lines.
function block_start(c,   i, first, count, lone, cut) {
    first = 0; count = 0; lone = 0; cut = 0
    for (i = 1; i <= n; i++) {
        if (is_cut(line[i], c)) { cut = i; break }
        if (substr(line[i], 1, 1) == c) {
            if (!first) first = i
            count++
            if (line[i] == c) lone = 1
        } else if (!blank(line[i])) { first = 0; count = 0; lone = 0 }
    }
    if (cut && !first) return cut
    if (first && (lone || cut || count >= 2)) return first
    return 0
}

# A commit was made since the cache was rendered (with these trailers): what changed
# before it is not news for the next one.
function drop_changes(   i, m) {
    m = 0
    for (i = 1; i <= nnew; i++) if (key_of(new[i]) != kdec && !done_line(new[i])) new[++m] = new[i]
    nnew = m
}

function add_line(s) { out[++nout] = s }
function emit_new(   i) { for (i = 1; i <= nnew; i++) add_line(new[i]) }

# Old lines of ours (amend) merged with the new ones: decisions are a union, objectives
# take their current status, those done before stay, those gone are dropped. The lines stay
# grouped as in a fresh commit (id, open, done, decisions), the old ones before the new ones.
function keep(s) { if (!(s in kept)) { new[++nnew] = s; kept[s] = 1 } }
function done_line(s) { return key_of(s) == kobj && s ~ /:[ \t]*\[done\]/ }
function merge_old(   i, k, text, cur, nl, later) {
    nl = 0
    for (i = 1; i <= nnew; i++) {
        k = key_of(new[i])
        if (k == kobj) { text = new[i]; sub(/^[^:]*:[ \t]*\[[a-z]+\][ \t]*/, "", text); cur[text] = 1 }
        if (k == kdec || done_line(new[i])) { later[++nl] = new[i]; continue }
        new[i - nl] = new[i]; kept[new[i]] = 1
    }
    nnew -= nl
    for (i = 1; i <= nold; i++) {
        if (!done_line(old[i])) continue
        text = old[i]; sub(/^[^:]*:[ \t]*\[[a-z]+\][ \t]*/, "", text)
        if (!(text in cur)) keep(old[i])
    }
    for (i = 1; i <= nl; i++) if (key_of(later[i]) == kobj) keep(later[i])
    for (i = 1; i <= nold; i++) if (key_of(old[i]) == kdec) keep(old[i])
    for (i = 1; i <= nl; i++) if (key_of(later[i]) == kdec) keep(later[i])
}

END {
    if (bad) exit 3
    split(head["keys"], ks, " "); kid = ks[1]; kobj = ks[2]; kdec = ks[3]
    if (committed) drop_changes()
    cc = find_comment_char()
    tail = cc == "" ? 0 : block_start(cc)
    if (!tail) tail = n + 1
    # the content: lines before the comment block, without the blank lines that end it
    last = tail - 1
    while (last > 0 && blank(line[last])) last--
    first = 1
    while (first <= last && (blank(line[first]) || is_comment(line[first]))) first++
    if (first > last) exit 0  # an empty message stays empty: git aborts the commit
    # the last paragraph, if it is not the first: a trailer block when it holds trailers only
    # and at least one git or we would recognise
    start = last
    while (start >= first && !blank(line[start])) start--
    start++
    block = 0
    if (start > first) {
        block = 1; recognised = 0
        for (i = start; i <= last; i++) {
            if (is_comment(line[i])) continue
            k = key_of(line[i])
            if (k == "" && line[i] !~ /^[ \t]/ && line[i] !~ /^\(cherry picked from commit /) { block = 0; break }
            if (known(k) || line[i] ~ /^\(cherry picked from commit /) recognised = 1
        }
        if (!recognised) block = 0
    }
    if (mode == "amend") {
        for (i = (block ? start : last + 1); i <= last; i++) if (ours(key_of(line[i]))) old[++nold] = line[i]
    }
    if (mode == "amend" || mode == "amendmsg") merge_old()
    for (i = 1; i < (block ? start : last + 1); i++) add_line(line[i])
    if (block) {
        for (i = start; i <= last; i++) {
            if (ours(key_of(line[i]))) { skip = 1; continue }
            if (skip && line[i] ~ /^[ \t]/) continue
            skip = 0; add_line(line[i])
        }
    } else if (last >= first) {
        add_line("")
    }
    emit_new()
    if (tail <= n) add_line("")
    for (i = tail; i <= n; i++) if (i > last) add_line(line[i])
    target = ARGV[ARGC - 1]
    for (i = 1; i <= nout; i++) print out[i] > target
    close(target)
}

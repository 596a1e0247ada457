# git-session: put a session's trailers into a commit message file (reads GIT_SESSION_CONFIGS).
# Invoked by the prepare-commit-msg and commit-msg hooks as
#   LC_ALL=C awk -v mode=MODE [-v committed=1] -f git-session-trailers.awk CACHE [OLD] MESSAGE
# (committed=1: the branch moved since CACHE was rendered, by a commit made with it). With
# GIT_SESSION_BEFORE naming a file (a line, then the template message the editor opened on),
# a MESSAGE still the same is left alone and the exit status is 4. (An environment variable,
# not a file argument: an awk program written by an older git-session ignores it.)
# With GIT_SESSION_CONFIGS naming config files (one a line), it writes nothing and exits 5
# unless CACHE was rendered from no trailer config and none of them may set one now.
# CACHE is the pre-rendered trailers file, MESSAGE the file git passes to the hook. The
# message is rewritten in place (in END, after it was read whole), or with GIT_SESSION_OUT
# written to the file it names (see END). MODE:
#   fresh     a new commit: our trailers replace any of ours already in the message
#   amend     --amend with the message of HEAD: old lines of ours are merged with new ones
#   amendmsg  --amend with a new message: OLD (HEAD's message) supplies the old lines
# An empty message is left alone, so that git still aborts the commit.
# Rules (see git-session(1)): trailers go above the scissors line and the comment block
# git appends for the editor; comment characters are honoured (also core.commentChar=auto);
# a `---` line is never a divider; values never hold a newline.
# Which lines are ours: only a run in the trailer block that starts with the id line we
# write (`<id key>: <26-character session id>`) and goes on over lines with our objectives
# or decisions key. Every other line is the user's, whatever its key, and is kept in place.
# The trailer block is found as git finds it (trailer.c): the last paragraph, not the first,
# made of trailers only, or of at least 25% trailers with one git-generated or configured.
# When the message ends in one, our lines join it, so that the user's trailers stay
# trailers; otherwise they make a paragraph of their own.

FILENAME == ARGV[1] {
    if (FNR == 1) { if ($0 != "git-session-trailers 2") bad = 1; next }
    if (recorded) { nrecorded++; next }  # after a blank line: the config it was rendered from
    if ($0 == "") { recorded = 1; next }
    if (FNR <= 7) { split($0, kv, " "); head[kv[1]] = substr($0, length(kv[1]) + 2); next }
    if (FNR == 8 && $0 ~ /^configured( |$)/) { head["configured"] = substr($0, 12); next }
    if (FNR == 9 && $0 ~ /^separators( |$)/) { head["separators"] = substr($0, 12); seps_given = 1; next }
    new[++nnew] = $0
    next
}
mode == "amendmsg" && FILENAME == ARGV[2] { prev[++nprev] = $0; next }
{ line[++n] = $0 }

function is_comment(s) { return cc != "" && substr(s, 1, 1) == cc }
function is_cut(s, c) { return s == c " ------------------------ >8 ------------------------" }
function blank(s) { return s ~ /^[ \t\r\v\f]*$/ }
function key_of(s,   i) {
    if (s !~ /^[A-Za-z0-9][A-Za-z0-9-]*[ \t]*:/) return ""
    i = index(s, ":"); s = substr(s, 1, i - 1); sub(/[ \t]+$/, "", s); return s
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

# --- the trailer block, as git's trailer.c finds it (pc: the comment character git parses with)
function parsed_comment(s) { return pc != "" && substr(s, 1, 1) == pc }
# Whether s is a trailer line to git: a key, blanks, then one of the separators (trailer.separators)
function separated(s) {
    if (!match(s, /^[A-Za-z0-9-]+[ \t]*/) || RLENGTH >= length(s)) return 0
    return index(seps, substr(s, RLENGTH + 1, 1)) > 0
}
function configured(s,   i, tok) {
    tok = s; match(tok, /^[A-Za-z0-9-]+/); tok = tolower(substr(tok, 1, RLENGTH))
    for (i = 1; i <= ncfg; i++) if (index(tolower(cfg[i]), tok) == 1) return 1
    return 0
}
# Sets bstart and bend to the first and last line of the trailer block of a[from..to]
# (both 0: there is none). from is the first line of the message.
function find_block(a, from, to,   i, eot, only, rec, tl, ntl, pcl) {
    bstart = 0; bend = 0
    for (eot = from; eot <= to; eot++) if (!parsed_comment(a[eot]) && blank(a[eot])) break
    only = 1; rec = 0; tl = 0; ntl = 0; pcl = 0
    for (i = to; i >= eot; i--) {
        if (parsed_comment(a[i])) { ntl += pcl; pcl = 0; continue }
        if (blank(a[i])) {
            if (only) continue
            ntl += pcl
            if ((rec && tl * 3 >= ntl) || (tl && !ntl)) bstart = i + 1
            else bend = 0
            return
        }
        if (only) bend = i
        only = 0
        if (index(a[i], "Signed-off-by: ") == 1 || index(a[i], "(cherry picked from commit ") == 1) {
            tl++; pcl = 0; rec = 1
        } else if (separated(a[i])) {
            tl++; pcl = 0; if (!rec && configured(a[i])) rec = 1
        } else if (a[i] ~ /^[ \t\r\v\f]/) {
            pcl++
        } else {
            ntl += 1 + pcl; pcl = 0
        }
    }
    bend = 0
}

# --- our lines: runs in the trailer block that start with our id line
# (any: of any session, in a message we wrote before; else of this session or of the one in
# the message amended: other ids are the user's text, a teammate's lines quoted)
function is_anchor(s, any,   v) {
    if (key_of(s) != kid) return 0
    v = s; sub(/^[^:]*:[ \t]*/, "", v); sub(/[ \t]+$/, "", v)
    if (length(v) != 26 || v !~ /^[0-9a-hjkmnp-tv-z]+$/) return 0
    if (any) was_id[v] = 1
    return any || v == sid || v in was_id
}
# Marks our lines of a[from..to] in mine[]; returns the first of them (0: none).
function find_ours(a, from, to, mine, any,   i, run, at) {
    at = 0; run = 0
    for (i = from; i <= to; i++) {
        if (is_anchor(a[i], any)) run = 1
        else if (!(run && (key_of(a[i]) == kobj || key_of(a[i]) == kdec || a[i] ~ /^[ \t]/))) run = 0
        if (run) { mine[i] = 1; if (!at) at = i }
    }
    return at
}
# The old lines of ours (amend), continuation lines unfolded.
function collect(a, from, to, mine,   i, more) {
    for (i = from; i <= to; i++) {
        if (!(i in mine)) continue
        if (a[i] ~ /^[ \t]/ && nold) { more = a[i]; sub(/^[ \t]+/, "", more); old[nold] = old[nold] " " more }
        else old[++nold] = a[i]
    }
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

# The message the same as when the editor opened on it (the file's lines after its first)?
function untouched(file,   got, text, i) {
    i = -1
    while ((got = (getline text < file)) > 0)
        if (++i > 0 && (i > n || text != line[i])) break
    close(file)
    return got == 0 && i == n
}

# Whether out[] is line[] and lines below, if any, and file holds them once appended to it
# (none: the file is left as it is, a last line without its end too).
function appended(file,   i) {
    if (nout < n) return 0
    for (i = 1; i <= n; i++) if (out[i] != line[i]) return 0
    if (nout == n) return 1
    # (a line of over 4,096 bytes, e.g. HEAD's kept on an amend, is written beside: the
    # pieces of one line cost mawk and busybox its length each, seconds for one of MBs)
    for (i = n + 1; i <= nout; i++) if (length(out[i]) > 4096) return 0
    # (so is a message of over 1 MB: ended() reads it as one record, which mawk reads in time
    # growing with its square, 8 s for 40 MB; 1 MB, a few ms)
    if (message_size() > 1048576) return 0
    # (a last line without its end: an append would join it, and cut() would leave it its end)
    if (!ended(file, line[n])) return 0
    # (gawk 4.2 on: a failed write is told, not fatal; before 4.2 this is an element like any
    # other, and a failed fflush or close returns -1 there, not fatal either: the same path)
    PROCINFO["NONFATAL"] = 1
    for (i = n + 1; i <= nout; i++) if (!flushed(file, out[i] "\n")) break
    if (close(file) == 0 && i > nout && written(file)) return 1
    cut(file)
    return 0
}
# flushed: s appended to file a piece at a time, each flushed (false at the first that fails,
# and nothing more is written: mawk dies on a write that fails when it fills its buffer, or
# on any after a failed one; gawk, without NONFATAL, on any).
function flushed(file, s,   at, size) {
    size = length(s)
    for (at = 1; at <= size; at += 1024) {
        printf "%s", substr(s, at, 1024) >> file
        # (-1: gawk's and mawk's failed flush; busybox's returns no number, as often negative
        # as not: its failed writes are told by reading the file back)
        if (fflush(file) == -1) return 0
    }
    return 1
}
# cut: file cut back to the size of line[], never grown (its last line may have had no end):
# an append that failed part-way left a torn line of ours (a Session-Id cut short), which
# git would commit. (Processes: only then. The name is quoted, and never data's: git's.)
function cut(file,   size, q) {
    size = message_size()
    q = file
    gsub(/'/, "'\\''", q)
    system("[ \"$(wc -c < '" q "')\" -gt " size " ] && dd if=/dev/null of='" q "' bs=1 seek=" size " 2>/dev/null")
}
# The size of line[] written whole, each line with its end (in bytes: the hooks run awk with
# LC_ALL=C).
function message_size(   size, i) {
    size = 0
    for (i = 1; i <= n; i++) size += length(line[i]) + 1
    return size
}
# Whether file holds the lines out[1..nout], no more, the last with its end.
function written(file,   got, s, i) {
    i = 0
    while ((got = (getline s < file)) > 0)
        if (++i > nout || s != out[i]) break
    close(file)
    return got == 0 && i == nout && (nout == 0 || ended(file, out[nout]))
}
# ended: whether file, whose last line is known (read by lines), ends with that line's end.
# getline reads a last line without its end as a whole one: a write that failed at the last
# byte (a file size limit one byte short) left every line whole but that end, and git would
# commit our last line without it. So the file is read again as records split on a byte it
# does not end with (not its last line's last): the last record holds its last byte.
function ended(file, last_line,   rs, got, s, last) {
    rs = RS
    RS = substr(last_line, length(last_line)) == "\001" ? "\002" : "\001"
    last = ""
    while ((got = (getline s < file)) > 0) last = s
    close(file)
    RS = rs
    return got == 0 && substr(last, length(last)) == "\n"
}

# Whether the config files named (one a line) may set what the trailers depend on. None can
# without its name in the text: a section `[trailer ...]`, `[session "trailer"]`, a
# `mergeTrailers` or `commentChar` variable, in any case; an include names other files, and
# a backslash in a section header may spell a subsection name (`"tr\ailer"`): a line
# with both a `[` and a backslash may. Anything
# unreadable may.
function may_set(files,   nf, f, i, got, s) {
    nf = split(files, f, "\n")
    for (i = 1; i <= nf; i++) {
        if (f[i] == "") continue
        while ((got = (getline s < f[i])) > 0) {
            s = tolower(s)
            # (a header may follow what git skips: a byte order mark, a \r, another header)
            if (index(s, "trailer") || index(s, "commentchar") || index(s, "include") || (index(s, "[") && index(s, "\\"))) {
                close(f[i]); return 1
            }
        }
        close(f[i])
        if (got < 0) return 1
    }
    return 0
}

END {
    if (bad) exit 3
    if (ENVIRON["GIT_SESSION_BEFORE"] != "" && untouched(ENVIRON["GIT_SESSION_BEFORE"])) exit 4  # git aborts
    # A config file newer than the cache: rendered from no trailer config, and none set now?
    # (status 5, nothing written: the hook asks git)
    if (ENVIRON["GIT_SESSION_CONFIGS"] != "" && (!recorded || nrecorded || may_set(ENVIRON["GIT_SESSION_CONFIGS"]))) exit 5
    split(head["keys"], ks, " "); kid = ks[1]; kobj = ks[2]; kdec = ks[3]
    ncfg = split(head["configured"], cfg, " ")
    seps = seps_given ? head["separators"] : ":"
    sid = new[1]; sub(/^[^:]*:[ \t]*/, "", sid)  # this session's id: the first of our lines
    if (committed) drop_changes()
    cc = find_comment_char()
    pc = cc != "" ? cc : (head["comment"] == "auto" ? "#" : head["comment"])
    tail = cc == "" ? 0 : block_start(cc)
    if (!tail) tail = n + 1
    # the content: lines before the comment block, without the blank lines that end it
    last = tail - 1
    while (last > 0 && blank(line[last])) last--
    first = 1
    while (first <= last && (blank(line[first]) || is_comment(line[first]))) first++
    if (first > last) exit 0  # an empty message stays empty: git aborts the commit
    if (mode == "amendmsg") {
        find_block(prev, 1, nprev)
        if (bstart && find_ours(prev, bstart, bend, was_ours, 1)) collect(prev, bstart, bend, was_ours)
    }
    find_block(line, first, last)
    at = bstart ? find_ours(line, bstart, bend, mine, mode == "amend") : 0
    if (mode == "amend" && at) collect(line, bstart, bend, mine)
    if (mode == "amend" || mode == "amendmsg") merge_old()
    # ours go where they were, else at the end of the user's trailer block, else below the text
    where = at ? at : (bstart ? bend + 1 : 0)
    for (i = 1; i <= last; i++) {
        if (i == where) emit_new()
        if (!(i in mine)) add_line(line[i])
    }
    if (where == last + 1) emit_new()
    if (!where) { add_line(""); emit_new() }
    if (tail <= n) add_line("")
    for (i = tail; i <= n; i++) add_line(line[i])
    # With GIT_SESSION_OUT naming a file, MESSAGE is never truncated: a write that fails
    # part-way (a full disk, a quota) would leave git less than the user's message. Lines
    # only added below it are appended (status 0); else the message is written to that
    # file (status 6: the hook renames it over MESSAGE). Each is read back: an awk may not
    # tell a failed write, and an append to a last line without its end joins it. (Without
    # GIT_SESSION_OUT: rewritten in place.)
    if (ENVIRON["GIT_SESSION_OUT"] != "" && appended(ARGV[ARGC - 1])) exit 0
    target = ENVIRON["GIT_SESSION_OUT"] != "" ? ENVIRON["GIT_SESSION_OUT"] : ARGV[ARGC - 1]
    for (i = 1; i <= nout; i++) print out[i] > target
    if (close(target) != 0) exit 2
    if (target == ARGV[ARGC - 1]) exit 0
    exit written(target) ? 6 : 2
}

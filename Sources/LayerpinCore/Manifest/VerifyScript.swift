import LayerpinDigest

/// The in-image verifier, `verify.sh`: plain POSIX sh that needs only `sh`, `awk`, `find`, `stat`,
/// `sha256sum` and (to record build outputs) `mv` as busybox and GNU coreutils both provide them. It checks every
/// file, directory and symlink the manifest places in the image, and finds extra entries under the
/// covered directories, with the same verdicts as `layerpin verify --image-root`.
///
/// It runs in time linear in the entries: per covered directory one `find -exec stat {} +` and one
/// `find -exec sha256sum {} +`, then one `awk` that joins what it found with the manifest's table;
/// no shell loop reads the table or grows a string. Names are carried as raw bytes (a non-UTF-8 name stays itself; the script
/// runs with `LC_ALL=C`) in a quoted here-document, never in a shell word; covered directories are
/// table rows too. Names it could not carry safely — a control character (newline, tab, …), a `'`,
/// or ` -> ` — are refused when the script is generated; an extra entry with a newline in its name
/// is found by a `find -name` of its own. Copied to `/` (no `WORKDIR`), only the top-level names
/// the context put there are scanned, never the rest of the system.
package enum VerifyScript {
    /// One row of the script's table: kind, executable, value, image path (tab-separated).
    struct Row: Hashable {
        var kind: String
        var executable: String
        var value: [UInt8]
        var path: [UInt8]

        var bytes: [UInt8] { Array("\(kind)\t\(executable)\t".utf8) + value + [0x09] + path + [0x0A] }
    }

    /// The script for a manifest; an error names the first path it cannot carry.
    ///
    /// A path only the built image can settle (`Manifest.unsettledDestinations`: a file copied to
    /// `/etc`, which the base image may hold as a directory) gets an `r` row with its number; the
    /// rows of both answers follow, those of one answer only marked `+N/` (kept when path N is a
    /// directory, the file inside it) or `-N/` (kept when it is not). The script settles them first.
    package static func render(_ manifest: Manifest) throws(LayerpinError) -> [UInt8] {
        let table = try table(of: manifest)
        // The stage a shell-less final stage takes its files from checks them where they were copied.
        let stage = try manifest.stageLayout.map { layout throws(LayerpinError) -> [UInt8] in
            var copied = manifest
            copied.layout = layout
            return try Self.table(of: copied)
        }
        let src = manifest.digest(of: "src") ?? manifest.context
        let srcName = manifest.digest(of: "src") == nil ? "context" : "src"
        return Array(
            (header(commit: manifest.commit, srcName: srcName, src: src, manifest: manifest.manifestDigest)
                + "runtime='" + runtimePatterns(manifest).joined(separator: "\n") + "'\n"
                + "entries=$(cat <<'LAYERPIN_ENTRIES'\n").utf8) + table
            + Array("LAYERPIN_ENTRIES\n)\n".utf8)
            + (stage.map {
                Array("stage_entries=$(cat <<'LAYERPIN_STAGE'\n".utf8) + $0 + Array("LAYERPIN_STAGE\n)\n".utf8)
            }
                ?? Array("stage_entries=\n".utf8))
            + Array(body.utf8)
    }

    /// The rows of a manifest's table, its unsettled destinations marked (see `render`).
    static func table(of manifest: Manifest) throws(LayerpinError) -> [UInt8] {
        var table: [UInt8] = []
        let unsettled = manifest.unsettledDestinations
        if unsettled.isEmpty {
            for row in try rows(of: manifest) { table += row.bytes }
            return table
        }
        let inside = try rows(of: manifest.settlingDestinations { _ in true })
        let at = try rows(of: manifest.settlingDestinations { _ in false })
        let insideSet = Set(inside)
        let atSet = Set(at)
        let paths = unsettled.map { Array($0.utf8) }
        for (number, path) in paths.enumerated() {
            try check(path, of: path)
            table += Row(kind: "r", executable: "-", value: Array(String(number).utf8), path: path).bytes
        }
        /// The unsettled path a row of one answer belongs to: the longest that is the row's path
        /// (`-`, the file at it) or holds it (`+`, the file inside it).
        func marked(_ row: Row, _ sign: String) -> Row {
            let candidates = paths.indices.filter { index in
                sign == "-"
                    ? row.path == paths[index] : RawPath.isWithin(row.path, paths[index]) && row.path != paths[index]
            }
            guard let number = candidates.max(by: { paths[$0].count < paths[$1].count }) else { return row }
            var row = row
            row.kind = "\(sign)\(number)/\(row.kind)"
            return row
        }
        for row in inside { table += (atSet.contains(row) ? row : marked(row, "+")).bytes }
        for row in at where !insideSet.contains(row) { table += marked(row, "-").bytes }
        return table
    }

    /// The table of a settled manifest: every entry where it lands, then where extra entries are
    /// looked for.
    static func rows(of manifest: Manifest) throws(LayerpinError) -> [Row] {
        var rows: [Row] = []
        func row(_ kind: String, _ executable: String, _ value: [UInt8], _ path: [UInt8]) {
            rows.append(Row(kind: kind, executable: executable, value: value, path: path))
        }
        var topLevel: [[UInt8]] = []
        for (path, entry) in manifest.imageEntries() {
            try check(path, of: entry.path)
            if let first = path.split(separator: RawPath.separator).first, !topLevel.contains(Array(first)) {
                topLevel.append(Array(first))
            }
            switch entry.kind {
            case .directory:
                row("d", "-", Array("-".utf8), path)
            case .file:
                row("f", entry.executable ? "x" : "-", Array((entry.sha256?.hex ?? "-").utf8), path)
            case .symlink:
                let target = entry.target ?? []
                try check(target, of: entry.path)
                row("l", "-", target, path)
            }
        }
        // Where extra entries are looked for: below each covered directory ("c"), and a loose file
        // itself ("s"). Below "/" only what the context put at the top ("t": the name and below).
        for directory in manifest.coveredDirectories {
            try check(Array(directory.utf8), of: Array(directory.utf8))
            if directory == "/" {
                for name in topLevel { row("t", "-", Array("-".utf8), [RawPath.separator] + name) }
            } else {
                row("c", "-", Array("-".utf8), Array(directory.utf8))
            }
        }
        for file in manifest.looseFiles { row("s", "-", Array("-".utf8), Array(file.utf8)) }
        return rows
    }

    /// The run-time patterns as image paths without the leading `/`, in sh `case` syntax (`[!…]`
    /// for a negated class); one a line. `RuntimePaths.problem` has refused quotes and controls.
    static func runtimePatterns(_ manifest: Manifest) -> [String] {
        guard !manifest.runtime.isEmpty else { return [] }
        return RuntimePaths(of: manifest).imagePatterns.map {
            String($0.drop { $0 == "/" }).replacingOccurrences(of: "[^", with: "[!")
        }
    }

    private static func check(_ bytes: [UInt8], of path: [UInt8]) throws(LayerpinError) {
        if let bad = bytes.first(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw .unsafeNameForVerifier(path: path, reason: .controlCharacter(bad))
        }
        if bytes.contains(UInt8(ascii: "'")) { throw .unsafeNameForVerifier(path: path, reason: .singleQuote) }
        if bytes.count >= 4
            && (0...(bytes.count - 4)).contains(where: { Array(bytes[$0..<$0 + 4]) == Array(" -> ".utf8) })
        {
            throw .unsafeNameForVerifier(path: path, reason: .arrow)
        }
    }

    private static func header(commit: String, srcName: String, src: Digest, manifest: Digest) -> String {
        """
        #!/bin/sh
        # verify.sh, generated by `layerpin plan` from .layerpin/manifest.json (\(manifest)).
        # Do not edit: run `layerpin plan` again. Checks that the files the manifest places in the
        # image are exactly there; needs only sh, awk, find, stat, sha256sum and mv (busybox or
        # coreutils), in time linear in the files.
        #
        #   verify.sh [COMMAND ARGS...]    at container start: check, log one line, exec COMMAND;
        #                                  LAYERPIN_VERIFY=enforce (default) refuses to start on a
        #                                  mismatch, warn logs and starts, off skips the check
        #   verify.sh --build              inside `docker build`, after the application COPY:
        #                                  any mismatch fails the step
        #   verify.sh --record [--build]   inside `docker build`: record in /etc/layerpin/outputs
        #                                  what the build's own steps left under the covered
        #                                  directories that differs from the manifest (then
        #                                  check, with --build)
        #   verify.sh --stage --build      inside `docker build`, in the stage a final stage
        #                                  without a shell copies from: its own layout checked
        #                                  (--stage --record-before-copy before its copy, into
        #                                  /etc/layerpin/stage-outputs)
        #   verify.sh --record-before-copy inside `docker build`, before the application COPY:
        #                                  record what is already there that the manifest does
        #                                  not name (an install's node_modules, the base image's)
        # LAYERPIN_ROOT (default empty) is prefixed to every image path (to check an unpacked image).
        set -u
        LC_ALL=C
        QUOTING_STYLE=literal
        export LC_ALL QUOTING_STYLE
        commit='\(commit)'
        src='\(src)'
        srcname='\(srcName)'
        root="${LAYERPIN_ROOT:-}"

        """
    }

    private static let body = #"""
        build=0
        record=0
        stage=0
        while :; do
            case "${1:-}" in
            --build) build=1 ;;
            --record) record=1 ;;
            --record-before-copy) record=2 ;;
            --stage)
                # The stage a shell-less final stage copies from: its own layout.
                if [ -z "$stage_entries" ]; then
                    echo "layerpin: this verify.sh has no stage layout (the built stage has a shell: check there)" >&2
                    exit 2
                fi
                entries=$stage_entries
                stage=1
                ;;
            *) break ;;
            esac
            shift
        done
        mode="${LAYERPIN_VERIFY:-enforce}"
        [ "$build" = 1 ] || [ "$record" != 0 ] && mode=enforce
        # What the build's own steps recorded: at start-up every path there is checked against it;
        # inside the build only paths the manifest does not name (it is the COPY that put those).
        outputs="$root/etc/layerpin/outputs"
        # The stage's own record stays apart: the final image carries /etc/layerpin, and its outputs
        # are the final image's business.
        [ "$stage" = 1 ] && outputs="$root/etc/layerpin/stage-outputs"
        overlay=all
        [ "$build" = 1 ] && overlay=extras
        case "$mode" in
        enforce | warn) ;;
        off)
            if [ "$#" -gt 0 ]; then exec "$@"; fi
            exit 0
            ;;
        *)
            echo "layerpin: LAYERPIN_VERIFY must be enforce, warn or off, not '$mode'" >&2
            exit 2
            ;;
        esac

        tab=$(printf '\t')
        nl='
        '
        bad=0
        # Paths only the image can settle (a file copied to /etc, a directory there or not): each
        # row of one answer only kept or dropped by what is there now, then read as any other.
        settle=$(printf '%s\n' "$entries" | awk -F "$tab" '$1 == "r"')
        if [ -n "$settle" ]; then
            directories=$(printf '%s\n' "$settle" | while IFS="$tab" read -r kind x number path; do
                if [ -d "$root$path" ]; then printf '%s\n' "$number"; fi
            done)
            entries=$(printf '@directories\n%s\n@entries\n%s\n' "$directories" "$entries" | awk -F "$tab" '
                $0 == "@directories" { section = 1; next }
                $0 == "@entries" { section = 2; next }
                section == 1 { if ($0 != "") directory[$0] = 1; next }
                $1 == "r" { next }
                substr($1, 1, 1) == "+" || substr($1, 1, 1) == "-" {
                    split($1, part, "/")
                    inside = (substr(part[1], 2) in directory)
                    if (substr(part[1], 1, 1) == "+" ? inside : !inside) print part[2] substr($0, length($1) + 1)
                    next
                }
                { print }')
        fi
        # segments_match PATTERN PATH: each /-separated segment of PATTERN, a glob, matches the
        # segment of PATH at its place; prefix_rest is left holding the rest of PATH.
        segments_match() {
            sm_p=$1
            sm_s=$2
            while [ -n "$sm_p" ]; do
                [ -n "$sm_s" ] || return 1
                sm_pseg=${sm_p%%/*}
                sm_sseg=${sm_s%%/*}
                # The pattern segment unquoted: its *, ? and [...] are a glob for one segment.
                case "$sm_sseg" in
                $sm_pseg) ;;
                *) return 1 ;;
                esac
                case "$sm_p" in */*) sm_p=${sm_p#*/} ;; *) sm_p= ;; esac
                case "$sm_s" in */*) sm_s=${sm_s#*/} ;; *) sm_s= ;; esac
            done
            prefix_rest=$sm_s
            return 0
        }
        # is_runtime PATH: PATH lies under a path the application writes at run time (one '**'
        # segment stands for any number of segments), as layerpin verify decides it.
        is_runtime() {
            [ -n "$runtime" ] || return 1
            ir_path=${1#/}
            while IFS= read -r ir_pattern; do
                [ -n "$ir_pattern" ] || continue
                case "/$ir_pattern/" in
                */'**'/*)
                    ir_head=${ir_pattern%%'**'*}
                    ir_head=${ir_head%/}
                    ir_tail=${ir_pattern#*'**'}
                    ir_tail=${ir_tail#/}
                    segments_match "$ir_head" "$ir_path" || continue
                    ir_rest=$prefix_rest
                    while :; do
                        segments_match "$ir_tail" "$ir_rest" && return 0
                        [ -n "$ir_rest" ] || break
                        case "$ir_rest" in */*) ir_rest=${ir_rest#*/} ;; *) ir_rest= ;; esac
                    done
                    ;;
                *)
                    segments_match "$ir_pattern" "$ir_path" && return 0
                    ;;
                esac
            done <<LAYERPIN_RUNTIME
        $runtime
        LAYERPIN_RUNTIME
            return 1
        }
        report() {
            if is_runtime "$2"; then
                echo "layerpin: written at run time: $1 $2" >&2
                return
            fi
            echo "layerpin: $1 $2" >&2
            bad=$((bad + 1))
        }
        # What is there: the kind (raw mode in hex), permissions and, for a symlink, the target of
        # every entry below each covered directory, of each covered directory itself and of each
        # loose file; then the SHA-256 of every file the table expects. One awk joins it all with
        # the table and prints one line per mismatch, then the number of files it checked.
        # How the join reads the table (section 1, tab-separated) and what stat found (section 2):
        # mode in hex, permissions, the name (busybox quotes it) and, for a symlink, its target.
        layerpin_awk_prelude='
            BEGIN { q = sprintf("%c", 39) }
            substr($0, 1, 1) == "@" {
                section = $0 == "@entries" ? 1 : $0 == "@found" ? 2 : 3
                next
            }
            $0 == "" { next }
            section == 1 {
                if ($1 == "c") { covered[$4] = 1; next }
                if ($1 != "d" && $1 != "f" && $1 != "l") next
                kind[$4] = $1
                exec[$4] = $2
                value[$4] = $3
                next
            }
            section == 2 {
                space = index($0, " ")
                mode = substr($0, 1, space - 1)
                rest = substr($0, space + 1)
                space = index(rest, " ")
                perm = substr(rest, 1, space - 1)
                rest = substr(rest, space + 1)
                arrow = index(rest, " -> ")
                target = ""
                if (arrow > 0) {
                    target = substr(rest, arrow + 4)
                    rest = substr(rest, 1, arrow - 1)
                    if (substr(target, 1, 1) == q) target = substr(target, 2, length(target) - 2)
                }
                if (substr(rest, 1, 1) == q) rest = substr(rest, 2, length(rest) - 2)
                name = substr(rest, rootlength + 1)
                type = substr(mode, length(mode) - 3, 1)
                seen[name] = type == "8" ? "f" : type == "4" ? "d" : type == "a" ? "l" : "o"
                perms[name] = perm
                targets[name] = target
                next
            }
        '
        # How the join reads sha256sum (section 3): the digest, two spaces, the name (a leading
        # backslash when sha256sum escaped it).
        layerpin_awk_sums='
            section == 3 {
                line = $0
                if (substr(line, 1, 1) == "\\") {
                    line = substr(line, 2)
                    gsub(/\\\\/, "\\", line)
                }
                name = substr(line, 67)
                sum[substr(name, rootlength + 1)] = substr(line, 1, 64)
                next
            }
        '
        # The rows naming where to look (covered directories, top-level names, loose files): few.
        places=$(printf '%s\n' "$entries" | awk -F "$tab" '$1 == "c" || $1 == "t" || $1 == "s"')
        found=$(
            printf '%s\n' "$places" | while IFS="$tab" read -r kind x value path; do
                case "$kind" in
                c)
                    [ -d "$root$path" ] || continue
                    stat -c '%f %a %N' "$root$path" 2>/dev/null
                    find "$root$path" -mindepth 1 \( -path "$root$path/.layerpin" -prune \) -o -exec stat -c '%f %a %N' {} + 2>/dev/null
                    ;;
                t) find "$root$path" \( -path "$root$path/.layerpin" -prune \) -o -exec stat -c '%f %a %N' {} + 2>/dev/null ;;
                s) stat -c '%f %a %N' "$root$path" 2>/dev/null ;;
                esac
            done
        )
        # The SHA-256 of every regular file there (never through a symlink): one sha256sum per batch.
        sums=$(
            printf '%s\n' "$places" | while IFS="$tab" read -r kind x value path; do
                case "$kind" in
                c) [ -d "$root$path" ] && find "$root$path" -mindepth 1 \( -path "$root$path/.layerpin" -prune \) -o -type f -exec sha256sum -- {} + 2>/dev/null ;;
                t) find "$root$path" \( -path "$root$path/.layerpin" -prune \) -o -type f -exec sha256sum -- {} + 2>/dev/null ;;
                s) if [ -f "$root$path" ] && [ ! -L "$root$path" ]; then sha256sum -- "$root$path" 2>/dev/null; fi ;;
                esac
            done
        )
        # An extra entry with a newline in its name would read as two lines above (and one with a
        # tab could not be a row of the outputs table).
        strays=$(
            printf '%s\n' "$places" | while IFS="$tab" read -r kind x value path; do
                case "$kind" in
                c | t)
                    if [ "$record" != 0 ]; then
                        find "$root$path" \( -name "*$nl*" -o -name "*$tab*" \) -exec sh -c 'for f; do printf "unrecordable %s\n" "${f#"$0"}"; done' "$root" {} + 2>/dev/null
                    else
                        find "$root$path" -name "*$nl*" -exec sh -c 'for f; do printf "extra %s\n" "${f#"$0"}"; done' "$root" {} + 2>/dev/null
                    fi
                    ;;
                esac
            done
        )
        if [ "$record" != 0 ]; then
            # What differs from the manifest, as it is now: the table of build outputs. Before the
            # COPY, only what is there at paths the manifest does not name (the COPY writes those).
            if [ -n "$strays" ]; then
                printf '%s\n' "$strays" | while IFS= read -r stray; do
                    [ -n "$stray" ] && echo "layerpin: cannot record the build output ${stray#unrecordable }: a tab or newline in its name" >&2
                done
                exit 1
            fi
            recording="$outputs.tmp.$$"
            problems=$(
                printf '@entries\n%s\n@found\n%s\n@sums\n%s\n' "$entries" "$found" "$sums" | awk -F "$tab" -v root="$root" -v rootlength="${#root}" -v recording="$recording" -v before="$((record - 1))" "$layerpin_awk_prelude$layerpin_awk_sums"'
                END {
                    print "# layerpin build outputs: what the build left that the manifest does not say; written by verify.sh --record" > recording
                    for (path in seen) {
                        if ((path in covered) || (before && (path in kind))) continue
                        if (seen[path] == "o") { print "special " path; continue }
                        owner = substr(perms[path], length(perms[path]) - 2, 1)
                        x = (owner ~ /[1357]/) ? "x" : "-"
                        if (path in kind && seen[path] == kind[path]) {
                            if (kind[path] == "d") continue
                            if (kind[path] == "l" && targets[path] == value[path]) continue
                            if (kind[path] == "f" && sum[path] == value[path] && x == exec[path]) continue
                        }
                        if (seen[path] == "f") printf "f\t%s\t%s\t%s\n", x, sum[path], path > recording
                        else if (seen[path] == "d") printf "d\t-\t-\t%s\n", path > recording
                        else printf "l\t-\t%s\t%s\n", targets[path], path > recording
                    }
                    if (!before) for (path in kind) if (!(path in seen)) printf "a\t-\t-\t%s\n", path > recording
                    # the file is closed when awk exits
                }'
            )
            if [ -n "$problems" ]; then
                printf '%s\n' "$problems" | while IFS= read -r problem; do
                    [ -n "$problem" ] && echo "layerpin: cannot record the build output ${problem#special }: not a file, directory or symlink" >&2
                done
                rm -f "$recording"
                exit 1
            fi
            if [ ! -f "$recording" ]; then
                echo "layerpin: cannot write $outputs as user $(id -u 2>/dev/null): run this step as root (USER root before it)" >&2
                exit 1
            fi
            mv -f "$recording" "$outputs" || exit 1
            if [ "$build" = 0 ]; then
                echo "layerpin: recorded $(awk '$1 == "f" { n++ } END { print n + 0 }' "$outputs") build output file(s) in $outputs" >&2
                exit 0
            fi
        fi
        [ -f "$outputs" ] || outputs=
        verdicts=$(
            printf '@entries\n%s\n@found\n%s\n@sums\n%s\n' "$entries" "$found" "$sums" | awk -F "$tab" -v root="$root" -v rootlength="${#root}" -v outputs="$outputs" -v overlay="$overlay" "$layerpin_awk_prelude$layerpin_awk_sums"'
            # judge PATH KIND EXEC VALUE PREFIX: how what is at PATH differs from what should be.
            function judge(path, k, x, v, prefix,    owner) {
                if (k == "a") { if (path in seen) print prefix "extra " path; return }
                if (!(path in seen)) { print prefix "missing " path; return }
                if (seen[path] != k) { print prefix "kind " path; return }
                if (k == "l") {
                    if (targets[path] != v) print prefix "target " path
                } else if (k == "f") {
                    if (sum[path] != v) print prefix "content " path
                    owner = substr(perms[path], length(perms[path]) - 2, 1)
                    if (((owner ~ /[1357]/) ? "x" : "-") != x) print prefix "mode " path
                }
            }
            END {
                if (outputs != "") {
                    while ((getline row < outputs) > 0) {
                        if (row == "" || substr(row, 1, 1) == "#") continue
                        split(row, field, "\t")
                        path = substr(row, length(field[1]) + length(field[2]) + length(field[3]) + 4)
                        if (overlay == "extras" && (path in kind)) continue
                        okind[path] = field[1]
                        oexec[path] = field[2]
                        ovalue[path] = field[3]
                    }
                }
                files = 0
                outs = 0
                for (path in kind) {
                    if (path in okind) continue
                    if (kind[path] == "f" && (path in seen) && seen[path] == "f") files++
                    judge(path, kind[path], exec[path], value[path], "")
                }
                for (path in okind) {
                    if (okind[path] == "f") outs++
                    judge(path, okind[path], oexec[path], ovalue[path], "output-")
                }
                for (path in seen) if (!(path in kind) && !(path in covered) && !(path in okind)) print "extra " path
                print "files " files
                print "outputs " outs
            }'
        )
        files=0
        outs=0
        while IFS= read -r verdict; do
            case "$verdict" in
            "") ;;
            "files "*) files=${verdict#files } ;;
            "outputs "*) outs=${verdict#outputs } ;;
            output-*)
                verdict=${verdict#output-}
                report "build output changed since the build: ${verdict%% *}" "${verdict#* }"
                ;;
            *) report "${verdict%% *}" "${verdict#* }" ;;
            esac
        done <<LAYERPIN_VERDICTS
        $verdicts
        $strays
        LAYERPIN_VERDICTS

        if [ "$bad" -gt 0 ]; then
            if [ "$build" = 1 ]; then
                echo "layerpin: $bad mismatch(es) between the manifest and the copied files: the image would not hold what was planned (run layerpin plan again before building)" >&2
                exit 1
            fi
            if [ "$mode" = enforce ]; then
                echo "layerpin: commit $commit: $bad mismatch(es); refusing to start (LAYERPIN_VERIFY=warn starts anyway)" >&2
                exit 1
            fi
            echo "layerpin: commit $commit: $bad mismatch(es); starting anyway (LAYERPIN_VERIFY=warn)" >&2
        else
            if [ "$outs" -gt 0 ]; then
                echo "layerpin: commit $commit $srcname $src verified $files files and $outs build outputs" >&2
            else
                echo "layerpin: commit $commit $srcname $src verified $files files" >&2
            fi
        fi
        if [ "$#" -gt 0 ]; then exec "$@"; fi
        exit 0

        """#
}

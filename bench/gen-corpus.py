#!/usr/bin/env python3
"""Deterministic benchmark corpora for `make bench` (see bench/README.md).

usage: gen-corpus.py KIND DEST [--scale S] [--big-gb G] [--seed N]

KIND is one of
  src   ~80,000 files in a kernel-like tree (nested dirs, C-like text,
        log-normal sizes: median ~4 KiB, mean ~13 KiB, tail to 4 MiB; ~1 GB)
  big   4 large binary files totalling G GB (default 2)
  tiny  ~200,000 files of 0-2 KiB in a node_modules-like tree (~200 MB)

File counts are multiplied by --scale. The same arguments always give the same
bytes, names and layout. DEST must not exist; the tree is written to DEST.tmp
and renamed at the end, so an interrupted run never leaves a half corpus.
On success prints one line: "files=N bytes=B dirs=D".
"""

import argparse
import json
import math
import os
import random
import shutil
import sys

MiB = 1 << 20

# ----------------------------------------------------------------------------
# Content pools


def text_pool(rng, size):
    """~size bytes of C/JS-looking text built from a few thousand distinct lines."""
    words = ["static", "int", "void", "struct", "return", "if", "else", "for", "while",
             "const", "unsigned", "long", "char", "u32", "u64", "size_t", "err", "dev",
             "ret", "ctx", "buf", "len", "flags", "lock", "data", "priv", "ops", "NULL",
             "goto", "out", "case", "break", "switch", "sizeof", "module", "export",
             "function", "var", "let", "require", "exports", "this", "=>", "=", "==",
             "!=", "+=", "&&", "||", "{", "}", "(", ")", ";", "->", "*", "&", "0", "1",
             "0xff", "EINVAL", "ENOMEM", "pr_err", "kfree", "kmalloc", "spin_lock",
             "mutex_unlock", "list_for_each_entry", "WARN_ON", "likely", "unlikely"]
    lines = []
    for _ in range(4096):
        indent = "\t" * rng.choice((0, 1, 1, 1, 2, 2, 3))
        n = rng.randint(1, 12)
        lines.append(indent + " ".join(rng.choice(words) for _ in range(n)) + "\n")
    lines.append("\n")
    lines.append("/*\n * Copyright (C) The authors.  All rights reserved.\n */\n")
    avg = sum(map(len, lines)) / len(lines)
    picked = rng.choices(lines, k=int(size / avg) + 1)
    return "".join(picked).encode()


class Slicer:
    """Cheap distinct file contents: a unique header plus a slice of a shared pool."""

    def __init__(self, rng, pool):
        self.rng = rng
        self.pool = pool
        self.n = len(pool)

    def content(self, ident, size):
        head = b"/* %s */\n" % ident.encode()
        if size <= len(head):
            return head[:size]
        body = size - len(head)
        if body > self.n:
            reps = body // self.n + 1
            return head + (self.pool * reps)[:body]
        off = self.rng.randrange(0, self.n - body + 1)
        return head + self.pool[off:off + body]


# ----------------------------------------------------------------------------
# Trees


def gen_src(dest, rng, scale):
    nfiles = max(50, round(80_000 * scale))
    ndirs = max(5, nfiles // 15)  # the kernel: 78,580 files in ~5,300 dirs
    top = ["arch", "block", "certs", "crypto", "Documentation", "drivers", "fs", "include",
           "init", "io_uring", "ipc", "kernel", "lib", "mm", "net", "samples", "scripts",
           "security", "sound", "tools", "usr", "virt"]
    # weight of each top-level dir, roughly as in Linux (drivers ~ 40%).
    topw = [12, 1, 0.2, 1, 9, 40, 6, 6, 0.2, 0.2, 0.2, 2, 2, 1, 5, 0.5, 1, 1, 4, 5, 0.1, 0.2]
    syll = ["ac", "al", "am", "ar", "at", "ba", "ch", "co", "de", "di", "dr", "ec", "en",
            "fs", "gp", "hi", "io", "ip", "ke", "la", "li", "ma", "mi", "ne", "nf", "of",
            "pc", "ph", "pm", "qc", "ra", "re", "sc", "se", "sp", "st", "ti", "tr", "us",
            "vi", "wl", "x8", "xe", "zy"]

    def name(k):
        return "".join(rng.choice(syll) for _ in range(k)) + rng.choice(["", "", "", "_core", "2", "-v1"])

    dirs = [(t, 1) for t in top]  # (path, depth)
    seen = set(top)
    weights = list(topw)
    while len(dirs) < ndirs:
        pi = rng.choices(range(len(dirs)), weights=weights, k=1)[0]
        parent, depth = dirs[pi]
        if depth >= 7:
            continue
        p = parent + "/" + name(rng.randint(1, 3))
        if p in seen:
            continue
        seen.add(p)
        dirs.append((p, depth + 1))
        # children inherit a share of the parent's weight: big subsystems stay big
        weights.append(weights[pi] * 0.5 if depth < 2 else 1.0)

    exts = ["c"] * 55 + ["h"] * 30 + ["S"] * 2 + ["rst"] * 4 + ["txt"] * 2 + ["yaml"] * 3 + ["py", "sh", "json", "dts"]
    pool = text_pool(rng, 64 * MiB)
    sl = Slicer(rng, pool)
    sigma = 1.6  # log-normal: median 4 KiB, heavy tail
    total = 0
    for d, _ in dirs:
        os.makedirs(os.path.join(dest, d), exist_ok=True)
    used = set()
    dpaths = [d for d, _ in dirs]
    for i in range(nfiles):
        d = rng.choice(dpaths)
        r = rng.random()
        if r < 0.02:
            fn = rng.choice(["Makefile", "Kconfig", "README"])
        else:
            fn = name(rng.randint(1, 4)) + "." + rng.choice(exts)
        p = d + "/" + fn
        if p in used:
            p = "%s/%s_%d.%s" % (d, name(2), i, rng.choice(exts))
        used.add(p)
        size = int(min(4 * MiB, rng.lognormvariate(math.log(4096), sigma)))
        data = sl.content(p, size)
        with open(os.path.join(dest, p), "wb") as f:
            f.write(data)
        total += len(data)
    return nfiles, total, len(dirs)


def gen_big(dest, rng, gb):
    target = int(gb * 1e9)
    # a few large artifacts: 50%, 25%, 15%, 10%
    parts = [0.50, 0.25, 0.15, 0.10]
    names = ["rootfs.tar", "model.bin", "dataset.parquet", "vendor.tar.zst"]
    pool = rng.randbytes(64 * MiB)
    os.makedirs(dest, exist_ok=True)
    total = 0
    chunk = 1 * MiB
    for frac, nm in zip(parts, names):
        size = int(target * frac)
        with open(os.path.join(dest, nm), "wb") as f:
            left = size
            while left > 0:
                n = min(chunk, left)
                off = rng.randrange(0, len(pool) - n + 1)
                f.write(pool[off:off + n])
                left -= n
        total += size
    return len(parts), total, 1


def gen_tiny(dest, rng, scale):
    nfiles = max(50, round(200_000 * scale))
    pool = text_pool(rng, 8 * MiB)
    sl = Slicer(rng, pool)
    syll = ["re", "act", "lo", "dash", "ba", "bel", "core", "js", "web", "pack", "es",
            "lint", "type", "script", "util", "is", "arr", "obj", "str", "ing", "ify",
            "node", "fs", "path", "glob", "mini", "match", "chalk", "color", "yargs"]
    total = 0
    ndirs = 0
    files = 0
    os.makedirs(dest, exist_ok=True)
    root_pkg = {"name": "bench-app", "version": "1.0.0", "private": True,
                "dependencies": {}}

    def pkgname():
        n = "-".join("".join(rng.choice(syll) for _ in range(rng.randint(1, 2)))
                     for _ in range(rng.randint(1, 2)))
        if rng.random() < 0.12:
            n = "@" + rng.choice(syll) + rng.choice(syll) + "/" + n
        return n

    def write(path, data):
        nonlocal total, files
        with open(path, "wb") as f:
            f.write(data)
        total += len(data)
        files += 1

    seen = set()
    pkg_parents = [os.path.join(dest, "node_modules")]
    while files < nfiles:
        parent = pkg_parents[0] if rng.random() < 0.85 else rng.choice(pkg_parents)
        nm = pkgname()
        pdir = os.path.join(parent, nm)
        if pdir in seen:
            continue
        seen.add(pdir)
        if parent == pkg_parents[0]:
            root_pkg["dependencies"][nm] = "^%d.%d.%d" % (rng.randint(0, 9), rng.randint(0, 30), rng.randint(0, 20))
        # package size: many small packages, a few huge ones
        n = min(nfiles - files, max(3, int(rng.paretovariate(1.1) * 12)), 3000)
        subdirs = [""] + ["lib", "dist", "src", "types", "esm", "cjs"][:rng.randint(0, 6)]
        extra = []
        for s in list(subdirs[1:]):
            if rng.random() < 0.3:
                extra.append(s + "/" + rng.choice(["internal", "utils", "helpers", "fp"]))
        subdirs += extra
        for s in subdirs:
            os.makedirs(os.path.join(pdir, s), exist_ok=True)
            ndirs += 1
        meta = json.dumps({"name": nm, "version": "1.0.%d" % len(seen), "main": "index.js",
                           "license": "MIT"}, indent=2).encode() + b"\n"
        write(os.path.join(pdir, "package.json"), meta)
        for k in range(1, n):
            s = rng.choice(subdirs)
            fn = "%s%d.%s" % ("".join(rng.choice(syll) for _ in range(rng.randint(1, 3))), k,
                              rng.choice(["js", "js", "js", "d.ts", "mjs", "cjs", "map", "md", "json"]))
            size = 0 if rng.random() < 0.03 else rng.randint(1, 2048)
            write(os.path.join(pdir, s, fn), sl.content("%s/%s/%s" % (nm, s, fn), size))
        if rng.random() < 0.08:
            pkg_parents.append(os.path.join(pdir, "node_modules"))
    data = json.dumps(root_pkg, indent=2, sort_keys=True).encode() + b"\n"
    write(os.path.join(dest, "package.json"), data)
    return files, total, ndirs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["src", "big", "tiny"])
    ap.add_argument("dest")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--big-gb", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=20240601)
    a = ap.parse_args()
    if os.path.exists(a.dest):
        sys.exit("gen-corpus: %s exists" % a.dest)
    tmp = a.dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    rng = random.Random("%s-%d" % (a.kind, a.seed))
    if a.kind == "src":
        r = gen_src(tmp, rng, a.scale)
    elif a.kind == "big":
        r = gen_big(tmp, rng, a.big_gb)
    else:
        r = gen_tiny(tmp, rng, a.scale)
    os.rename(tmp, a.dest)
    print("files=%d bytes=%d dirs=%d" % r)


if __name__ == "__main__":
    main()

"""Writes the crafted archives of Fixtures/archives/ (run from this folder; the outputs are committed).

Each archive is a tar of a tiny file system with one hostile trait; README.md says what each
must make `layerpin verify --tar` do. Deterministic: fixed mtimes, uid/gid 0.
"""
import gzip, io, tarfile

def entry(name, data=None, kind=tarfile.REGTYPE, linkname="", mode=0o644):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = 0
    info.linkname = linkname
    if data is not None:
        info.size = len(data)
    return info, (io.BytesIO(data) if data is not None else None)

def write(name, entries, compress=False):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as out:
        for info, data in entries:
            out.addfile(info, data)
    data = raw.getvalue()
    if compress:
        data = gzip.compress(data, mtime=0)
    with open(name, "wb") as f:
        f.write(data)

def app():
    return [entry("app/", kind=tarfile.DIRTYPE, mode=0o755), entry("app/main.py", b"print(1)\n")]

write("dotdot-escape.tar", app() + [entry("app/../../etc/passwd", b"root::0:0\n")])
write("dotdot-inside.tar", app() + [entry("app/sub/../other.py", b"x\n")])
write("absolute-path.tar", [entry("/app/", kind=tarfile.DIRTYPE, mode=0o755), entry("/app/main.py", b"print(1)\n")])
write("symlink-escape.tar", app() + [entry("app/link", kind=tarfile.SYMTYPE, linkname="../../../etc/shadow")])
write("hardlink-unknown.tar", app() + [entry("app/hard", kind=tarfile.LNKTYPE, linkname="etc/shadow")])
write("hardlink-known.tar", app() + [entry("app/hard.py", kind=tarfile.LNKTYPE, linkname="app/main.py")])
write("duplicate-entries.tar", app() + [entry("app/main.py", b"print(2)\n")])
truncated = io.BytesIO()
with tarfile.open(fileobj=truncated, mode="w") as out:
    for info, data in app() + [entry("app/big.bin", b"z" * 4096)]:
        out.addfile(info, data)
with open("truncated.tar", "wb") as f:
    f.write(truncated.getvalue()[:512 * 3 + 1000])
corrupt = bytearray(open("duplicate-entries.tar", "rb").read())
corrupt[148:156] = b"9999999\x00"  # the first header's checksum
with open("corrupt-header.tar", "wb") as f:
    f.write(bytes(corrupt))
# A gzip bomb in miniature: 64 MiB of zeros in about 64 KiB.
write("bomb.tar.gz", app() + [entry("app/zeros.bin", bytes(64 << 20))], compress=True)
write("many-entries.tar", app() + [entry("app/f%05d" % i, b"") for i in range(2100)])

# A legacy `docker save` archive of three layers with OCI whiteouts, its manifest.json last (as
# dockerd 20.10 writes it): /app/old.py deleted, /app/dir made opaque, /app/main.py replaced.
def layer(entries):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as out:
        for info, data in entries:
            out.addfile(info, data)
    return raw.getvalue()

layers = [
    layer(app() + [entry("app/old.py", b"old\n"), entry("app/dir/", kind=tarfile.DIRTYPE, mode=0o755),
                   entry("app/dir/x", b"x\n")]),
    layer([entry("app/.wh.old.py", b""), entry("app/dir/", kind=tarfile.DIRTYPE, mode=0o755),
           entry("app/dir/.wh..wh..opq", b""), entry("app/dir/y", b"y\n")]),
    layer([entry("app/main.py", b"print(3)\n")]),
]
config = b'{"config": {"Labels": {"org.opencontainers.image.revision": "unknown"}}, "rootfs": {"type": "layers"}}'
import json
names = ["l%d/layer.tar" % i for i in range(3)]
index = json.dumps([{"Config": "config.json", "RepoTags": ["whiteouts:latest"], "Layers": names}]).encode()
write("whiteouts-image.tar",
      [entry(name, data) for name, data in zip(names, layers)] + [entry("config.json", config), entry("manifest.json", index)])

# A `docker save` whose Layers list names one blob twice (an empty layer, as two metadata-only
# steps make): each position is applied, the blob read once.
empty = layer([])
repeated = [layers[0], empty, layer([entry("app/.wh.old.py", b""), entry("app/.wh.dir", b"")]), empty]
repeated_names = ["base/layer.tar", "empty/layer.tar", "change/layer.tar", "empty/layer.tar"]
repeated_index = json.dumps([{"Config": "config.json", "Layers": repeated_names}]).encode()
write("repeated-layer-image.tar",
      [entry(name, data) for name, data in dict(zip(repeated_names, repeated)).items()]
      + [entry("config.json", config), entry("manifest.json", repeated_index)])

# dockerd 20.10's own form of a repeated layer: the second copy is a symlink to the first
# (`empty2/layer.tar -> ../empty/layer.tar`), resolved inside the archive; one leading out of it is
# a missing layer.
linked_names = ["base/layer.tar", "empty/layer.tar", "change/layer.tar", "empty2/layer.tar"]
linked_index = json.dumps([{"Config": "config.json", "Layers": linked_names}]).encode()
write("linked-layer-image.tar",
      [entry("base/layer.tar", layers[0]), entry("empty/layer.tar", empty), entry("change/layer.tar", repeated[2]),
       entry("empty2/", kind=tarfile.DIRTYPE, mode=0o755),
       entry("empty2/layer.tar", kind=tarfile.SYMTYPE, linkname="../empty/layer.tar")]
      + [entry("config.json", config), entry("manifest.json", linked_index)])
write("layer-link-escape-image.tar",
      [entry("base/layer.tar", layers[0]), entry("empty2/layer.tar", kind=tarfile.SYMTYPE, linkname="../../outside/layer.tar")]
      + [entry("config.json", config),
         entry("manifest.json", json.dumps([{"Config": "config.json", "Layers": ["base/layer.tar", "empty2/layer.tar"]}]).encode())])

# The engine's layer semantics, where a reader can be fooled (each must never verify "ok"):
# a later layer turns srv (never named as a directory below) into a symlink to evil/, which holds
# the evil app; a later layer hides the baked manifest with an opaque whiteout, or replaces it with
# a symlink; a manifest.json naming a layer outside the archive.
def save(name, layer_list, manifest_layers=None):
    names = ["l%d/layer.tar" % i for i in range(len(layer_list))]
    index = json.dumps([{"Config": "config.json", "Layers": manifest_layers or names}]).encode()
    write(name, [entry(n, d) for n, d in zip(names, layer_list)] + [entry("config.json", config), entry("manifest.json", index)])

baked = json.dumps({"note": "stands in for a baked manifest"}).encode()
save("ancestor-symlink-image.tar", [
    layer([entry("srv/app/main.py", b"print(1)\n")]),
    layer([entry("srv", kind=tarfile.SYMTYPE, linkname="evil"), entry("evil/app/main.py", b"print('evil')\n")]),
])
save("manifest-opaque-whiteout-image.tar", [
    layer([entry("etc/layerpin/manifest.json", baked), entry("app/main.py", b"print(1)\n")]),
    layer([entry("etc/layerpin/", kind=tarfile.DIRTYPE, mode=0o755), entry("etc/layerpin/.wh..wh..opq", b"")]),
])
save("manifest-symlink-image.tar", [
    layer([entry("etc/layerpin/manifest.json", baked), entry("app/main.py", b"print(1)\n")]),
    layer([entry("etc/layerpin/manifest.json", kind=tarfile.SYMTYPE, linkname="/tmp/forged.json")]),
])
save("layer-outside-image.tar", [layer(app())], manifest_layers=["../outside/layer.tar"])

# A flood of small documents: 40 JSON files of 4 MiB of zeros each (160 MiB read, about 160 KiB
# gzipped), each under the per-document cap; every byte must count against --max-bytes.
write("document-flood-image.tar.gz",
      [entry("doc%02d.json" % i, bytes(4 << 20)) for i in range(40)]
      + [entry("manifest.json", json.dumps([{"Config": "config.json", "Layers": []}]).encode())], compress=True)

# A multi-platform OCI layout, as current Docker's containerd store saves one: index.json names an
# index of an amd64 and an arm64 image (main.py prints 1 and 2) and an attestation manifest
# (platform unknown/unknown) beside each. A reader must check the platform it is told, never guess.
import hashlib
blobs = {}
def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    blobs[digest] = data
    return {"digest": "sha256:" + digest, "size": len(data)}
def image(platform_config, layer_list):
    config_descriptor = dict(blob(json.dumps(platform_config).encode()), mediaType="application/vnd.oci.image.config.v1+json")
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": config_descriptor,
                       "layers": [dict(blob(l), mediaType="application/vnd.oci.image.layer.v1.tar") for l in layer_list]}).encode()
platform_images = []
for architecture, code in (("amd64", b"print(1)\n"), ("arm64", b"print(2)\n")):
    settings = {"architecture": architecture, "os": "linux", "config": {"Labels": {"org.opencontainers.image.revision": "unknown"}}}
    descriptor = dict(blob(image(settings, [layer(app()[:1] + [entry("app/main.py", code)])])),
                      mediaType="application/vnd.oci.image.manifest.v1+json",
                      platform={"architecture": architecture, "os": "linux"})
    attestation = dict(blob(image({"architecture": "unknown", "os": "unknown"}, [b'{"_type": "https://in-toto.io/Statement/v0.1"}'])),
                       mediaType="application/vnd.oci.image.manifest.v1+json",
                       platform={"architecture": "unknown", "os": "unknown"},
                       annotations={"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": descriptor["digest"]})
    platform_images += [descriptor, attestation]
inner = dict(blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                              "manifests": platform_images}).encode()), mediaType="application/vnd.oci.image.index.v1+json")
write("multi-platform-image.tar",
      [entry("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), entry("index.json", json.dumps({"schemaVersion": 2, "manifests": [inner]}).encode())]
      + [entry("blobs/sha256/" + digest, data) for digest, data in sorted(blobs.items())])

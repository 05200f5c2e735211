"""Writes a `docker load` archive of one image: ROOTFS.tar as its only layer, for PLATFORM.

    image-from-rootfs.py ROOTFS.tar REPO:TAG os/arch[/variant] OUT.tar [ENV=VALUE | LABEL:KEY=VALUE]...

`docker import --platform` records the platform on current Docker only (20.10 keeps the host's
architecture); an archive with its own image config is loaded the same by both generations."""
import hashlib, io, json, os, sys, tarfile

rootfs, reference, platform, target = sys.argv[1:5]
os_name, architecture, *variant = platform.split("/")
env, labels = [], {}
for setting in sys.argv[5:]:
    if setting.startswith("LABEL:"):
        key, _, value = setting[len("LABEL:"):].partition("=")
        labels[key] = value
    else:
        env.append(setting)

digest = hashlib.sha256()
with open(rootfs, "rb") as layer:
    for chunk in iter(lambda: layer.read(1 << 20), b""):
        digest.update(chunk)
diff_id = "sha256:" + digest.hexdigest()

config = {"architecture": architecture, "os": os_name, "created": "1970-01-01T00:00:00Z",
          "config": {"Env": env, "Labels": labels},
          "rootfs": {"type": "layers", "diff_ids": [diff_id]},
          "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "image-from-rootfs.py " + os.path.basename(rootfs)}]}
if variant:
    config["variant"] = variant[0]
config_bytes = json.dumps(config, sort_keys=True).encode()
config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
layer_name = digest.hexdigest() + "/layer.tar"
manifest = json.dumps([{"Config": config_name, "RepoTags": [reference], "Layers": [layer_name]}]).encode()

with tarfile.open(target, "w") as out:
    def add(name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))
    add(config_name, config_bytes)
    add("manifest.json", manifest)
    out.add(rootfs, arcname=layer_name)

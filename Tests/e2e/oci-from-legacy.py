"""Rewrites a legacy `docker save` archive as an OCI image layout with gzip-compressed layers."""
import gzip, hashlib, io, json, sys, tarfile

source, target = sys.argv[1], sys.argv[2]
with tarfile.open(source) as legacy:
    manifest = json.load(legacy.extractfile("manifest.json"))[0]
    config = legacy.extractfile(manifest["Config"]).read()
    layers = [legacy.extractfile(name).read() for name in manifest["Layers"]]

blobs = {}
def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    blobs[digest] = data
    return "sha256:" + digest

layer_descriptors = []
for layer in layers:
    compressed = gzip.compress(layer, mtime=0)
    layer_descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                              "digest": blob(compressed), "size": len(compressed)})
image_manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(config), "size": len(config)},
    "layers": layer_descriptors}).encode()
index = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": blob(image_manifest), "size": len(image_manifest)}]}).encode()

with tarfile.open(target, "w") as out:
    def add(name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))
    add("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
    add("index.json", index)
    for digest, data in blobs.items():
        add("blobs/sha256/" + digest, data)

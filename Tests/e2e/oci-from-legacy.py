"""Rewrites legacy `docker save` archives as one OCI image layout with gzip-compressed layers.

    oci-from-legacy.py SOURCE.tar TARGET.tar
    oci-from-legacy.py SOURCE.tar SOURCE.tar... TARGET.tar

With several sources the index is a multi-platform one, as current Docker's containerd store and
BuildKit write it: an index of one image manifest per source, each descriptor naming the platform
of its config, and an attestation manifest (platform unknown/unknown) beside each."""
import gzip, hashlib, io, json, sys, tarfile

sources, target = sys.argv[1:-1], sys.argv[-1]
blobs = {}
def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    blobs[digest] = data
    return "sha256:" + digest

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
def image_manifest(config, layers):
    layer_descriptors = []
    for layer in layers:
        compressed = gzip.compress(layer, mtime=0)
        layer_descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                  "digest": blob(compressed), "size": len(compressed)})
    return json.dumps({"schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(config), "size": len(config)},
        "layers": layer_descriptors}).encode()

descriptors = []
for source in sources:
    with tarfile.open(source) as legacy:
        manifest = json.load(legacy.extractfile("manifest.json"))[0]
        config = legacy.extractfile(manifest["Config"]).read()
        layers = [legacy.extractfile(name).read() for name in manifest["Layers"]]
    image = image_manifest(config, layers)
    descriptor = {"mediaType": MANIFEST, "digest": blob(image), "size": len(image)}
    if len(sources) > 1:
        settings = json.loads(config)
        descriptor["platform"] = {"os": settings["os"], "architecture": settings["architecture"]}
        descriptors.append(descriptor)
        statement = json.dumps({"_type": "https://in-toto.io/Statement/v0.1"}).encode()
        attestation = image_manifest(json.dumps({"architecture": "unknown", "os": "unknown"}).encode(), [statement])
        descriptors.append({"mediaType": MANIFEST, "digest": blob(attestation), "size": len(attestation),
                            "platform": {"os": "unknown", "architecture": "unknown"},
                            "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                                            "vnd.docker.reference.digest": descriptor["digest"]}})
    else:
        descriptors.append(descriptor)

if len(sources) > 1:
    inner = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": descriptors}).encode()
    descriptors = [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": blob(inner), "size": len(inner)}]
index = json.dumps({"schemaVersion": 2, "manifests": descriptors}).encode()

with tarfile.open(target, "w") as out:
    def add(name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))
    add("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
    add("index.json", index)
    for digest, data in blobs.items():
        add("blobs/sha256/" + digest, data)

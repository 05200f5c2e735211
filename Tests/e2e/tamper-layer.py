"""Rewrites one file inside whichever layer of a legacy `docker save` archive holds it."""
import io, json, sys, tarfile

source, target, path = sys.argv[1], sys.argv[2], sys.argv[3]
with tarfile.open(source) as archive:
    members = [(m, archive.extractfile(m).read() if m.isfile() else None) for m in archive.getmembers()]
layer_names = json.loads(dict((m.name, d) for m, d in members)["manifest.json"])[0]["Layers"]

def tampered(layer):
    with tarfile.open(fileobj=io.BytesIO(layer)) as inner:
        entries = [(m, inner.extractfile(m).read() if m.isfile() else None) for m in inner.getmembers()]
    if not any(m.name.lstrip("./") == path for m, _ in entries):
        return None
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as new:
        for member, data in entries:
            if member.name.lstrip("./") == path:
                data = data + b"# tampered\n"
                member.size = len(data)
            new.addfile(member, io.BytesIO(data) if data is not None else None)
    return out.getvalue()

done = False
with tarfile.open(target, "w") as out:
    for member, data in members:
        if member.name in layer_names and not done:
            changed = tampered(data)
            if changed is not None:
                data, done = changed, True
                member.size = len(data)
        out.addfile(member, io.BytesIO(data) if data is not None else None)
if not done:
    sys.exit("no layer holds " + path)

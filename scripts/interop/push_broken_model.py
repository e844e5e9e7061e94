#!/usr/bin/env python3
"""Pushes a broken copy of an srthub model, as a hostile or buggy client could (for srthub's tests;
loopback only): reads REPO:TAG's manifest from a registry, replaces its config with one whose
`model.architecture.heads` is 0 (every layer kept), uploads that config and PUTs the new manifest
as REPO:NEWTAG. Prints the status and body of the manifest PUT as JSON.

usage: push_broken_model.py BASE_URL REPO TAG NEWTAG [TOKEN]
"""
import hashlib, json, sys, urllib.request, urllib.error

base, repo, tag, new_tag = sys.argv[1:5]
token = sys.argv[5] if len(sys.argv) > 5 else None
headers = {"Authorization": "Bearer " + token} if token else {}
manifest_type = "application/vnd.oci.image.manifest.v1+json"

def call(method, url, body=None, extra=None):
    request = urllib.request.Request(url if url.startswith("http") else base + url, data=body, method=method,
                                     headers={**headers, **(extra or {})})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()

_, _, body = call("GET", f"/v2/{repo}/manifests/{tag}", extra={"Accept": manifest_type})
manifest = json.loads(body)
_, _, config = call("GET", f"/v2/{repo}/blobs/{manifest['config']['digest']}")
broken = json.loads(config)
broken["model"]["architecture"]["heads"] = 0
data = json.dumps(broken, sort_keys=True).encode()
digest = "sha256:" + hashlib.sha256(data).hexdigest()
status, answer, _ = call("POST", f"/v2/{repo}/blobs/uploads/", b"", {"Content-Length": "0"})
location = answer.get("Location") or answer.get("location")
location = location if location.startswith("http") else base + location
call("PUT", location + ("&" if "?" in location else "?") + "digest=" + digest, data, {"Content-Type": "application/octet-stream"})
manifest["config"] = dict(manifest["config"], digest=digest, size=len(data))
status, _, body = call("PUT", f"/v2/{repo}/manifests/{new_tag}", json.dumps(manifest).encode(), {"Content-Type": manifest_type})
print(json.dumps({"status": status, "body": body.decode(errors="replace")}))

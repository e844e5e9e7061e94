"""A registry that misbehaves on purpose, for srthub's tests (loopback only).

Serves one model, team/toy:v1 (a config blob and one 4 MB layer), then breaks the layer download
the way the MODE argument says:
  drop      sends half of the bytes asked for (honouring Range), then closes the connection
  flaky     answers the first layer request with 503, drops the second halfway, serves the rest
  stall     sends half, then sends nothing more (the client must time out)
  overlong  sends the declared length and then more bytes
  norange   ignores Range: always 200 with the whole blob, after a first drop
  endless   answers the manifest request with a body that never ends
  slow      sends the layer at about 2 MB/s (honouring Range), for interrupting a pull midway: a
            download from byte 0 prints "stalled" past 1 MB and stalls there for 10 s
  hugesize  declares two layers of 2^63 - 1 bytes each (their sum overflows)
  realm     asks for a Bearer token from a plain-HTTP token service on another host (127.0.0.2),
            which hands out a token the registry refuses whenever it was sent the credentials
  redirect  asks for Basic credentials, then redirects the layer download to a storage server on
            127.0.0.2, which refuses any request that still carries them (they must not leak)
  flakypush takes pushes (and serves what was pushed), failing on schedule: the 2nd PATCH keeps its
            bytes but answers 503, the 4th breaks the connection keeping nothing, the first
            closing PUT answers 503 keeping nothing, and so does the first manifest PUT;
            GET /stats tells what happened
Prints its port on stdout, then serves until killed.
"""
import hashlib, http.server, json, socket, sys, time

mode = sys.argv[1]
layer = bytes((i * 7 + 3) % 251 for i in range(4 << 20))
config = json.dumps({"format": "srthub.checkpoint.v1", "dataset": "toy", "parameters": {"total": 10}}).encode()
def digest(b): return "sha256:" + hashlib.sha256(b).hexdigest()
manifest = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "artifactType": "application/vnd.srthub.test-artifact.v1",  # not a model: nothing here loads as one
    "config": {"mediaType": "application/vnd.srthub.model.config.v1+json", "digest": digest(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.srthub.model.safetensors", "digest": digest(layer), "size": len(layer),
                "annotations": {"org.opencontainers.image.title": "model.safetensors"}}],
}, sort_keys=True).encode()
if mode == "hugesize":
    m = json.loads(manifest)
    m["layers"] = [dict(m["layers"][0], size=2**63 - 1), dict(m["layers"][0], digest="sha256:" + "1" * 64, size=2**63 - 1)]
    manifest = json.dumps(m, sort_keys=True).encode()
gets = {"layer": 0}

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def reply(self, status, body, content_type="application/octet-stream", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers: self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(body)
    def do_HEAD(self): self.do_GET()
    def do_GET(self):
        if mode == "realm" and self.path.startswith("/v2/") and self.headers.get("Authorization") != "Bearer clean":
            realm = f"http://127.0.0.2:{storage.server_address[1]}/token"
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"token needed"}]}', "application/json",
                              [("WWW-Authenticate", f'Bearer realm="{realm}",service="hostile"')])
        if mode == "redirect" and self.path.startswith("/v2/") and "Authorization" not in self.headers:
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"log in"}]}', "application/json",
                              [("WWW-Authenticate", 'Basic realm="hostile"')])
        if mode == "redirect" and self.path == "/v2/team/toy/blobs/" + digest(layer):
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.2:{storage.server_address[1]}/storage/" + digest(layer))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/v2/":
            return self.reply(200, b"{}", "application/json")
        if self.path.startswith("/v2/team/toy/manifests/") and mode == "endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                while True: self.wfile.write(b" " * 65536)
            except OSError:
                return
        if self.path.startswith("/v2/team/toy/manifests/"):
            return self.reply(200, manifest, "application/vnd.oci.image.manifest.v1+json", [("Docker-Content-Digest", digest(manifest))])
        if self.path == "/v2/team/toy/blobs/" + digest(config):
            return self.reply(200, config)
        if self.path == "/v2/team/toy/blobs/" + digest(layer):
            gets["layer"] += 1
            start = 0
            if self.headers.get("Range", "").startswith("bytes=") and mode in ("drop", "flaky"):
                start = int(self.headers["Range"][6:].rstrip("-"))
            rest = layer[start:]
            if mode == "flaky" and gets["layer"] == 1:
                return self.reply(503, b'{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}', "application/json")
            if mode == "flaky" and gets["layer"] == 3:
                return self.reply(206 if start else 200, rest, headers=[("Content-Range", f"bytes {start}-{len(layer) - 1}/{len(layer)}")])
            if mode in ("drop", "stall", "flaky") or (mode == "norange" and gets["layer"] == 1):
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(rest)))
                if start: self.send_header("Content-Range", f"bytes {start}-{len(layer) - 1}/{len(layer)}")
                self.end_headers()
                self.wfile.write(rest[:len(rest) // 2]); self.wfile.flush()
                if mode == "stall":
                    time.sleep(3600)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if mode == "slow":
                start = int(self.headers["Range"][6:].rstrip("-")) if self.headers.get("Range", "").startswith("bytes=") else 0
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(layer) - start))
                self.end_headers()
                for i in range(start, len(layer), 65536):
                    self.wfile.write(layer[i:i + 65536]); self.wfile.flush(); time.sleep(0.03)
                    if start == 0 and i == 1 << 20:  # a first download stalls past 1 MB, for the test to interrupt it
                        print("stalled", flush=True); time.sleep(10)
                return
            if mode == "overlong":
                self.send_response(200)
                self.send_header("Content-Length", str(len(layer)))
                self.end_headers()
                self.wfile.write(layer + b"x" * 65536); self.wfile.flush()
                self.close_connection = True
                return
            return self.reply(200, layer)  # norange: the whole blob, whatever Range said
        self.reply(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no such thing"}]}', "application/json")

def do_POST(self):  # login checks push access by opening an upload session
    if mode == "realm" and self.headers.get("Authorization") != "Bearer clean":
        realm = f"http://127.0.0.2:{storage.server_address[1]}/token"
        return self.reply(401, b"{}", "application/json", [("WWW-Authenticate", f'Bearer realm="{realm}",service="hostile"')])
    if mode == "redirect" and "Authorization" not in self.headers:
        return self.reply(401, b"{}", "application/json", [("WWW-Authenticate", 'Basic realm="hostile"')])
    self.reply(202, b"", headers=[("Location", "/v2/team/toy/blobs/uploads/session")])
def do_DELETE(self): self.reply(204, b"")
Handler.do_POST = do_POST
Handler.do_DELETE = do_DELETE

class Storage(Handler):
    def do_GET(self):
        if self.path.startswith("/token"):
            token = "leaked" if "Authorization" in self.headers else "clean"
            return self.reply(200, json.dumps({"token": token}).encode(), "application/json")
        if "Authorization" in self.headers:
            return self.reply(403, b"the registry's credentials reached the storage host", "text/plain")
        if self.path == "/storage/" + digest(layer):
            return self.reply(200, layer)
        self.reply(404, b"no such object", "text/plain")

class PushHandler(Handler):
    """An in-memory registry for pushes, with transient failures on a fixed schedule."""
    blobs, manifests, sessions = {}, {}, {}
    stats = {"patches": 0, "closes": 0, "manifest_puts": 0, "status_queries": 0, "bytes_received": 0, "failures": []}

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))

    def do_GET(self):
        path = self.path.split("?")[0]
        parts = path.split("/")
        if path == "/stats":
            return self.reply(200, json.dumps(self.stats).encode(), "application/json")
        if path == "/v2/":
            return self.reply(200, b"{}", "application/json")
        if "/blobs/uploads/" in path:
            self.stats["status_queries"] += 1
            kept = len(self.sessions.get(parts[-1], b""))
            return self.reply(204, b"", headers=[("Location", path), ("Range", f"0-{kept - 1 if kept else 0}")])
        if "/blobs/" in path and parts[-1] in self.blobs:
            return self.reply(200, self.blobs[parts[-1]])
        if "/manifests/" in path and parts[-1] in self.manifests:
            body = self.manifests[parts[-1]]
            return self.reply(200, body, "application/vnd.oci.image.manifest.v1+json", [("Docker-Content-Digest", digest(body))])
        self.reply(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no such thing"}]}', "application/json")

    def do_POST(self):
        self.body()
        session = str(len(self.sessions) + 1)
        self.sessions[session] = b""
        repository = self.path.split("/blobs/uploads")[0]
        self.reply(202, b"", headers=[("Location", f"{repository}/blobs/uploads/{session}"), ("Range", "0-0")])

    def fail(self, what):
        self.stats["failures"].append(what)
        return self.reply(503, b'{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}', "application/json")

    def do_PATCH(self):
        path = self.path.split("?")[0]
        session = path.split("/")[-1]
        data = self.body()
        self.stats["patches"] += 1
        if self.stats["patches"] == 4:  # the connection breaks; nothing of the chunk is kept
            self.stats["failures"].append("reset on PATCH 4")
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        start = int(self.headers.get("Content-Range", "0-0").split("-")[0])
        if start != len(self.sessions[session]):
            return self.reply(416, b"", headers=[("Range", f"0-{len(self.sessions[session]) - 1}"), ("Location", path)])
        self.sessions[session] += data
        self.stats["bytes_received"] += len(data)
        if self.stats["patches"] == 2:  # kept, but the answer is lost in a 503
            return self.fail("503 on PATCH 2 (bytes kept)")
        self.reply(202, b"", headers=[("Location", path), ("Range", f"0-{len(self.sessions[session]) - 1}")])

    def do_PUT(self):
        path, _, query = self.path.partition("?")
        data = self.body()
        if "/manifests/" in path:
            self.stats["manifest_puts"] += 1
            if self.stats["manifest_puts"] == 1:
                return self.fail("503 on the first manifest PUT")
            self.manifests[path.split("/")[-1]] = data
            self.manifests[digest(data)] = data
            return self.reply(201, b"", headers=[("Docker-Content-Digest", digest(data))])
        self.stats["closes"] += 1
        if self.stats["closes"] == 1:
            return self.fail("503 on the first closing PUT")
        session = path.split("/")[-1]
        whole = self.sessions.pop(session) + data
        self.stats["bytes_received"] += len(data)
        expected = query.split("digest=")[-1]
        if digest(whole) != expected:
            return self.reply(400, b'{"errors":[{"code":"DIGEST_INVALID","message":"digest mismatch"}]}', "application/json")
        self.blobs[expected] = whole
        self.reply(201, b"", headers=[("Docker-Content-Digest", expected)])

    def do_HEAD(self):
        path = self.path.split("?")[0]
        if "/blobs/" in path and path.split("/")[-1] in self.blobs:
            return self.reply(200, self.blobs[path.split("/")[-1]])
        self.reply(404, b"")

if mode == "flakypush":
    Handler = PushHandler
if mode in ("redirect", "realm"):
    import threading
    storage = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Storage)
    threading.Thread(target=storage.serve_forever, daemon=True).start()
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()

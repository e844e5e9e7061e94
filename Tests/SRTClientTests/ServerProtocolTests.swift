import Foundation
import Testing
import SRTClient
import SRTOCI
import SRTRegistry

/// `srthub serve` against the distribution spec, request by request.
@Suite(.serialized) struct ServerProtocolTests {
    func json(_ response: HTTPClient.Response) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
    }

    func errorCode(_ response: HTTPClient.Response) -> String? {
        ((json(response)["errors"] as? [[String: Any]])?.first?["code"]) as? String
    }

    @Test func pathTraversalInNamesDigestsAndUploadIdsIsRefused() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        let token = try server.tokens.create(name: "t")
        let url = server.url
        try await blocking {
            let http = HTTPClient()
            let auth = ["Authorization": "Bearer " + token]
            let cases: [(String, String, Int, String)] = [
                ("GET", "/v2/team/%2e%2e/%2e%2e/manifests/v1", 404, "NAME_INVALID"),
                ("GET", "/v2/..%2f..%2fetc/blobs/sha256:" + String(repeating: "a", count: 64), 404, "NAME_INVALID"),
                ("GET", "/v2/team/toy/blobs/sha256:..%2f..%2f..%2fetc%2fpasswd", 400, "DIGEST_INVALID"),
                ("GET", "/v2/team/toy/blobs/sha256:" + String(repeating: "A", count: 64), 400, "DIGEST_INVALID"),
                ("PATCH", "/v2/team/toy/blobs/uploads/..%2f..%2f..%2fregistry.sqlite", 404, "BLOB_UPLOAD_UNKNOWN"),
                ("PUT", "/v2/team/toy/blobs/uploads/00000000-0000-0000-0000-000000000000?digest=sha256:" + String(repeating: "a", count: 64), 404, "BLOB_UPLOAD_UNKNOWN"),
                ("GET", "/v2/Team/Toy/tags/list", 404, "NAME_INVALID"),
                ("GET", "/v2/team/toy/manifests/..%2fv1", 400, "MANIFEST_INVALID"),
            ]
            for (method, path, status, code) in cases {
                let response = try http.send(method, url + path, headers: auth)
                #expect(response.status == status && errorCode(response) == code, "\(method) \(path): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
            }
        }
        #expect(FileManager.default.fileExists(atPath: server.registry.home.databasePath))
    }

    /// Two writers on one upload session: the second is refused while the first streams (their bytes
    /// interleaved); a manifest listing more layers than any model is refused before it is parsed.
    @Test func concurrentPatchesAndHugeManifestsAreRefused() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        let token = try server.tokens.create(name: "t")
        let url = server.url, port = server.port
        try await blocking {
            let http = HTTPClient()
            let auth = ["Authorization": "Bearer " + token]
            let start = try http.send("POST", url + "/v2/team/toy/blobs/uploads/", headers: auth)
            let path = try #require(start.header("Location"))
            // A writer on a raw socket sends half its body and holds the session until told to go on;
            // once its first bytes are in the session file, a second PATCH must be refused.
            let slow = Process()
            slow.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            slow.arguments = ["python3", "-c", """
                import socket, sys
                s = socket.create_connection(("127.0.0.1", \(port)))
                body = b"a" * 200000
                s.sendall(("PATCH \(path) HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer \(token)\\r\\nContent-Type: application/octet-stream\\r\\n"
                           "Content-Length: %d\\r\\n\\r\\n" % len(body)).encode())
                s.sendall(body[:100000])
                sys.stdin.readline()
                s.sendall(body[100000:])
                print(s.recv(4096).split(b"\\r\\n")[0].decode())
                """]
            let out = Pipe(), go = Pipe()
            slow.standardOutput = out
            slow.standardInput = go
            try slow.run()
            defer { if slow.isRunning { slow.terminate() } }
            var streaming = false
            for _ in 0..<600 where !streaming {
                let status = try http.send("GET", url + path, headers: auth)
                streaming = status.header("Range").map { $0 != "0-0" } ?? false
                if !streaming { usleep(50_000) }
            }
            #expect(streaming, "the first writer's bytes never reached the session file")
            let second = try http.send("PATCH", url + path, headers: auth, body: .data(Data(repeating: 98, count: 1000)))
            #expect(second.status == 416 && String(decoding: second.body, as: UTF8.self).contains("another request is writing"),
                    "\(second.status) \(String(decoding: second.body, as: UTF8.self))")
            go.fileHandleForWriting.write(Data("go\n".utf8))
            slow.waitUntilExit()
            let first = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(first.contains("202"), "the first writer finishes: \(first)")
            let status = try http.send("GET", url + path, headers: auth)
            #expect(status.header("Range") == "0-199999", "only the first writer's bytes: \(status.header("Range") ?? "-")")

            let layer = #"{"mediaType":"application/octet-stream","digest":"sha256:\#(String(repeating: "a", count: 64))","size":1}"#
            let huge = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":\#(layer),"layers":[\#(Array(repeating: layer, count: 1001).joined(separator: ","))]}"#
            let put = try http.send("PUT", url + "/v2/team/toy/manifests/v1", headers: auth.merging(["Content-Type": "application/vnd.oci.image.manifest.v1+json"]) { $1 },
                                    body: .data(Data(huge.utf8)))
            #expect(put.status == 400 && String(decoding: put.body, as: UTF8.self).contains("more than 1000 layers"),
                    "\(put.status) \(String(decoding: put.body, as: UTF8.self))")
        }
    }

    @Test func uploadsRangesTagsAndReferrersFollowTheSpec() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        let token = try server.tokens.create(name: "t")
        let url = server.url
        let registry = server.registry
        try await blocking {
            let http = HTTPClient()
            let auth = ["Authorization": "Bearer " + token]
            let blob = Data((0..<1000).map { UInt8($0 % 251) })
            let digest = Digest(hashing: blob)

            // Chunks must come in order: a chunk at 100 on an empty upload is 416 with the current Range.
            let start = try http.send("POST", url + "/v2/team/toy/blobs/uploads/", headers: auth)
            #expect(start.status == 202)
            let location = url + start.header("Location")!
            let early = try http.send("PATCH", location, headers: auth.merging(["Content-Range": "100-199"]) { $1 }, body: .data(blob[100..<200]))
            #expect(early.status == 416 && errorCode(early) == "BLOB_UPLOAD_INVALID")
            let first = try http.send("PATCH", location, headers: auth.merging(["Content-Range": "0-599"]) { $1 }, body: .data(blob[0..<600]))
            #expect(first.status == 202 && first.header("Range") == "0-599")
            let status = try http.send("GET", location, headers: auth)
            #expect(status.status == 204 && status.header("Range") == "0-599")
            let wrong = try http.send("PUT", location + "?digest=sha256:" + String(repeating: "b", count: 64), headers: auth, body: .data(blob[600...]))
            #expect(wrong.status == 400 && errorCode(wrong) == "DIGEST_INVALID")
            #expect(!registry.blobs.contains(digest))  // nothing half-written became visible

            // Monolithic upload in one POST, then HEAD and a Range GET.
            let mono = try http.send("POST", url + "/v2/team/toy/blobs/uploads/?digest=" + digest.description, headers: auth, body: .data(blob))
            #expect(mono.status == 201 && mono.header("Docker-Content-Digest") == digest.description)
            let head = try http.send("HEAD", url + "/v2/team/toy/blobs/" + digest.description)
            #expect(head.status == 200 && head.header("Content-Length") == "1000" && head.header("Docker-Content-Digest") == digest.description)
            let range = try http.send("GET", url + "/v2/team/toy/blobs/" + digest.description, headers: ["Range": "bytes=10-19"])
            #expect(range.status == 206 && range.body == blob[10..<20] && range.header("Content-Range") == "bytes 10-19/1000")
            let beyond = try http.send("GET", url + "/v2/team/toy/blobs/" + digest.description, headers: ["Range": "bytes=5000-"])
            #expect(beyond.status == 416)
            let mount = try http.send("POST", url + "/v2/other/repo/blobs/uploads/?mount=\(digest)&from=team/toy", headers: auth)
            #expect(mount.status == 201)

            // Manifests: an unknown blob is refused; three tags paginate with Link.
            let config = Data("{}".utf8)
            _ = try http.send("POST", url + "/v2/team/toy/blobs/uploads/?digest=" + Digest(hashing: config).description, headers: auth, body: .data(config))
            func manifest(_ layer: Digest, size: Int, subject: Digest? = nil) -> Data {
                var object: [String: Any] = ["schemaVersion": 2, "mediaType": MediaType.imageManifest, "artifactType": "application/vnd.test",
                                             "config": ["mediaType": MediaType.empty, "digest": Digest(hashing: config).description, "size": 2],
                                             "layers": [["mediaType": "application/octet-stream", "digest": layer.description, "size": size]]]
                if let subject { object["subject"] = ["mediaType": MediaType.imageManifest, "digest": subject.description, "size": 1] }
                return try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            }
            let type = ["Content-Type": MediaType.imageManifest]
            let missing = try http.send("PUT", url + "/v2/team/toy/manifests/bad", headers: auth.merging(type) { $1 },
                                        body: .data(manifest(Digest(hashing: Data("nope".utf8)), size: 4)))
            #expect(missing.status == 400 && errorCode(missing) == "MANIFEST_BLOB_UNKNOWN")
            let good = manifest(digest, size: 1000)
            for tag in ["a", "b", "c"] {
                let put = try http.send("PUT", url + "/v2/team/toy/manifests/" + tag, headers: auth.merging(type) { $1 }, body: .data(good))
                #expect(put.status == 201 && put.header("Docker-Content-Digest") == Digest(hashing: good).description)
            }
            let page = try http.send("GET", url + "/v2/team/toy/tags/list?n=2")
            #expect(json(page)["tags"] as? [String] == ["a", "b"] && page.header("Link")?.contains("last=b") == true)
            let rest = try http.send("GET", url + "/v2/team/toy/tags/list?n=2&last=b")
            #expect(json(rest)["tags"] as? [String] == ["c"] && rest.header("Link") == nil)
            let fetched = try http.send("GET", url + "/v2/team/toy/manifests/a", headers: ["Accept": MediaType.imageManifest])
            #expect(fetched.body == good && fetched.header("Content-Type") == MediaType.imageManifest)

            // A referrer (subject = the manifest) is listed by the referrers API, with OCI-Subject on PUT.
            let subject = Digest(hashing: good)
            let referrer = manifest(digest, size: 1000, subject: subject)
            let put = try http.send("PUT", url + "/v2/team/toy/manifests/" + Digest(hashing: referrer).description, headers: auth.merging(type) { $1 },
                                    body: .data(referrer))
            #expect(put.status == 201 && put.header("OCI-Subject") == subject.description)
            let index = try http.send("GET", url + "/v2/team/toy/referrers/" + subject.description)
            let listed = (json(index)["manifests"] as? [[String: Any]])?.compactMap { $0["digest"] as? String }
            #expect(listed == [Digest(hashing: referrer).description])

            // Deleting by tag removes the tag; the manifest stays reachable by digest.
            #expect(try http.send("DELETE", url + "/v2/team/toy/manifests/c", headers: auth).status == 202)
            #expect(try http.send("GET", url + "/v2/team/toy/manifests/c").status == 404)
            let big = Data(count: 5 << 20)
            let huge = try http.send("PUT", url + "/v2/team/toy/manifests/huge", headers: auth.merging(type) { $1 }, body: .data(big))
            #expect(huge.status == 413)
        }
    }
}

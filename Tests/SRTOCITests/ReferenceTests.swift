import Foundation
import Testing
@testable import SRTOCI

@Suite struct ReferenceTests {
    static let hex = String(repeating: "ab", count: 32)

    struct Valid: Sendable, CustomTestStringConvertible {
        let text: String, host: String?, namespace: String, name: String, tag: String?, digest: Bool
        var testDescription: String { text }
    }

    static let valid: [Valid] = [
        Valid(text: "shop", host: nil, namespace: "library", name: "shop", tag: nil, digest: false),
        Valid(text: "shop:v1", host: nil, namespace: "library", name: "shop", tag: "v1", digest: false),
        Valid(text: "team/my-shop:V1.0_rc", host: nil, namespace: "team", name: "my-shop", tag: "V1.0_rc", digest: false),
        Valid(text: "srt/amazon-games:srt-128x4", host: nil, namespace: "srt", name: "amazon-games", tag: "srt-128x4", digest: false),
        Valid(text: "a__b/c.d--e", host: nil, namespace: "a__b", name: "c.d--e", tag: nil, digest: false),
        Valid(text: "127.0.0.1:5000/team/shop:v2", host: "127.0.0.1:5000", namespace: "team", name: "shop", tag: "v2", digest: false),
        Valid(text: "localhost/shop", host: "localhost", namespace: "library", name: "shop", tag: nil, digest: false),
        Valid(text: "hub.example.org/srt/games@sha256:\(hex)", host: "hub.example.org", namespace: "srt", name: "games", tag: nil, digest: true),
        Valid(text: "shop:v1@sha256:\(hex)", host: nil, namespace: "library", name: "shop", tag: "v1", digest: true),
    ]

    @Test(arguments: valid)
    func validReferencesParseAndRoundTrip(_ v: Valid) throws {
        let r = try Reference(parsing: v.text)
        #expect(r.host == v.host)
        #expect(r.namespace == v.namespace)
        #expect(r.name == v.name)
        #expect(r.tag == v.tag)
        #expect((r.digest != nil) == v.digest)
        #expect(try Reference(parsing: r.description) == r)
    }

    @Test(arguments: [
        ("", "empty"),
        ("Shop:v1", "lower-case"),
        ("team/../shop", "'..' is not allowed"),
        ("../shop", "'..' is not allowed"),
        ("team//shop", "empty"),
        ("/shop", "empty"),
        ("shop:", "the tag"),
        ("shop:-v1", "the tag"),
        ("shop:" + String(repeating: "t", count: 129), "the tag"),
        ("shop@sha256:abc", "the digest"),
        ("shop@md5:" + hex, "the digest"),
        ("a/b/c/d", "path parts"),
        ("shop-", "lower-case"),
        ("sh..op", "lower-case"),
        ("host:99999/a/b", "host"),
        (String(repeating: "a", count: 256), "longer than 255"),
    ])
    func invalidReferencesAreRefusedWithAReason(_ text: String, _ reason: String) {
        #expect {
            try Reference(parsing: text)
        } throws: { error in
            "\(error)".contains(reason) && "\(error)".contains("hint:")
        }
    }

    @Test func defaultsApply() throws {
        let r = try Reference(parsing: "shop")
        #expect(r.tagOrDefault == "latest")
        #expect(r.repository == "library/shop")
        #expect(r.description == "shop")
        #expect(r.with(tag: "v2").description == "shop:v2")
    }
}

@Suite struct DigestTests {
    @Test func digestOfKnownBytes() {
        // sha256("{}") is the OCI empty descriptor's digest (image-spec).
        #expect(Digest(hashing: Array("{}".utf8)).description == "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
    }

    @Test(arguments: ["sha256:abc", "sha256:" + String(repeating: "A", count: 64), "sha512:" + String(repeating: "a", count: 64),
                      "sha256:" + String(repeating: "a", count: 63) + "/", "sha256:../" + String(repeating: "a", count: 61)])
    func malformedDigestsAreRefused(_ text: String) {
        #expect(Digest(text) == nil)
    }

    @Test func manifestEncodingRoundTrips() throws {
        let d = Digest(hashing: Array("x".utf8))
        let m = ImageManifest(artifactType: MediaType.model, config: Descriptor(mediaType: MediaType.modelConfig, digest: d, size: 1),
                              layers: [Descriptor(mediaType: MediaType.safetensors, digest: d, size: 1, annotations: [titleAnnotation: "model.safetensors"])])
        let data = try JSONEncoder().encode(m)
        let back = try JSONDecoder().decode(ImageManifest.self, from: data)
        #expect(back == m)
        #expect(back.layer(titled: "model.safetensors")?.digest == d)
        #expect(String(decoding: data, as: UTF8.self).contains("\"schemaVersion\":2"))
    }
}

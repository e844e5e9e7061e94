import Foundation
import Testing
@testable import SRTClient
@testable import SRTServer

/// Secrets stay out of plain files and logs: a password in a remote URL is refused (remotes.json is
/// world-readable and URLs were printed everywhere), and the serve log masks secret query values.
@Suite struct SecretsTests {
    @Test func credentialsInARemoteURLAreRefusedAndNeverPrinted() throws {
        let home = temporaryFolder("secrets")
        let config = RemoteConfig(home: home)
        #expect(throws: ClientError.self) { try config.addRemote("origin", url: "http://bob:s3cret@127.0.0.1:5000") }
        #expect(config.remotes().isEmpty)
        do { try config.addRemote("origin", url: "https://bob:s3cret@hub.example.com") } catch {
            #expect(!error.message.contains("s3cret") && !(error.hint ?? "").contains("s3cret"), "\(error)")
        }
        #expect(RemoteConfig.redacted("http://bob:s3cret@127.0.0.1:5000/v2") == "http://***@127.0.0.1:5000/v2")
        #expect(RemoteConfig.redacted("http://127.0.0.1:5000/a@b") == "http://127.0.0.1:5000/a@b", "an @ in the path is not a credential")
    }

    /// Credentials over plain HTTP to another machine are worth a warning; loopback and https are not.
    @Test func plainHTTPToAnotherHostIsWarnedOf() {
        #expect(RemoteConfig.plainHTTPWarning("http://hub.example.com:5000")?.contains("unencrypted") == true)
        #expect(RemoteConfig.plainHTTPWarning("http://127.0.0.1:5000") == nil && RemoteConfig.plainHTTPWarning("http://localhost:5000") == nil)
        #expect(RemoteConfig.plainHTTPWarning("https://hub.example.com") == nil)
    }

    @Test func theServeLogMasksSecretQueryValues() {
        #expect(DistributionResponder.redacted(query: "n=10&token=abc.def&last=x") == "n=10&token=***&last=x")
        #expect(DistributionResponder.redacted(query: "X-Amz-Signature=f00&digest=sha256:1") == "X-Amz-Signature=***&digest=sha256:1")
        #expect(DistributionResponder.redacted(query: "flag") == "flag")
    }
}

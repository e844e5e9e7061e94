import ArgumentParser
import Testing
@testable import SRTCommands

@Suite struct ParsingTests {
    @Test func dataInspectParsesItsOptions() throws {
        let command = try SRTHub.parseAsRoot(["data", "inspect", "some/path", "--k-core", "5", "--protocol", "temporal",
                                              "--quantile", "0.9", "--allow-missing-text", "--json"])
        let inspect = try #require(command as? DataInspect)
        #expect(inspect.path == "some/path")
        #expect(inspect.data.kCore == 5)
        #expect(inspect.data.allowMissingText)
        #expect(inspect.split.splitProtocol == .temporal(quantile: 0.9))
        #expect(inspect.json)
    }

    @Test(arguments: [
        (["data", "inspect", "p", "--k-core", "0"], "'--k-core' must be at least 1"),
        (["data", "inspect", "p", "--quantile", "1.5"], "'--quantile' must be between 0 and 1"),
        (["data", "inspect", "p", "--protocol", "random"], "random"),
    ])
    func badOptionsAreRejectedWithTheFlagNamed(_ arguments: [String], _ message: String) {
        #expect {
            _ = try SRTHub.parseAsRoot(arguments)
        } throws: { error in
            SRTHub.message(for: error).contains(message)
        }
    }
}

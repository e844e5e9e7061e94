import Foundation
import Testing

/// Logins as a user meets them against `srthub serve` on loopback: kept per remote name (a port
/// change keeps them), shown by whoami without secrets, dropped by logout, SRTHUB_TOKEN for CI,
/// and server tokens listed and revoked while the server runs.
@Suite(.serialized, .enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct AuthCommandTests {
    func srthub(_ arguments: [String], home: String, environment: [String: String] = [:]) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments + ["--home", home], environment: environment)
    }

    /// A server home with one token, its server, and a client home with the remote `hub` added.
    func setUp() throws -> (serverHome: String, token: String, server: ServerProcess, client: String) {
        let serverHome = makeTempFolder()
        _ = try srthub(["init"], home: serverHome)
        let token = try srthub(["token", "create", "--name", "ci"], home: serverHome).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try ServerProcess(srthubHome: serverHome)
        let client = makeTempFolder()
        #expect(try srthub(["remote", "add", "hub", server.url], home: client).status == 0)
        #expect(try srthub(["add", try fakeCheckpoint(name: "toy"), "--tag", "toy:v1"], home: client).status == 0)
        return (serverHome, token, server, client)
    }

    @Test func aLoginFollowsItsRemoteWhenTheURLChanges() throws {
        var (serverHome, token, server, client) = try setUp()
        let login = try srthub(["login", "hub", "--token", token], home: client)
        #expect(login.status == 0 && login.stdout.contains("remote hub"), "\(login.stderr)")
        #expect(try srthub(["push", "toy:v1", "hub/team/toy:v1"], home: client).status == 0)
        // The hub moves to another port: the remote is pointed there, and the login goes with it.
        server.stop()
        server = try ServerProcess(srthubHome: serverHome)
        defer { server.stop() }
        #expect(try srthub(["remote", "set-url", "hub", server.url], home: client).status == 0)
        let push = try srthub(["push", "toy:v1", "hub/team/toy:v2"], home: client)
        #expect(push.status == 0, "\(push.stderr)")
    }

    @Test func whoamiShowsNoSecretAndLogoutForgets() throws {
        let (_, token, server, client) = try setUp()
        defer { server.stop() }
        #expect(try srthub(["login", "hub", "--token", token], home: client).status == 0)
        let whoami = try srthub(["whoami"], home: client)
        #expect(whoami.status == 0 && whoami.stdout.contains("hub") && whoami.stdout.contains("srthub"), "\(whoami.stdout)")
        let one = try srthub(["whoami", "hub"], home: client)
        #expect(one.stdout.contains("stored for remote hub"), "\(one.stdout)")
        for output in [whoami.stdout, one.stdout, try srthub(["whoami", "--json"], home: client).stdout] {
            #expect(!output.contains(token), "a secret was printed")
        }
        #expect(try srthub(["logout", "hub"], home: client).status == 0)
        #expect(try srthub(["whoami"], home: client).stdout.contains("no stored logins"))
        let again = try srthub(["logout", "hub"], home: client)
        #expect(again.status != 0 && again.stderr.contains("not logged in to hub"))
        // Without a login, the hint names the remote as the user typed it.
        let push = try srthub(["push", "toy:v1", "hub/team/toy:v1"], home: client)
        #expect(push.status != 0 && push.stderr.contains("srthub login hub"), "\(push.stderr)")
    }

    @Test func srthubTokenServesWhereNothingIsStored() throws {
        let (_, token, server, client) = try setUp()
        defer { server.stop() }
        let push = try srthub(["push", "toy:v1", "hub/team/toy:v1"], home: client, environment: ["SRTHUB_TOKEN": token])
        #expect(push.status == 0, "\(push.stderr)")
        #expect(try srthub(["whoami", "hub"], home: client, environment: ["SRTHUB_TOKEN": token]).stdout.contains("SRTHUB_TOKEN"))
        let wrong = try srthub(["push", "toy:v1", "hub/team/toy:v3"], home: client, environment: ["SRTHUB_TOKEN": "srt_not-a-token"])
        #expect(wrong.status != 0)
    }

    @Test func revokedTokensAreRefusedAtOnce() throws {
        let (serverHome, token, server, client) = try setUp()
        defer { server.stop() }
        let laptop = try srthub(["token", "create", "--name", "laptop"], home: serverHome).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let list = try srthub(["token", "list"], home: serverHome)
        #expect(list.stdout.contains("ci") && list.stdout.contains("laptop") && !list.stdout.contains(token) && !list.stdout.contains(laptop))
        #expect(try srthub(["push", "toy:v1", "hub/team/toy:v1"], home: client, environment: ["SRTHUB_TOKEN": token]).status == 0)
        let revoke = try srthub(["token", "revoke", "ci"], home: serverHome)
        #expect(revoke.status == 0 && revoke.stdout.contains("revoked ci"), "\(revoke.stderr)")
        let refused = try srthub(["push", "toy:v1", "hub/team/toy:v2"], home: client, environment: ["SRTHUB_TOKEN": token])
        #expect(refused.status != 0, "the revoked token still pushes")
        #expect(try srthub(["push", "toy:v1", "hub/team/toy:v2"], home: client, environment: ["SRTHUB_TOKEN": laptop]).status == 0)
        #expect(!(try srthub(["token", "list"], home: serverHome).stdout.contains("ci ")))
        #expect(try srthub(["token", "revoke", "nobody"], home: serverHome).status != 0)
    }

    @Test func loginWithoutASecretOffATerminalIsRefused() throws {
        let home = makeTempFolder()
        let run = try bash("'\(CLIRunner.executable!)' login 127.0.0.1:9 --home '\(home)' < /dev/null")
        #expect(run.status != 0 && run.stderr.contains("not a terminal") && run.stderr.contains("--token-stdin"), "\(run.stderr)")
    }
}

import Testing
@testable import SRTData

@Suite struct FingerprintTests {
    @Test func fingerprintIgnoresRowOrderAcrossUsersButNotWithinThem() throws {
        let a = SmallData.folder(inter: "user_id:token\titem_id:token\na\ti1\na\ti2\nb\ti3\n",
                                 item: "item_id:token\ttitle:token_seq\ni1\tx\ni2\ty\ni3\tz\n")
        let b = SmallData.folder(inter: "user_id:token\titem_id:token\nb\ti3\na\ti1\na\ti2\n",
                                 item: "item_id:token\ttitle:token_seq\ni3\tz\ni2\ty\ni1\tx\n")
        let c = SmallData.folder(inter: "user_id:token\titem_id:token\na\ti2\na\ti1\nb\ti3\n",
                                 item: "item_id:token\ttitle:token_seq\ni1\tx\ni2\ty\ni3\tz\n")
        let fa = try DatasetLoader.load(a.path + "/small").fingerprint()
        let fb = try DatasetLoader.load(b.path + "/small").fingerprint()
        let fc = try DatasetLoader.load(c.path + "/small").fingerprint()
        #expect(fa == fb)
        #expect(fa != fc)
        #expect(fa.hasPrefix("sha256:") && fa.count == 7 + 64)
    }

    @Test func fingerprintChangesWithItemText() throws {
        let a = SmallData.folder()
        let b = SmallData.folder(item: SmallData.item.replacingOccurrences(of: "Shampoo", with: "Conditioner"))
        #expect(try DatasetLoader.load(a.path + "/small").fingerprint()
                != DatasetLoader.load(b.path + "/small").fingerprint())
    }

    @Test func statisticsReportCoverageAndQuantiles() throws {
        let data = try DatasetLoader.load(SmallData.folder().path + "/small")
        let stats = DatasetStatistics(data)
        #expect(stats.users == 3 && stats.items == 4 && stats.interactions == 8)
        #expect(stats.sequenceLength["p0"] == 2 && stats.sequenceLength["p100"] == 3)
        #expect(stats.textCoverage.map(\.field) == ["title", "brand"])
        #expect(stats.textCoverage[1].itemsWithText == 3)  // i2 has no brand
    }
}

import Foundation
import Testing
@testable import SRTData

@Suite struct LoadingTests {
    @Test func recboleFilesBecomeChronologicalSequences() throws {
        let folder = SmallData.folder()
        let data = try DatasetLoader.load(folder.path + "/small")
        #expect(data.name == "small")
        #expect(data.userIDs == ["a", "b", "c"])
        #expect(data.interactionCount == 8)
        let ids = data.sequences.map { $0.map { data.itemIDs[Int($0)] } }
        #expect(ids[0] == ["i2", "i3", "i1"])  // sorted by timestamp 10, 20, 30
        #expect(ids[1] == ["i1", "i4"])  // equal timestamps keep file order
        #expect(data.timestamps?[0] == [10, 20, 30])
        #expect(data.textFields == ["title", "brand"])  // the float field is not text
        let i3 = data.itemIDs.firstIndex(of: "i3")!
        #expect(data.itemText[i3] == ["Green \"Eye\" Shadow", "Acme"])
    }

    @Test func withoutTimestampsFileOrderIsTimeOrder() throws {
        let folder = SmallData.folder(inter: "user_id:token\titem_id:token\na\ti3\na\ti1\nb\ti2\n")
        let data = try DatasetLoader.load(folder.path + "/small")
        #expect(!data.hasTimestamps)
        #expect(data.sequences[0].map { data.itemIDs[Int($0)] } == ["i3", "i1"])
    }

    @Test func csvTsvAndJsonlGiveTheSameDatasetAsRecBole() throws {
        let recbole = try DatasetLoader.load(SmallData.folder().path + "/small")

        let csv = TempFolder()
        csv.write("interactions.csv", "user_id,item_id,timestamp\na,i1,30\na,i2,10\nb,i1,15\na,i3,20\nb,i4,15\nc,i2,50\nc,i3,60\nc,i4,70\n")
        csv.write("items.csv", "item_id,title,brand\ni1,\"Red Lipstick, matte\",Acme\ni2,Blue Nail Polish,\ni3,\"Green \"\"Eye\"\" Shadow\",Acme\ni4,Shampoo,BrandX\n")

        let tsv = TempFolder()
        tsv.write("interactions.tsv", "user_id\titem_id\ttimestamp\r\na\ti1\t30\r\na\ti2\t10\r\nb\ti1\t15\r\na\ti3\t20\r\nb\ti4\t15\r\nc\ti2\t50\r\nc\ti3\t60\r\nc\ti4\t70\r\n")
        tsv.write("items.tsv", "item_id\ttitle\tbrand\ni1\tRed Lipstick, matte\tAcme\ni2\tBlue Nail Polish\t\ni3\tGreen \"Eye\" Shadow\tAcme\ni4\tShampoo\tBrandX\n")

        let jsonl = TempFolder()
        jsonl.write("interactions.jsonl", """
            {"user_id": "a", "item_id": "i1", "timestamp": 30}
            {"user_id": "a", "item_id": "i2", "timestamp": 10}
            {"user_id": "b", "item_id": "i1", "timestamp": 15}
            {"user_id": "a", "item_id": "i3", "timestamp": 20}
            {"user_id": "b", "item_id": "i4", "timestamp": 15}
            {"user_id": "c", "item_id": "i2", "timestamp": 50}
            {"user_id": "c", "item_id": "i3", "timestamp": 60}
            {"user_id": "c", "item_id": "i4", "timestamp": 70}
            """)
        jsonl.write("items.jsonl", """
            {"item_id": "i1", "title": "Red Lipstick, matte", "brand": "Acme"}
            {"item_id": "i2", "title": ["Blue", "Nail", "Polish"], "brand": null}
            {"item_id": "i3", "title": "Green \\"Eye\\" Shadow", "brand": "Acme"}
            {"item_id": "i4", "title": "Shampoo", "brand": "BrandX"}
            """)

        // As Python's csv module and Excel's "CSV UTF-8" write it: a byte-order mark, CRLF after a
        // quoted last field (both were refused, the mark with a wrong hint about the header).
        let excel = TempFolder()
        excel.write("interactions.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("user_id,item_id,timestamp\r\na,i1,30\r\na,i2,10\r\nb,i1,15\r\na,i3,20\r\nb,i4,15\r\nc,i2,50\r\nc,i3,60\r\nc,i4,70\r\n".utf8))
        excel.write("items.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("item_id,title,brand\r\ni1,\"Red Lipstick, matte\",\"Acme\"\r\ni2,Blue Nail Polish,\r\ni3,\"Green \"\"Eye\"\" Shadow\",\"Acme\"\r\ni4,Shampoo,\"BrandX\"\r\n".utf8))

        for folder in [csv, tsv, jsonl, excel] {
            let other = try DatasetLoader.load(folder.path)
            #expect(other.interactionCount == 8)
            #expect(other.fingerprint() == recbole.fingerprint(), "\(folder.path)")
        }
    }

    @Test func anInteractionsFileFindsItsSiblingItemFile() throws {
        let folder = SmallData.folder()
        let data = try DatasetLoader.load(folder.path + "/small/small.inter")
        #expect(data.textFields == ["title", "brand"])
    }

    @Test func kCoreRemovesUsersAndItemsUntilStable() throws {
        // i9 occurs once; removing it leaves user z with 1 item, so z goes too, then i5 drops to 1.
        let inter = "user_id:token\titem_id:token\nx\ti5\nx\ti6\ny\ti5\ny\ti6\nz\ti9\nz\ti5\nw\ti6\nw\ti7\n"
        let folder = SmallData.folder(inter: inter, item: nil)
        let data = try DatasetLoader.load(folder.path + "/small", options: LoadOptions(kCore: 2, allowMissingText: true))
        #expect(Set(data.userIDs) == ["x", "y"])
        #expect(Set(data.itemIDs) == ["i5", "i6"])
        #expect(data.interactionCount == 4)
    }

    @Test func missingTextIsCountedAndAllowedOnRequest() throws {
        let folder = SmallData.folder(item: "item_id:token\ttitle:token_seq\ni1\tRed\ni2\tBlue\n")
        let data = try DatasetLoader.load(folder.path + "/small", options: LoadOptions(allowMissingText: true))
        #expect(data.itemsWithoutText == 2)
        let i4 = data.itemIDs.firstIndex(of: "i4")!
        #expect(data.itemText[i4] == [""])
    }
}

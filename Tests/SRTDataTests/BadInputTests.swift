import Foundation
import Testing
@testable import SRTData

/// Each kind of bad input gets its own message naming the file, line and column and the fix.
@Suite struct BadInputTests {
    func loadError(inter: String = SmallData.inter, item: String? = SmallData.item,
                   options: LoadOptions = LoadOptions()) -> DataError? {
        let folder = SmallData.folder(inter: inter, item: item)
        do {
            _ = try DatasetLoader.load(folder.path + "/small", options: options)
            return nil
        } catch {
            return error
        }
    }

    @Test func malformedRowNamesFileLineAndExpectedColumns() throws {
        let error = try #require(loadError(inter: "user_id:token\titem_id:token\na\ti1\nb\n"))
        #expect(error.kind == .malformedRow)
        #expect(error.file?.hasSuffix("small.inter") == true)
        #expect(error.line == 3)
        #expect(error.description.contains("expected 2 tab-separated fields (user_id, item_id), found 1"))
    }

    @Test func badTimestampNamesTheColumn() throws {
        let error = try #require(loadError(inter: "user_id:token\titem_id:token\ttimestamp:float\na\ti1\t12\na\ti2\tnoon\n"))
        #expect(error.kind == .malformedRow)
        #expect(error.line == 3)
        #expect(error.column == "timestamp")
        #expect(error.description.contains("expected a number, found 'noon'"))
    }

    @Test func emptyFileIsRefused() throws {
        let error = try #require(loadError(inter: ""))
        #expect(error.kind == .emptyFile)
        #expect(error.description.contains("the file is empty"))
    }

    @Test func headerWithoutRowsIsRefused() throws {
        let error = try #require(loadError(inter: "user_id:token\titem_id:token\n"))
        #expect(error.kind == .noInteractions)
    }

    @Test func duplicateHeaderIsRefused() throws {
        let error = try #require(loadError(inter: "user_id:token\titem_id:token\tuser_id:token\na\ti1\tb\n"))
        #expect(error.kind == .duplicateHeader)
        #expect(error.column == "user_id")
        #expect(error.description.contains("columns 1 and 3"))
    }

    @Test func recboleHeaderNeedsAType() throws {
        let error = try #require(loadError(inter: "user_id\titem_id:token\na\ti1\n"))
        #expect(error.kind == .badHeader)
        #expect(error.description.contains("NAME:TYPE"))
        let unknown = try #require(loadError(inter: "user_id:string\titem_id:token\na\ti1\n"))
        #expect(unknown.description.contains("unknown RecBole type 'string'"))
    }

    @Test func missingColumnListsTheColumnsFound() throws {
        let error = try #require(loadError(inter: "user_id:token\tproduct:token\na\ti1\n"))
        #expect(error.kind == .missingColumn)
        #expect(error.column == "item_id")
        #expect(error.description.contains("found: user_id, product"))
    }

    @Test func invalidUTF8NamesTheLine() throws {
        let folder = TempFolder()
        var bytes = Array("user_id:token\titem_id:token\na\ti1\nb\t".utf8)
        bytes += [0xC3, 0x28]  // an invalid two-byte sequence
        bytes += Array("\n".utf8)
        folder.write("bad/bad.inter", bytes: bytes)
        #expect(throws: DataError.self) { try DatasetLoader.load(folder.path + "/bad") }
        do {
            _ = try DatasetLoader.load(folder.path + "/bad")
        } catch {
            #expect(error.kind == .invalidUTF8)
            #expect(error.line == 3)
            #expect(error.description.contains("UTF-8"))
        }
    }

    @Test func itemsWithoutTextAreCountedAndRefused() throws {
        let error = try #require(loadError(item: "item_id:token\ttitle:token_seq\ni1\tRed\ni2\tBlue\n"))
        #expect(error.kind == .missingText)
        #expect(error.description.contains("2 of 4 items"))
        #expect(error.description.contains("--allow-missing-text"))
    }

    @Test func noItemFileIsRefusedWithTheFix() throws {
        let error = try #require(loadError(item: nil))
        #expect(error.kind == .missingItemFile)
        #expect(error.description.contains("--allow-missing-text"))
    }

    @Test func duplicateItemRowsAreRefused() throws {
        let error = try #require(loadError(item: "item_id:token\ttitle:token_seq\ni1\tRed\ni1\tRouge\n"))
        #expect(error.kind == .duplicateItem)
        #expect(error.line == 3)
        #expect(error.description.contains("line 2"))
    }

    @Test func temporalSplitOfDataWithoutTimestampsIsRefused() throws {
        let folder = SmallData.folder(inter: "user_id:token\titem_id:token\na\ti1\na\ti2\na\ti3\n")
        let data = try DatasetLoader.load(folder.path + "/small")
        #expect {
            try data.split(.temporal(quantile: 0.95))
        } throws: { error in
            (error as? DataError)?.kind == .noTimestamps
                && "\(error)".contains("--protocol loo")
        }
    }

    @Test func unclosedCSVQuoteAndBadJSONAreLocated() throws {
        let folder = TempFolder()
        folder.write("c/interactions.csv", "user_id,item_id\na,\"i1\nb,i2\n")
        #expect {
            try DatasetLoader.load(folder.path + "/c", options: LoadOptions(allowMissingText: true))
        } throws: { error in
            (error as? DataError)?.kind == .malformedRow && "\(error)".contains("never closed")
        }
        folder.write("j/interactions.jsonl", "{\"user_id\": \"a\", \"item_id\": \"i1\"}\n{\"user_id\": \"a\",\n")
        #expect {
            try DatasetLoader.load(folder.path + "/j", options: LoadOptions(allowMissingText: true))
        } throws: { error in
            (error as? DataError)?.kind == .malformedRow && (error as? DataError)?.line == 2
        }
    }

    @Test func missingPathSaysWhatToPass() throws {
        #expect {
            try DatasetLoader.load("/nonexistent/srthub-data")
        } throws: { error in
            (error as? DataError)?.kind == .notFound && "\(error)".contains("NAME.inter")
        }
    }

    /// Each gets its own accurate message (a FIFO read "check its permissions", two .inter files
    /// "no interactions file", JSON true became id 1, and control characters reached the terminal).
    @Test func oddInputsGetAccurateMessages() throws {
        let folder = TempFolder()
        try FileManager.default.createDirectory(atPath: folder.path + "/d.csv", withIntermediateDirectories: true)
        func error(_ path: String) -> String {
            do { _ = try DatasetLoader.load(path, options: LoadOptions(allowMissingText: true)); return "loaded" } catch { return "\(error)" }
        }
        #expect(error(folder.path + "/d.csv").contains("this is a folder, though its name ends in .csv"))
        #expect(mkfifo(folder.path + "/f.csv", 0o644) == 0)
        #expect(error(folder.path + "/f.csv").contains("this is a FIFO (named pipe), not a data file"))
        folder.write("two/a.inter", "user_id:token\titem_id:token\nu\ti\n")
        folder.write("two/b.inter", "user_id:token\titem_id:token\nu\ti\n")
        #expect(error(folder.path + "/two").contains("holds 2 .inter files (a.inter, b.inter)"))
        folder.write("j.jsonl", #"{"user_id": true, "item_id": "i1"}"# + "\n" + #"{"user_id": 1, "item_id": "i2"}"# + "\n")
        #expect(error(folder.path + "/j.jsonl").contains("true is a boolean"))
        folder.write("h.csv", "user_id,it\u{1B}[31mem\nu1,i1\n")
        let escaped = error(folder.path + "/h.csv")
        #expect(escaped.contains("it\\u{1B}[31mem") && !escaped.contains("\u{1B}"), "\(escaped)")
    }
}

import Foundation

/// A fresh temporary folder per test, with helpers to write fixture files into it.
struct TempFolder {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "srthub-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) -> String {
        let file = path + "/" + name
        try! FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
        return file
    }
}

/// The repository root, found from this file's location (tests may run from any directory).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// A small RecBole dataset: 3 users, 4 items, timestamps out of file order for user a.
enum SmallData {
    static let inter = """
        user_id:token\titem_id:token\trating:float\ttimestamp:float
        a\ti1\t5\t30
        a\ti2\t4\t10
        b\ti1\t3\t15
        a\ti3\t2\t20
        b\ti4\t1\t15
        c\ti2\t5\t50
        c\ti3\t5\t60
        c\ti4\t5\t70

        """
    static let item = """
        item_id:token\ttitle:token_seq\tbrand:token\tprice:float
        i1\tRed Lipstick, matte\tAcme\t9.5
        i2\tBlue Nail Polish\t\t3
        i3\tGreen "Eye" Shadow\tAcme\t4
        i4\tShampoo\tBrandX\t1

        """

    static func folder(inter: String = inter, item: String? = item) -> TempFolder {
        let folder = TempFolder()
        folder.write("small/small.inter", inter)
        if let item { folder.write("small/small.item", item) }
        return folder
    }
}

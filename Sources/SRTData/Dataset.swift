/// Interactions grouped into per-user chronological sequences, with each item's text.
///
/// Users and items are dense 0-based indices into `userIDs` / `itemIDs` (the raw ids from the
/// files). Items are those that occur in the interactions.
public struct Dataset: Sendable {
    public var name: String
    public var userIDs: [String]
    public var itemIDs: [String]
    /// Per user, item indices in time order (file order where there is no timestamp).
    public var sequences: [[Int32]]
    /// Per user, the timestamps aligned with `sequences`; nil when the data has none.
    public var timestamps: [[Double]]?
    /// Names of the item text fields, in file order.
    public var textFields: [String]
    /// Per item, one string per text field ("" where absent).
    public var itemText: [[String]]
    /// Items that had no row in the item file and were given empty text (`allowMissingText`).
    public var itemsWithoutText: Int
    /// The catalogs of a union (`Dataset.union`); empty for a single catalog.
    public var catalogs: [CatalogPart] = []

    public var userCount: Int { userIDs.count }
    public var itemCount: Int { itemIDs.count }
    public var interactionCount: Int { sequences.reduce(0) { $0 + $1.count } }
    public var hasTimestamps: Bool { timestamps != nil }

    public init(name: String, userIDs: [String], itemIDs: [String], sequences: [[Int32]],
                timestamps: [[Double]]?, textFields: [String], itemText: [[String]], itemsWithoutText: Int = 0) {
        self.name = name
        self.userIDs = userIDs
        self.itemIDs = itemIDs
        self.sequences = sequences
        self.timestamps = timestamps
        self.textFields = textFields
        self.itemText = itemText
        self.itemsWithoutText = itemsWithoutText
    }
}

/// How to load: filters and tolerance.
public struct LoadOptions: Sendable {
    /// Keep only users and items with at least this many interactions, repeated until stable.
    public var kCore: Int?
    /// Give items without a text row empty text instead of refusing the data.
    public var allowMissingText: Bool
    /// Item file to use instead of the one found next to the interactions.
    public var itemsPath: String?

    /// Keep only this fraction of the users (after the k-core filter), chosen by a hash of their id
    /// with `usersSeed` (`Dataset.samplingUsers`); nil keeps everyone.
    public var usersFraction: Double?
    public var usersSeed: UInt64 = 0

    public init(kCore: Int? = nil, allowMissingText: Bool = false, itemsPath: String? = nil) {
        self.kCore = kCore
        self.allowMissingText = allowMissingText
        self.itemsPath = itemsPath
    }
}

import Foundation
import GRDB
import SRTOCI

/// The registry's SQLite metadata. One connection per process (GRDB's rule 1), WAL so readers
/// never wait for a writer, and a busy timeout so several srthub processes can write in turn.
/// Migrations are named and append-only: never edit one that has shipped; add the next.
public struct RegistryDatabase: Sendable {
    let writer: DatabaseQueue

    public init(path: String) throws(RegistryError) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.journalMode = .wal
        configuration.foreignKeysEnabled = true
        // One process at a time opens and migrates: GRDB reads which migrations have run before it
        // takes the write lock, so two processes opening a new home at once both applied the
        // first one ("table blob already exists"). The lock is held only while opening. Where it
        // cannot be created (a read-only home) nothing can be migrated either; SQLite then says why.
        let opening = try? RegistryLock(path: path + ".lock", mode: .exclusive)
        defer { withExtendedLifetime(opening) {} }
        do {
            writer = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(writer)
        } catch {
            throw Self.mapError(error, path: path, doing: "opening the registry database")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: blobs, manifests, tags, lineage, evaluations") { db in
            try db.execute(sql: """
                CREATE TABLE blob (
                    digest TEXT PRIMARY KEY NOT NULL,
                    size INTEGER NOT NULL,
                    created TEXT NOT NULL
                );
                CREATE TABLE manifest (
                    digest TEXT PRIMARY KEY NOT NULL,
                    mediaType TEXT NOT NULL,
                    artifactType TEXT,
                    bytes BLOB NOT NULL,
                    totalSize INTEGER NOT NULL,
                    parameters INTEGER,
                    created TEXT NOT NULL
                );
                CREATE TABLE manifestBlob (
                    manifestDigest TEXT NOT NULL REFERENCES manifest(digest) ON DELETE CASCADE,
                    blobDigest TEXT NOT NULL REFERENCES blob(digest),
                    PRIMARY KEY (manifestDigest, blobDigest)
                );
                CREATE INDEX manifestBlobByBlob ON manifestBlob(blobDigest);
                CREATE TABLE tag (
                    repository TEXT NOT NULL,
                    name TEXT NOT NULL,
                    manifestDigest TEXT NOT NULL REFERENCES manifest(digest),
                    updated TEXT NOT NULL,
                    PRIMARY KEY (repository, name)
                );
                CREATE INDEX tagByManifest ON tag(manifestDigest);
                CREATE TABLE lineage (
                    child TEXT NOT NULL,
                    parent TEXT NOT NULL,
                    method TEXT,
                    datasetFingerprint TEXT,
                    dataset TEXT,
                    PRIMARY KEY (child, parent)
                );
                CREATE INDEX lineageByParent ON lineage(parent);
                CREATE TABLE evaluation (
                    modelDigest TEXT NOT NULL,
                    datasetFingerprint TEXT NOT NULL,
                    protocol TEXT NOT NULL,
                    mode TEXT NOT NULL,
                    dataset TEXT,
                    metrics TEXT NOT NULL,
                    primaryMetric REAL,
                    created TEXT NOT NULL,
                    PRIMARY KEY (modelDigest, datasetFingerprint, protocol, mode)
                );
                """)
        }
        // Referrer artifacts (evaluations of a model, anything with a `subject`) are kept for the
        // referrers API and kept alive by their subject in gc.
        migrator.registerMigration("v2: manifest subject") { db in
            try db.execute(sql: """
                ALTER TABLE manifest ADD COLUMN subject TEXT;
                CREATE INDEX manifestBySubject ON manifest(subject);
                """)
        }
        // Multi-catalog checkpoints: every catalog a model was trained on, with its fingerprint
        // (older rows have none; `log` then falls back to the lineage edge's one dataset).
        migrator.registerMigration("v3: training catalogs") { db in
            try db.execute(sql: """
                CREATE TABLE trainingCatalog (
                    manifestDigest TEXT NOT NULL REFERENCES manifest(digest) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    name TEXT,
                    fingerprint TEXT NOT NULL,
                    PRIMARY KEY (manifestDigest, position)
                );
                CREATE INDEX trainingCatalogByFingerprint ON trainingCatalog(fingerprint);
                """)
        }
        // `list` shows each model's test figure on its own dataset: the manifest names that dataset
        // (older rows have none; `list` then takes the first such evaluation stored with the model).
        migrator.registerMigration("v4: manifest dataset") { db in
            try db.execute(sql: """
                ALTER TABLE manifest ADD COLUMN dataset TEXT;
                ALTER TABLE manifest ADD COLUMN datasetFingerprint TEXT;
                """)
        }
        // The baselines an evaluation compared the model with, as JSON (older rows have none).
        migrator.registerMigration("v5: evaluation baselines") { db in
            try db.execute(sql: "ALTER TABLE evaluation ADD COLUMN baselines TEXT")
        }
        // What a scaling-law fit needs of each training run (`srthub scaling`): its size, its data,
        // its compute and its result, from config.json (rows added before this have none).
        migrator.registerMigration("v6: runs") { db in
            try db.execute(sql: """
                CREATE TABLE run (
                    manifestDigest TEXT PRIMARY KEY NOT NULL REFERENCES manifest(digest) ON DELETE CASCADE,
                    architecture TEXT,
                    layers INTEGER,
                    hidden INTEGER,
                    nonEmbeddingParameters INTEGER NOT NULL,
                    parameters INTEGER,
                    seenInteractions INTEGER NOT NULL,
                    flops REAL NOT NULL,
                    epochs INTEGER,
                    bestEpoch INTEGER,
                    loss TEXT,
                    validationNDCG10 REAL NOT NULL,
                    usersFraction REAL,
                    usersSeed INTEGER,
                    split TEXT
                );
                """)
        }
        return migrator
    }

    func read<T>(_ body: (Database) throws -> T) throws(RegistryError) -> T {
        do { return try writer.read(body) } catch { throw Self.mapError(error, path: writer.path, doing: "reading the registry") }
    }

    func write<T>(_ body: (Database) throws -> T) throws(RegistryError) -> T {
        do { return try writer.write(body) } catch { throw Self.mapError(error, path: writer.path, doing: "writing the registry") }
    }

    static func mapError(_ error: any Error, path: String, doing: String) -> RegistryError {
        if let e = error as? RegistryError { return e }
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
                return RegistryError(.readOnly, "\(path): cannot write the registry database (\(e.message ?? "read-only")) while \(doing)",
                                     hint: "make $SRTHUB_HOME writable or point SRTHUB_HOME elsewhere; nothing was changed")
            case .SQLITE_FULL:
                return RegistryError(.diskFull, "\(path): the disk is full while \(doing)",
                                     hint: "free some space (srthub gc removes unreferenced blobs); nothing was changed")
            default:
                return RegistryError(.database, "\(path): \(e.message ?? "\(e)") while \(doing)")
            }
        }
        return RegistryError(.database, "\(path): \(error) while \(doing)")
    }
}

/// ISO 8601 timestamps as stored in the database ("2026-11-23T07:05:12Z", what
/// ISO8601DateFormatter writes), formatted with the C library: the formatter's first use loads
/// ICU's time-zone data, which made the end of a pull (after the last blob) ~100 ms instead of
/// ~30 ms under strace.
func timestamp(_ date: Date = Date()) -> String {
    var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
    var parts = tm()
    gmtime_r(&seconds, &parts)
    var text = [CChar](repeating: 0, count: 32)
    let count = strftime(&text, text.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
    return String(decoding: text[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

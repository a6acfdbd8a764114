import CDCGANLMDB
import Foundation

/// An LMDB database whose values are encoded images (LSUN scenes ship this way: keys are
/// image ids, values WebP bytes in the official export; JPEG and PNG values are read too, each
/// recognised by its signature). Every value is decoded, centre-cropped and resized like a
/// folder's files; undecodable values are skipped and counted.
///
/// The environment is opened read-only without a lock file (MDB_NOLOCK), so a database on
/// read-only storage works; `root` may be the environment's folder (holding `data.mdb`) or
/// the data file itself (MDB_NOSUBDIR).
public enum LMDBDataset {
    /// Values are decoded in groups of this many, so that only one group of encoded bytes
    /// is held at a time however large the database is.
    static let group = 512

    /// Decodes every value under `root` to `channels` (1 or 3) x `imageSize` x `imageSize`,
    /// in key order; undecodable values are left out and summarised in `skipped`.
    public static func load(root: String, imageSize: Int, channels: Int) throws -> (dataset: ImageDataset, skipped: SkippedImages?) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else { throw DataError(path: root, "not found") }
        let dataFile = isDirectory.boolValue ? (root as NSString).appendingPathComponent("data.mdb") : root
        var environment: OpaquePointer?
        try check(mdb_env_create(&environment), root)
        defer { mdb_env_close(environment) }
        let flags = UInt32(MDB_RDONLY | MDB_NOLOCK) | (isDirectory.boolValue ? 0 : UInt32(MDB_NOSUBDIR))
        try check(mdb_env_open(environment, root, flags, 0o644), root, "cannot open as an LMDB database")
        try checkComplete(environment, dataFile: dataFile)

        var transaction: OpaquePointer?
        try check(mdb_txn_begin(environment, nil, UInt32(MDB_RDONLY), &transaction), root)
        defer { mdb_txn_abort(transaction) }
        var database: MDB_dbi = 0
        try check(mdb_dbi_open(transaction, nil, 0, &database), root)
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(transaction, database, &cursor), root)
        defer { mdb_cursor_close(cursor) }

        var decoder = SquareImageDecoder(imageSize: imageSize, channels: channels, noun: "record", source: root)
        var pending: [(key: String, value: [UInt8])] = []
        var records = 0
        var operation = MDB_FIRST
        while true {
            var key = MDB_val(), value = MDB_val()
            let status = mdb_cursor_get(cursor, &key, &value, operation)
            operation = MDB_NEXT
            if status == MDB_NOTFOUND { break }
            try check(status, root, "cannot read record \(records)")
            records += 1
            let name = String(decoding: UnsafeRawBufferPointer(start: key.mv_data, count: min(key.mv_size, 64)), as: UTF8.self)
            let bytes = value.mv_size <= ImageFolderDataset.maxFileBytes
                ? [UInt8](UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)) : []
            pending.append(("\(root)[\(name)]", bytes))
            if pending.count == group { try decodeGroup(&pending, into: &decoder) }
        }
        try decodeGroup(&pending, into: &decoder)
        guard records > 0 else { throw DataError(path: root, "holds no records") }
        guard decoder.count > 0 else {
            throw DataError(path: root, "holds no usable image: all \(records) records are unreadable, e.g. \(decoder.firstFailure ?? "")")
        }
        return (ImageDataset(count: decoder.count, channels: channels, height: imageSize, width: imageSize, pixels: decoder.pixels),
                decoder.skipped)
    }

    private static func decodeGroup(_ pending: inout [(key: String, value: [UInt8])], into decoder: inout SquareImageDecoder) throws {
        let items = pending
        _ = try decoder.append(count: items.count) { index in
            guard !items[index].value.isEmpty else { throw DataError(path: items[index].key, "empty or larger than \(ImageFolderDataset.maxFileBytes) bytes") }
            return try decodeImage(items[index].value, path: items[index].key)
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// LMDB maps the data file and trusts its meta page: a file shorter than the pages the
    /// meta page claims would fault (SIGBUS) when a cursor reaches the missing pages, so the
    /// length is checked first.
    private static func checkComplete(_ environment: OpaquePointer?, dataFile: String) throws {
        var info = MDB_envinfo(), statistics = MDB_stat()
        try check(mdb_env_info(environment, &info), dataFile)
        try check(mdb_env_stat(environment, &statistics), dataFile)
        let needed = (info.me_last_pgno + 1) * Int(statistics.ms_psize)
        let size = (try? FileManager.default.attributesOfItem(atPath: dataFile)[.size] as? Int) ?? 0
        guard size >= needed else {
            throw DataError(path: dataFile, "truncated LMDB file: its meta page needs \(needed) bytes, the file holds \(size)")
        }
    }

    private static func check(_ status: Int32, _ path: String, _ context: String = "LMDB error") throws {
        guard status != 0 else { return }
        throw DataError(path: path, "\(context): \(String(cString: mdb_strerror(status)))")
    }
}

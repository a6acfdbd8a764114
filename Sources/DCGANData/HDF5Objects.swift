import CDCGANHDF5
import Foundation

/// The few questions the HDF5 reader asks of objects in a file, as small functions over the
/// C API. Every call must be made inside `HDF5Library.withLibrary`.
enum HDF5Object {
    /// Whether `dataset` holds unsigned bytes (uint8), the only element type read as pixels.
    static func holdsBytes(_ dataset: hid_t) -> Bool {
        let type = H5Dget_type(dataset)
        guard type >= 0 else { return false }
        defer { H5Tclose(type) }
        return H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) == 1 && H5Tget_sign(type) == H5T_SGN_NONE
    }

    /// The dimensions of `dataset` (empty for a scalar), or nil when unreadable.
    static func shape(_ dataset: hid_t) -> [Int]? {
        let space = H5Dget_space(dataset)
        guard space >= 0 else { return nil }
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { return nil }
        var dimensions = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dimensions, nil) == rank else { return nil }
        return dimensions.map { Int(clamping: $0) }
    }

    /// Reads the whole uint8 `dataset` into `buffer`, which must be exactly its size.
    static func readAll(_ dataset: hid_t, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        H5Dread(dataset, chdf5_native_uint8(), 0 /* H5S_ALL */, 0, 0 /* H5P_DEFAULT */, buffer.baseAddress) >= 0
    }

    /// Reads `rows` entries of the first dimension from `first` on (a hyperslab), so that a
    /// large array passes through memory a slab at a time.
    static func readRows(_ dataset: hid_t, shape: [Int], first: Int, rows: Int, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        let fileSpace = H5Dget_space(dataset)
        guard fileSpace >= 0 else { return false }
        defer { H5Sclose(fileSpace) }
        var start = [hsize_t](repeating: 0, count: shape.count)
        start[0] = hsize_t(first)
        var count = shape.map { hsize_t($0) }
        count[0] = hsize_t(rows)
        guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil) >= 0 else { return false }
        let memorySpace = H5Screate_simple(Int32(shape.count), count, nil)
        guard memorySpace >= 0 else { return false }
        defer { H5Sclose(memorySpace) }
        return H5Dread(dataset, chdf5_native_uint8(), memorySpace, fileSpace, 0, buffer.baseAddress) >= 0
    }

    /// The text of the string attribute `name` of `object` (fixed-length as the HDF5 image
    /// tools write, or variable-length as h5py writes), or nil when absent or not one string.
    static func stringAttribute(_ name: String, of object: hid_t) -> String? {
        guard H5Aexists(object, name) > 0 else { return nil }
        let attribute = H5Aopen(object, name, 0)
        guard attribute >= 0 else { return nil }
        defer { H5Aclose(attribute) }
        let space = H5Aget_space(attribute)
        defer { H5Sclose(space) }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        guard space >= 0, type >= 0, H5Sget_simple_extent_npoints(space) == 1, H5Tget_class(type) == H5T_STRING else { return nil }
        if H5Tis_variable_str(type) > 0 {
            let memoryType = H5Tget_native_type(type, H5T_DIR_ASCEND)
            defer { H5Tclose(memoryType) }
            var text: UnsafeMutablePointer<CChar>?
            guard memoryType >= 0, H5Aread(attribute, memoryType, &text) >= 0, let text else { return nil }
            defer { H5free_memory(text) }
            return String(cString: text)
        }
        let size = H5Tget_size(type)
        guard (1...4096).contains(size) else { return nil }
        var bytes = [UInt8](repeating: 0, count: size)
        guard bytes.withUnsafeMutableBytes({ H5Aread(attribute, type, $0.baseAddress) }) >= 0 else { return nil }
        // Fixed-length strings are padded with NULs or spaces, depending on the writer.
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    /// The names of the links in `group` (a group or file id), in name order; nil when the
    /// group cannot be listed (a damaged file).
    static func memberNames(_ group: hid_t) -> [String]? {
        var names: [String] = []
        var position: hsize_t = 0
        let status = withUnsafeMutablePointer(to: &names) { context in
            H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &position, { _, name, _, context in
                guard let name, let context else { return -1 }
                context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }, context)
        }
        return status >= 0 ? names : nil
    }
}

/// HDF5's set-up: initialise the library once (which defines the native type ids), and on
/// every entry stop it printing error stacks to stderr — failures become DataErrors.
enum HDF5Library {
    /// HDF5 builds need not be thread-safe (Debian's is, others are not): one call at a time.
    static let lock = NSLock()
    static let ready: Bool = H5open() >= 0

    /// Runs `body` holding the lock. A thread-safe build keeps one error stack per thread, so
    /// printing is switched off for the calling thread, and its stack is emptied afterwards:
    /// entries left on a worker thread's stack keep the library from shutting down at exit
    /// ("HDF5: infinite loop closing library").
    static func withLibrary<R>(_ body: () throws -> R) throws -> R {
        guard ready else { throw DataError(path: "(HDF5)", "cannot initialise the HDF5 library") }
        lock.lock()
        defer { lock.unlock() }
        _ = H5Eset_auto2(0 /* H5E_DEFAULT */, nil, nil)
        defer { _ = H5Eclear2(0) }
        return try body()
    }
}

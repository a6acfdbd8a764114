import CDCGANHDF5
import Foundation

/// Images stored as one uint8 array in an HDF5 file (how the book packs CelebA): shape
/// N x H x W x C (C from 1 to 4) or N x H x W, read whole, then centre-cropped and resized
/// like a folder's files. `key` is the dataset's path inside the file ("images", "data/x").
public enum HDF5Dataset {
    /// Arrays larger than this are refused before reading (they would not fit in memory).
    public static let maxBytes = 1 << 34

    /// Reads `key` from the file at `path` as `channels` x `imageSize` x `imageSize` images.
    public static func load(path: String, key: String, imageSize: Int, channels: Int) throws -> ImageDataset {
        try Library.prepare()
        // The serial HDF5 build is not thread-safe: one call into it at a time.
        Library.lock.lock()
        defer { Library.lock.unlock() }
        guard FileManager.default.fileExists(atPath: path) else { throw DataError(path: path, "not found") }
        guard H5Fis_hdf5(path) > 0 else { throw DataError(path: path, "not an HDF5 file") }
        let file = H5Fopen(path, 0 /* H5F_ACC_RDONLY */, 0 /* H5P_DEFAULT */)
        guard file >= 0 else { throw DataError(path: path, "cannot open the HDF5 file") }
        defer { H5Fclose(file) }
        try requireLink(key, in: file, path: path)
        let dataset = H5Dopen2(file, key, 0)
        guard dataset >= 0 else { throw DataError(path: path, "'\(key)' is not a dataset") }
        defer { H5Dclose(dataset) }

        let type = H5Dget_type(dataset)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_INTEGER, H5Tget_size(type) == 1, H5Tget_sign(type) == H5T_SGN_NONE else {
            throw DataError(path: path, "'\(key)' does not hold unsigned bytes (uint8)")
        }
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank == 3 || rank == 4 else {
            throw DataError(path: path, "'\(key)' has \(rank) dimensions; images are N x H x W x C or N x H x W")
        }
        var dimensions = [hsize_t](repeating: 0, count: rank)
        guard H5Sget_simple_extent_dims(space, &dimensions, nil) == Int32(rank) else { throw DataError(path: path, "cannot read the shape of '\(key)'") }
        let shape = dimensions.map { Int(clamping: $0) }
        let (count, height, width, depth) = (shape[0], shape[1], shape[2], rank == 4 ? shape[3] : 1)
        let total = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard count >= 1, (1...PNGCodec.maxSide).contains(height), (1...PNGCodec.maxSide).contains(width), (1...4).contains(depth),
              total <= maxBytes else {
            throw DataError(path: path, "'\(key)' has shape \(shape), not N x H x W (x C) images of up to \(PNGCodec.maxSide) pixels, 1 to 4 channels and \(maxBytes) bytes")
        }
        var values = [UInt8](repeating: 0, count: total)
        let status = values.withUnsafeMutableBytes { H5Dread(dataset, chdf5_native_uint8(), 0, 0, 0, $0.baseAddress) }
        guard status >= 0 else { throw DataError(path: path, "cannot read '\(key)': the file is damaged") }

        var decoder = SquareImageDecoder(imageSize: imageSize, channels: channels)
        let imageBytes = height * width * depth
        _ = decoder.append(count: count) { index in
            RasterImage(width: width, height: height, channels: depth, pixels: Array(values[(index * imageBytes) ..< ((index + 1) * imageBytes)]))
        }
        return ImageDataset(count: count, channels: channels, height: imageSize, width: imageSize, pixels: decoder.pixels)
    }

    /// Checks each level of `key` in turn (H5Lexists fails on a missing parent), naming the
    /// file's top-level entries when it is missing.
    private static func requireLink(_ key: String, in file: hid_t, path: String) throws {
        let parts = key.split(separator: "/")
        for depth in 1...max(parts.count, 1) {
            let prefix = parts.prefix(depth).joined(separator: "/")
            guard !parts.isEmpty, H5Lexists(file, prefix, 0) > 0 else {
                let known = topLevelNames(file)
                throw DataError(path: path, "no dataset '\(key)' (--hdf5-key); the file holds: \(known.isEmpty ? "nothing" : known.joined(separator: ", "))")
            }
        }
    }

    private static func topLevelNames(_ file: hid_t) -> [String] {
        var names: [String] = []
        var position: hsize_t = 0
        _ = withUnsafeMutablePointer(to: &names) { context in
            H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &position, { _, name, _, context in
                guard let name, let context else { return 0 }
                context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }, context)
        }
        return names
    }

    /// HDF5's global set-up, done once: initialise the library (which defines the native
    /// type ids) and stop it printing error stacks to stderr — failures become DataErrors.
    private enum Library {
        static let lock = NSLock()
        static let ready: Bool = H5open() >= 0 && H5Eset_auto2(0 /* H5E_DEFAULT */, nil, nil) >= 0

        static func prepare() throws {
            guard ready else { throw DataError(path: "(HDF5)", "cannot initialise the HDF5 library") }
        }
    }
}

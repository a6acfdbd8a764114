import CDCGANHDF5
import Foundation

/// Images in an HDF5 file, under `key` (a path inside the file: "images", "data/x",
/// "img_align_celeba"), centre-cropped and resized like a folder's files. The key names
///
/// - a uint8 **array**: N x H x W x C (C from 1 to 4) or N x H x W, a stack of images; or
///   H x W x C, one colour image (see `isSingleImage(shape:markedAsImage:)` for how a rank-3
///   array is told apart from a stack of gray images);
/// - a **group** (how the "Make Your Own GAN" book packs CelebA: `img_align_celeba` holds one
///   dataset per image, `000001.jpg`, `000002.jpg`, ..., each the decoded 218 x 178 x 3
///   pixels): every member, in name order, is one image — a uint8 array H x W x C (C from 1
///   to 4) or H x W, or a 1-D uint8 array of encoded JPEG, PNG or WebP bytes. Members of
///   other shapes or types are skipped and counted.
///
/// Either way the file passes through memory a slab or a few members at a time. HDF5 files
/// carry no labels, so the images have none.
public enum HDF5Dataset {
    /// Refused before reading: keys whose prepared images would take more than this many bytes.
    public static let maxBytes = 1 << 34
    /// Arrays are read in slabs of about this many bytes, and group members in runs of at most
    /// this many bytes (or `groupRun` members), then prepared in parallel.
    static let defaultSlabBytes = 64 << 20
    static let groupRun = 256

    /// Reads `key` from the file at `path` as `channels` x `imageSize` x `imageSize` images;
    /// for a group, the members that are not images are summarised in `skipped`.
    public static func load(path: String, key: String, imageSize: Int, channels: Int) throws
        -> (dataset: ImageDataset, skipped: SkippedImages?) {
        try load(path: path, key: key, imageSize: imageSize, channels: channels, slabBytes: defaultSlabBytes)
    }

    /// `load` with the slab size as a parameter, so that tests can make small files take
    /// several slabs.
    static func load(path: String, key: String, imageSize: Int, channels: Int, slabBytes: Int) throws
        -> (dataset: ImageDataset, skipped: SkippedImages?) {
        try HDF5Library.withLibrary { try read(path: path, key: key, imageSize: imageSize, channels: channels, slabBytes: slabBytes) }
    }

    private static func read(path: String, key: String, imageSize: Int, channels: Int, slabBytes: Int) throws
        -> (dataset: ImageDataset, skipped: SkippedImages?) {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError(path: path, "not found") }
        guard H5Fis_hdf5(path) > 0 else { throw DataError(path: path, "not an HDF5 file") }
        let file = H5Fopen(path, 0 /* H5F_ACC_RDONLY */, 0 /* H5P_DEFAULT */)
        guard file >= 0 else { throw DataError(path: path, "cannot open the HDF5 file") }
        defer { H5Fclose(file) }
        try requireLink(key, in: file, path: path)
        let object = H5Oopen(file, key, 0)
        guard object >= 0 else { throw DataError(path: path, "cannot open '\(key)': the file is damaged") }
        defer { H5Oclose(object) }
        var decoder = SquareImageDecoder(imageSize: imageSize, channels: channels, noun: "group member", source: path)
        switch H5Iget_type(object) {
        case H5I_DATASET: try readArray(object, key: key, path: path, slabBytes: slabBytes, into: &decoder)
        case H5I_GROUP: try readGroup(object, key: key, path: path, runBytes: slabBytes, into: &decoder)
        default: throw DataError(path: path, "'\(key)' is neither a dataset nor a group")
        }
        return (ImageDataset(count: decoder.count, channels: channels, height: imageSize, width: imageSize, pixels: decoder.pixels),
                decoder.skipped)
    }

    /// Whether a uint8 array of `shape` is one H x W x C image rather than a stack of images.
    ///
    /// Rank 3 is ambiguous: N x H x W gray images or one H x W x C image. The array is one
    /// image when it carries the HDF5 Image specification's attribute `CLASS = "IMAGE"`
    /// (`markedAsImage`; PyTables, HDFView and `H5IMmake_image_24bit` write it), or else when
    /// its last dimension is 3 or 4 (RGB, RGBA) and its first two are both larger than 4 —
    /// no one trains on images 3 or 4 pixels wide. Every other rank-3 array is N x H x W.
    public static func isSingleImage(shape: [Int], markedAsImage: Bool) -> Bool {
        guard shape.count == 3 else { return false }
        return markedAsImage || ((3...4).contains(shape[2]) && shape[0] > 4 && shape[1] > 4)
    }

    /// Reads a stack (or a single image) stored as one uint8 array.
    private static func readArray(_ dataset: hid_t, key: String, path: String, slabBytes: Int,
                                  into decoder: inout SquareImageDecoder) throws {
        guard HDF5Object.holdsBytes(dataset) else { throw DataError(path: path, "'\(key)' does not hold unsigned bytes (uint8)") }
        guard let shape = HDF5Object.shape(dataset) else { throw DataError(path: path, "cannot read the shape of '\(key)'") }
        let marked = HDF5Object.stringAttribute("CLASS", of: dataset) == "IMAGE"
        if marked, HDF5Object.stringAttribute("INTERLACE_MODE", of: dataset) == "INTERLACE_PLANE" {
            throw DataError(path: path, "'\(key)' is an INTERLACE_PLANE image (C x H x W); only pixel-interlaced H x W x C images are read")
        }
        let single = isSingleImage(shape: shape, markedAsImage: marked)
        guard shape.count == 4 || shape.count == 3 else {
            throw DataError(path: path, "'\(key)' has \(shape.count) dimensions; images are N x H x W x C, N x H x W or one H x W x C")
        }
        // One image is a stack of one: the same reading code serves both.
        let stack = single ? [1] + shape : shape
        let (count, height, width, depth) = (stack[0], stack[1], stack[2], stack.count == 4 ? stack[3] : 1)
        let prepared = count.multipliedReportingOverflow(by: decoder.imageBytes)
        guard count >= 1, (1...PNGCodec.maxSide).contains(height), (1...PNGCodec.maxSide).contains(width), (1...4).contains(depth),
              !prepared.overflow, prepared.partialValue <= maxBytes else {
            let reading = single ? "one H x W x C image" : "N x H x W (x C) images"
            throw DataError(path: path, "'\(key)' has shape \(shape), read as \(reading), not images of up to \(PNGCodec.maxSide) pixels a side, 1 to 4 channels and \(maxBytes) prepared bytes")
        }
        let imageBytes = height * width * depth
        let perSlab = max(1, min(count, slabBytes / imageBytes))
        var slab = [UInt8](repeating: 0, count: perSlab * imageBytes)
        for first in stride(from: 0, to: count, by: perSlab) {
            let rows = min(perSlab, count - first)
            let read = slab.withUnsafeMutableBytes { buffer in
                single ? HDF5Object.readAll(dataset, into: buffer)
                    : HDF5Object.readRows(dataset, shape: shape, first: first, rows: rows, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<(rows * imageBytes)]))
            }
            guard read else { throw DataError(path: path, "cannot read '\(key)': the file is damaged") }
            let images = slab
            _ = try decoder.append(count: rows) { index in
                RasterImage(width: width, height: height, channels: depth, pixels: Array(images[(index * imageBytes) ..< ((index + 1) * imageBytes)]))
            }
        }
    }

    /// Checks each level of `key` in turn (H5Lexists fails on a missing parent), naming the
    /// file's top-level entries when it is missing.
    private static func requireLink(_ key: String, in file: hid_t, path: String) throws {
        let parts = key.split(separator: "/")
        for depth in 1...max(parts.count, 1) {
            let prefix = parts.prefix(depth).joined(separator: "/")
            guard !parts.isEmpty, H5Lexists(file, prefix, 0) > 0 else {
                let known = HDF5Object.memberNames(file) ?? []
                throw DataError(path: path, "no dataset or group '\(key)' (--hdf5-key); the file holds: \(known.isEmpty ? "nothing" : known.joined(separator: ", "))")
            }
        }
    }
}

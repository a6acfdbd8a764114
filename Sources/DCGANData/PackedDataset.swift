import CDCGANZlib
import Foundation

/// A dataset decoded, cropped and resized once and stored as one file of bytes that training
/// maps into memory (`dcgan dataset pack`, then `dcgan train --dataset packed`).
///
/// Layout, integers little-endian:
///
///     0   8  magic "DCGANPAK"
///     8   4  format version (1)
///     12  4  length H of the JSON header
///     16  4  CRC-32 of the JSON header
///     20  H  JSON header (`PackedDataset.Header`)
///     zero padding to a multiple of 64 bytes
///     count x channels x size x size pixel bytes, NCHW
///     count label bytes, when the header says the images have labels
///
/// Opening checks the magic, version and header checksum, that the file is exactly as long
/// as the header says, that every label names a class, and (unless told not to) the CRC-32
/// of the pixels and labels — so a damaged or truncated file is an error, not bad training data.
public enum PackedDataset {
    static let magic = Array("DCGANPAK".utf8)
    static let version: UInt32 = 1
    static let prefixLength = 20
    static let maxHeaderLength = 1 << 20

    /// What the JSON header records.
    public struct Header: Codable, Equatable, Sendable {
        /// Number of images.
        public var count: Int
        /// Channels per image.
        public var channels: Int
        /// Side of the square images.
        public var size: Int
        /// Whether a label byte per image follows the pixels.
        public var hasLabels: Bool
        /// Names of the classes, where the source had them.
        public var classNames: [String]?
        /// CRC-32 of the pixel section.
        public var pixelsCRC32: UInt32
        /// CRC-32 of the label section, when there is one.
        public var labelsCRC32: UInt32?
        /// Where the images came from (dataset name and folder), for `dataset info`.
        public var source: String
    }

    /// Writes `dataset` (square images, at most 256 classes) to `path`, atomically.
    public static func write(_ dataset: ImageDataset, source: String, to path: String, overwrite: Bool) throws {
        guard dataset.height == dataset.width else {
            throw DataError(path: path, "packed images must be square, not \(dataset.height)x\(dataset.width)")
        }
        guard dataset.count >= 1 else { throw DataError(path: path, "no images to pack") }
        let labelBytes = try dataset.labels.map { labels in
            try labels.map { label in
                guard let byte = UInt8(exactly: label) else { throw DataError(path: path, "label \(label) does not fit a byte") }
                return byte
            }
        }
        var pixelsCRC = crc32(0, nil, 0)
        for index in 0..<dataset.count {
            dataset.withImage(index) { pixelsCRC = CRC32.checksum(UnsafeRawBufferPointer(start: $0, count: dataset.imageSize), continuing: pixelsCRC) }
        }
        let header = Header(count: dataset.count, channels: dataset.channels, size: dataset.height, hasLabels: labelBytes != nil,
                            classNames: dataset.classNames, pixelsCRC32: UInt32(pixelsCRC),
                            labelsCRC32: labelBytes.map { bytes in bytes.withUnsafeBytes { UInt32(CRC32.checksum($0)) } }, source: source)
        let json = try JSONEncoder().encode(header)
        var prefix = magic + littleEndian(version) + littleEndian(UInt32(json.count))
        prefix += json.withUnsafeBytes { littleEndian(UInt32(CRC32.checksum($0))) } + Array(json)
        prefix += [UInt8](repeating: 0, count: pixelOffset(headerLength: json.count) - prefix.count)
        try AtomicFile.write(to: path, overwrite: overwrite) { sink in
            try prefix.withUnsafeBytes(sink)
            for index in 0..<dataset.count {
                try dataset.withImage(index) { try sink(UnsafeRawBufferPointer(start: $0, count: dataset.imageSize)) }
            }
            if let labelBytes { try labelBytes.withUnsafeBytes(sink) }
        }
    }

    /// Maps the packed file at `path` and returns its images, which stay in the mapping.
    /// `verify` also checks the pixel and label checksums (reading the whole file once).
    public static func open(path: String, verify: Bool = true) throws -> ImageDataset {
        let file = try MappedFile(path: path)
        let (header, headerLength) = try readHeader(file.bytes, path: path)
        let offset = pixelOffset(headerLength: headerLength)
        let pixelBytes = header.count * header.channels * header.size * header.size
        let labelsStart = offset + pixelBytes
        let bytes = file.bytes
        var labels: [Int]?
        if header.hasLabels {
            let section = UnsafeRawBufferPointer(rebasing: bytes[labelsStart...])
            if verify, UInt32(CRC32.checksum(section)) != header.labelsCRC32 {
                throw DataError(path: path, "label checksum mismatch: the file is damaged")
            }
            let classCount = header.classNames?.count ?? 256
            if let bad = section.firstIndex(where: { Int($0) >= classCount }) {
                throw DataError(path: path, "label \(section[bad]) of image \(bad) is outside 0...\(classCount - 1)")
            }
            labels = section.map(Int.init)
        }
        if verify, UInt32(CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[offset ..< labelsStart]))) != header.pixelsCRC32 {
            throw DataError(path: path, "pixel checksum mismatch: the file is damaged")
        }
        return ImageDataset(count: header.count, channels: header.channels, height: header.size, width: header.size,
                            storage: PixelStorage(file: file, offset: offset, count: pixelBytes), selection: nil,
                            labels: labels, classNames: header.classNames)
    }

    /// The header of a packed file, validated against the file's length.
    public static func header(path: String) throws -> Header {
        let file = try MappedFile(path: path)
        // `bytes` points into the mapping, which must outlive the parse.
        return try withExtendedLifetime(file) { try readHeader(file.bytes, path: path).header }
    }

    /// Parses and validates the header (every size it declares must match the bytes
    /// present); also returns the JSON header's length.
    private static func readHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws -> (header: Header, length: Int) {
        let headerLength = try parsePrefix(bytes, path: path)
        let json = UnsafeRawBufferPointer(rebasing: bytes[prefixLength ..< (prefixLength + headerLength)])
        guard UInt32(CRC32.checksum(json)) == readUInt32(bytes, at: 16) else {
            throw DataError(path: path, "header checksum mismatch: the file is damaged")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Foundation.Data(json))
        } catch {
            throw DataError(path: path, "unreadable packed header")
        }
        guard header.count >= 1, (1...4).contains(header.channels), (1...PNGCodec.maxSide).contains(header.size) else {
            throw DataError(path: path, "header declares \(header.count) images of \(header.channels)x\(header.size)x\(header.size), not a valid shape")
        }
        let (pixels, overflow) = header.count.multipliedReportingOverflow(by: header.channels * header.size * header.size)
        let expected = pixelOffset(headerLength: headerLength) + pixels + (header.hasLabels ? header.count : 0)
        guard !overflow, expected == bytes.count else {
            throw DataError(path: path, "file holds \(bytes.count) bytes but its header describes \(overflow ? "more than can exist" : "\(expected)") (truncated or damaged)")
        }
        guard !header.hasLabels || header.labelsCRC32 != nil else { throw DataError(path: path, "header lacks the label checksum") }
        return (header, headerLength)
    }

    /// Checks magic and version; returns the JSON header's length.
    private static func parsePrefix(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Int {
        guard bytes.count >= prefixLength, Array(bytes[0..<8]) == magic else {
            throw DataError(path: path, "not a packed dataset (made by dcgan dataset pack)")
        }
        let version = readUInt32(bytes, at: 8)
        guard version == Self.version else {
            throw DataError(path: path, "packed format version \(version) is not supported (this tool reads version \(Self.version))")
        }
        let headerLength = Int(readUInt32(bytes, at: 12))
        guard headerLength <= maxHeaderLength, prefixLength + headerLength <= bytes.count else {
            throw DataError(path: path, "header of \(headerLength) bytes does not fit the \(bytes.count)-byte file (truncated or damaged)")
        }
        return headerLength
    }

    /// Pixels start 64-byte aligned, past the prefix and header.
    private static func pixelOffset(headerLength: Int) -> Int { (prefixLength + headerLength + 63) / 64 * 64 }

    private static func readUInt32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}

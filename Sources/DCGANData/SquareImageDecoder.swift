import DCGANTensor

/// Decodes encoded images in parallel into centre-cropped, resized squares (see
/// `RasterImage.writeSquare`), appending them NCHW and keeping count of the failures, which
/// the loaders report once rather than per file.
struct SquareImageDecoder {
    let imageSize: Int
    let channels: Int
    /// What an item is called in the summary ("file", "record").
    let noun: String
    /// Where the images come from (the dataset's root), for a refusal to allocate them.
    let source: String
    /// The decoded images so far, channels x imageSize x imageSize bytes each.
    private(set) var pixels: [UInt8] = []
    private(set) var failureCount = 0
    /// The first failure, "source: reason".
    private(set) var firstFailure: String?

    var imageBytes: Int { channels * imageSize * imageSize }
    var count: Int { pixels.count / imageBytes }

    init(imageSize: Int, channels: Int, noun: String = "file", source: String) {
        (self.imageSize, self.channels, self.noun, self.source) = (imageSize, channels, noun, source)
    }

    /// Decodes items `0..<count` with `decode` on `Parallelism.threadCount` threads and
    /// appends the ones that succeed, in order; returns their indices. Slots for them that do
    /// not fit in the memory available are refused before they are allocated.
    mutating func append(count items: Int, _ decode: (Int) throws -> RasterImage) throws -> [Int] {
        let (size, channels, imageBytes) = (imageSize, self.channels, self.imageBytes)
        if let refusal = SystemMemory.shortfall(Double(items) * Double(imageBytes), for: "\(items) images of \(size)x\(size)x\(channels)") {
            throw DataError(path: source, refusal)
        }
        let start = pixels.count
        pixels += [UInt8](repeating: 0, count: items * imageBytes)
        var failures = [String?](repeating: nil, count: items)
        pixels.withUnsafeMutableBufferPointer { target in
            failures.withUnsafeMutableBufferPointer { failed in
                let output = UncheckedSendable((target.baseAddress! + start, failed.baseAddress!))
                // Each thread writes only its own items' slots, so no locking is needed.
                Parallelism.forEachChunk(items, costPerItem: 1 << 20) { range in
                    for index in range {
                        do {
                            try decode(index).writeSquare(size: size, channels: channels, into: output.value.0 + index * imageBytes)
                        } catch {
                            output.value.1[index] = "\(error)"
                        }
                    }
                }
            }
        }
        let usable = failures.indices.filter { failures[$0] == nil }
        failureCount += items - usable.count
        if firstFailure == nil { firstFailure = failures.lazy.compactMap { $0 }.first }
        // Move the decoded images down over the failed ones' slots, keeping their order.
        pixels.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress! + start
            for (slot, index) in usable.enumerated() where slot != index {
                (base + slot * imageBytes).update(from: base + index * imageBytes, count: imageBytes)
            }
        }
        pixels.removeLast((items - usable.count) * imageBytes)
        return usable
    }

    /// The one-line summary of the failures, if any.
    var skipped: SkippedImages? { firstFailure.map { SkippedImages(count: failureCount, noun: noun, example: $0) } }
}

/// Images that could not be used, summarised for one line of output.
public struct SkippedImages: Sendable, CustomStringConvertible {
    /// Number of items skipped.
    public let count: Int
    /// What the skipped items are ("file", "record").
    public let noun: String
    /// The first failure, "source: reason".
    public let example: String
    /// One line: how many were skipped and an example.
    public var description: String { "skipped \(count) unreadable \(noun)\(count == 1 ? "" : "s"), e.g. \(example)" }
}

import CDCGANZlib

/// zlib's CRC-32, the checksum of packed files and dataset fingerprints.
enum CRC32 {
    /// The CRC-32 of `bytes` continuing from `start` (the checksum of what came before), fed
    /// to zlib in pieces because its length argument is 32-bit.
    static func checksum(_ bytes: UnsafeRawBufferPointer, continuing start: UInt = crc32(0, nil, 0)) -> UInt {
        var crc = start
        var offset = 0
        while offset < bytes.count {
            let length = min(bytes.count - offset, 1 << 30)
            crc = crc32(crc, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset, UInt32(length))
            offset += length
        }
        return crc
    }
}

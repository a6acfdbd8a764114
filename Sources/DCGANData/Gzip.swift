import CDCGANZlib

/// Reads a file that may be gzip-compressed (recognised by its magic bytes 1f 8b) or plain.
///
/// `maxBytes` bounds the result: a plain file larger than that, or a compressed stream that
/// inflates beyond it, is refused, so a hostile or mislabelled file cannot exhaust memory.
/// A truncated or corrupt stream is an error, never a short result.
public func readMaybeGzip(path: String, maxBytes: Int = 1 << 30) throws -> [UInt8] {
    // Deflate can make incompressible data slightly larger (5 bytes per 64 KiB block plus
    // headers), so the compressed file may exceed the bound a little and still be fine.
    let raw = try readFileBytes(path: path, maxBytes: maxBytes, slack: maxBytes / 64 + 4096)
    guard raw.count >= 2, raw[0] == 0x1F, raw[1] == 0x8B else {
        guard raw.count <= maxBytes else {
            throw DataError(path: path, "file holds \(raw.count) bytes, more than the limit of \(maxBytes)")
        }
        return raw
    }
    return try Gzip.decompress(raw, path: path, maxBytes: maxBytes)
}

/// gzip decompression with zlib's `inflate`, checked to the end of the stream.
public enum Gzip {
    /// Inflates a gzip (or zlib) stream, including several gzip members one after another.
    ///
    /// `path` only names the source in error messages. `inflate` is used rather than
    /// `gzread` because `gzread` returns a short read for a truncated file without an error;
    /// here the stream must reach `Z_STREAM_END` (which also verifies the CRC and length).
    public static func decompress(_ input: [UInt8], path: String, maxBytes: Int) throws -> [UInt8] {
        guard input.count <= Int(UInt32.max) else {
            throw DataError(path: path, "compressed file larger than 4 GiB is not supported")
        }
        var stream = z_stream()
        // inflateInit2 is a C macro; this is what it expands to. 15 + 32: largest window,
        // with the gzip or zlib header detected automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(path: path, "cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }

        var output: [UInt8] = []
        output.reserveCapacity(min(declaredSize(input), maxBytes))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        try input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { target -> Int32 in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= maxBytes else {
                    throw DataError(path: path, "gzip stream inflates to more than the limit of \(maxBytes) bytes")
                }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    if stream.avail_in == 0 { return }
                    // Another gzip member follows (as `cat a.gz b.gz` makes): keep going.
                    inflateReset(&stream)
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    // All input consumed without reaching the end of the stream.
                    throw DataError(path: path, "truncated gzip stream")
                case Z_DATA_ERROR, Z_NEED_DICT:
                    let reason = stream.msg.map { String(cString: $0) } ?? "invalid data"
                    throw DataError(path: path, "corrupt gzip stream (\(reason))")
                case Z_MEM_ERROR:
                    throw DataError(path: path, "out of memory while inflating")
                default:
                    throw DataError(path: path, "zlib inflate failed with status \(status)")
                }
            }
        }
        return output
    }

    /// The uncompressed size a gzip trailer records (modulo 2^32): only a capacity hint,
    /// never trusted for correctness.
    private static func declaredSize(_ input: [UInt8]) -> Int {
        guard input.count >= 18 else { return 0 }
        let tail = input.suffix(4).map(Int.init)
        return tail[0] | tail[1] << 8 | tail[2] << 16 | tail[3] << 24
    }
}

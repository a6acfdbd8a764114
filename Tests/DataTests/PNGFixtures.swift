import CDCGANZlib
import Testing

/// A PNG assembled chunk by chunk: signature, IHDR, extra chunks, one IDAT of `rows`
/// (already filtered), IEND; every CRC computed with zlib.
func pngFile(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8,
             extraChunks: [(String, [UInt8])] = [], rows: [UInt8]) -> [UInt8] {
    var header = bigEndian(width) + bigEndian(height)
    header += [bitDepth, colorType, 0, 0, 0]
    var compressed = [UInt8](repeating: 0, count: Int(compressBound(UInt(rows.count))))
    var length = UInt(compressed.count)
    #expect(compress2(&compressed, &length, rows, UInt(rows.count), 9) == Z_OK)
    var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
    for (type, data) in extraChunks { file += chunk(type, data) }
    return file + chunk("IDAT", Array(compressed.prefix(Int(length)))) + chunk("IEND", [])
}

private func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
    return bigEndian(data.count) + body + bigEndian(Int(crc))
}

private func bigEndian(_ value: Int) -> [UInt8] {
    [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

import DCGANData
import Testing

/// A GIF decoder written from the specification, independent of the encoder, for round trips.
private func decodeGIF(_ bytes: [UInt8]) -> (width: Int, height: Int, frames: [[UInt8]], palette: [UInt8])? {
    guard bytes.count > 13, Array(bytes[0..<6]) == Array("GIF89a".utf8) else { return nil }
    let width = Int(bytes[6]) | Int(bytes[7]) << 8, height = Int(bytes[8]) | Int(bytes[9]) << 8
    let tableSize = 3 << ((Int(bytes[10]) & 7) + 1)
    let palette = Array(bytes[13..<(13 + tableSize)])
    var position = 13 + tableSize
    var frames: [[UInt8]] = []
    func subBlocks() -> [UInt8] {
        var data: [UInt8] = []
        while bytes[position] != 0 {
            let n = Int(bytes[position])
            data += bytes[(position + 1)...(position + n)]
            position += n + 1
        }
        position += 1
        return data
    }
    while position < bytes.count {
        switch bytes[position] {
        case 0x21: position += 2; _ = subBlocks()
        case 0x2C:
            let minimum = Int(bytes[position + 10])
            position += 11
            frames.append(lzwDecode(subBlocks(), minimumCodeSize: minimum))
        case 0x3B: return (width, height, frames, palette)
        default: return nil
        }
    }
    return nil
}

private func lzwDecode(_ data: [UInt8], minimumCodeSize: Int) -> [UInt8] {
    let clear = 1 << minimumCodeSize, end = clear + 1
    var table: [[UInt8]] = [], width = minimumCodeSize + 1, output: [UInt8] = []
    var previous: [UInt8]? = nil
    var bitPosition = 0
    func reset() { table = (0..<clear).map { [UInt8($0)] } + [[], []]; width = minimumCodeSize + 1; previous = nil }
    reset()
    while bitPosition + width <= data.count * 8 {
        var code = 0
        for i in 0..<width where data[(bitPosition + i) / 8] & (1 << ((bitPosition + i) % 8)) != 0 { code |= 1 << i }
        bitPosition += width
        if code == clear { reset(); continue }
        if code == end { break }
        let entry: [UInt8]
        if code < table.count { entry = table[code] } else if let previous { entry = previous + [previous[0]] } else { return output }
        output += entry
        if let previous, table.count < 4096 { table.append(previous + [entry[0]]) }
        previous = entry
        if table.count == 1 << width && width < 12 { width += 1 }
    }
    return output
}

@Suite struct GIFEncoderTests {
    @Test func grayFramesRoundTripExactly() throws {
        // Frame 1: noise (the dictionary fills and restarts); frame 2: flat; frame 3: gradient.
        var state: UInt64 = 12345
        let noise = (0..<(120 * 90)).map { _ -> UInt8 in state = state &* 6364136223846793005 &+ 1442695040888963407; return UInt8(state >> 56) }
        let flat = [UInt8](repeating: 77, count: 120 * 90)
        let gradient = (0..<(120 * 90)).map { UInt8(($0 % 120) * 2) }
        let frames = [noise, flat, gradient].map { RasterImage(width: 120, height: 90, channels: 1, pixels: $0) }
        let decoded = try #require(decodeGIF(try GIFEncoder.encode(frames: frames, delay: 10)))
        #expect(decoded.width == 120 && decoded.height == 90)
        #expect(decoded.frames == [noise, flat, gradient])
        #expect(Array(decoded.palette[(77 * 3)..<(78 * 3)]) == [77, 77, 77])
    }

    @Test func colourFramesMapToTheNearestPaletteEntry() throws {
        let pixels: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128, 250, 250, 250, 10, 200, 90]
        let frame = RasterImage(width: 3, height: 2, channels: 3, pixels: pixels)
        let decoded = try #require(decodeGIF(try GIFEncoder.encode(frames: [frame])))
        let indices = decoded.frames[0]
        for (i, index) in indices.enumerated() {
            let colour = decoded.palette[(Int(index) * 3)..<(Int(index) * 3 + 3)].map(Int.init)
            let original = pixels[(i * 3)..<(i * 3 + 3)].map(Int.init)
            // Cube steps are 51 apart: no channel may be off by more than half a step.
            #expect(zip(colour, original).allSatisfy { abs($0 - $1) <= 26 }, "pixel \(i): \(original) -> \(colour)")
        }
    }

    @Test func framesOfDifferentSizesAreRefused() {
        let a = RasterImage(width: 2, height: 2, channels: 1, pixels: [0, 0, 0, 0])
        let b = RasterImage(width: 1, height: 2, channels: 1, pixels: [0, 0])
        #expect(throws: DataError.self) { _ = try GIFEncoder.encode(frames: [a, b]) }
        #expect(throws: DataError.self) { _ = try GIFEncoder.encode(frames: []) }
    }
}

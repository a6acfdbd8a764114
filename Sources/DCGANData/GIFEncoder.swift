/// Animated GIF (GIF89a) writing, for the progress animation of a run's sample grids.
///
/// Gray frames use a 256-level gray palette and lose nothing; colour frames are mapped to a
/// fixed palette of a 6x6x6 colour cube plus 40 grays (nearest entry), which is plenty for
/// watching samples improve. Frames are LZW-compressed with the variable-width codes of the
/// GIF specification, the dictionary restarting when it reaches 4096 entries.
public enum GIFEncoder {
    /// An animation of `frames` (all the same size and channel count, 1 or 3 channels; RGBA
    /// frames have their alpha ignored) shown `delay` hundredths of a second each, looping.
    public static func encode(frames: [RasterImage], delay: Int = 20) throws -> [UInt8] {
        guard let first = frames.first else { throw DataError(path: "", "an animation needs at least one frame") }
        guard frames.allSatisfy({ $0.width == first.width && $0.height == first.height && $0.channels == first.channels }),
              first.width <= 65_535, first.height <= 65_535 else {
            throw DataError(path: "", "animation frames must share one size (at most 65535 pixels a side)")
        }
        let gray = first.channels <= 2
        var bytes = Array("GIF89a".utf8)
        appendUInt16(first.width, to: &bytes)
        appendUInt16(first.height, to: &bytes)
        bytes += [0xF7, 0, 0]  // global colour table of 256 entries, 8 bits per primary
        bytes += gray ? (0..<256).flatMap { [UInt8($0), UInt8($0), UInt8($0)] } : colourPalette.flatMap { [$0.0, $0.1, $0.2] }
        // NETSCAPE2.0 extension: loop forever.
        bytes += [0x21, 0xFF, 11] + Array("NETSCAPE2.0".utf8) + [3, 1, 0, 0, 0]
        for frame in frames {
            bytes += [0x21, 0xF9, 4, 0]  // graphic control: no transparency, no disposal
            appendUInt16(max(0, min(delay, 65_535)), to: &bytes)
            bytes += [0, 0]
            bytes += [0x2C, 0, 0, 0, 0]  // image descriptor at (0, 0)
            appendUInt16(frame.width, to: &bytes)
            appendUInt16(frame.height, to: &bytes)
            bytes += [0, 8]  // no local table; LZW minimum code size 8
            let codes = lzw(gray ? grayIndices(frame) : colourIndices(frame))
            for start in stride(from: 0, to: codes.count, by: 255) {
                let block = codes[start..<min(start + 255, codes.count)]
                bytes.append(UInt8(block.count))
                bytes += block
            }
            bytes.append(0)
        }
        bytes.append(0x3B)
        return bytes
    }

    /// The colour palette: 216 cube colours (levels 0, 51, ..., 255) then 40 grays.
    static let colourPalette: [(UInt8, UInt8, UInt8)] = {
        var palette: [(UInt8, UInt8, UInt8)] = []
        for r in 0..<6 { for g in 0..<6 { for b in 0..<6 { palette.append((UInt8(r * 51), UInt8(g * 51), UInt8(b * 51))) } } }
        for i in 0..<40 { let v = UInt8((i * 255 + 19) / 39); palette.append((v, v, v)) }
        return palette
    }()

    private static func grayIndices(_ image: RasterImage) -> [UInt8] {
        stride(from: 0, to: image.pixels.count, by: image.channels).map { image.pixels[$0] }
    }

    private static func colourIndices(_ image: RasterImage) -> [UInt8] {
        stride(from: 0, to: image.pixels.count, by: image.channels).map { i in
            let (r, g, b) = (Int(image.pixels[i]), Int(image.pixels[i + 1]), Int(image.pixels[i + 2]))
            let cube = ((r + 25) / 51) * 36 + ((g + 25) / 51) * 6 + (b + 25) / 51
            let (cr, cg, cb) = colourPalette[cube]
            let cubeError = square(r - Int(cr)) + square(g - Int(cg)) + square(b - Int(cb))
            let grayIndex = ((r + g + b) / 3 * 39 + 127) / 255
            let gv = Int(colourPalette[216 + grayIndex].0)
            let grayError = square(r - gv) + square(g - gv) + square(b - gv)
            return UInt8(grayError < cubeError ? 216 + grayIndex : cube)
        }
    }

    private static func square(_ x: Int) -> Int { x * x }

    /// LZW compression of 8-bit indices into the GIF bit stream (codes packed LSB first).
    static func lzw(_ indices: [UInt8]) -> [UInt8] {
        let clear = 256, end = 257
        // table[prefix * 256 + byte] = code + 1 (0: absent); a flat array beats a dictionary.
        var table = [UInt16](repeating: 0, count: 4096 * 256)
        var nextCode = 258, width = 9
        var output: [UInt8] = [], buffer = 0, bits = 0
        func emit(_ code: Int) {
            buffer |= code << bits
            bits += width
            while bits >= 8 { output.append(UInt8(buffer & 0xFF)); buffer >>= 8; bits -= 8 }
        }
        emit(clear)
        guard var prefix = indices.first.map(Int.init) else { emit(end); if bits > 0 { output.append(UInt8(buffer)) }; return output }
        for byte in indices.dropFirst() {
            let key = prefix * 256 + Int(byte)
            if table[key] != 0 { prefix = Int(table[key]) - 1; continue }
            emit(prefix)
            if nextCode < 4096 {
                table[key] = UInt16(nextCode + 1)
                // The decoder widens its codes one code later than the encoder adds an entry.
                if nextCode == 1 << width && width < 12 { width += 1 }
                nextCode += 1
            } else {
                emit(clear)
                table = [UInt16](repeating: 0, count: 4096 * 256)
                nextCode = 258
                width = 9
            }
            prefix = Int(byte)
        }
        emit(prefix)
        emit(end)
        if bits > 0 { output.append(UInt8(buffer & 0xFF)) }
        return output
    }

    private static func appendUInt16(_ value: Int, to bytes: inout [UInt8]) {
        bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)]
    }
}

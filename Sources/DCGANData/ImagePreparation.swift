extension RasterImage {
    /// The central square of the image, resampled to `size` x `size` (box filter when
    /// shrinking, bilinear when enlarging) with `channels` channels (1 gray or 3 RGB),
    /// written NCHW into `output` (channels x size x size bytes).
    ///
    /// Gray is repeated into R, G and B; colour becomes gray by ITU-R 601 luma; alpha is
    /// dropped (the colour samples are kept as stored, not composited on a background).
    func writeSquare(size: Int, channels: Int, into output: UnsafeMutablePointer<UInt8>) {
        precondition(channels == 1 || channels == 3, "images are prepared as gray or RGB, not \(channels) channels")
        precondition(width >= 1 && height >= 1, "cannot crop an empty image")
        let side = min(width, height)
        let (left, top) = ((width - side) / 2, (height - side) / 2)
        let color = self.channels >= 3
        let step = self.channels
        var planes = [UInt8](repeating: 0, count: channels * side * side)
        pixels.withUnsafeBufferPointer { source in
            for y in 0..<side {
                var from = source.baseAddress! + ((top + y) * width + left) * step
                for x in 0..<side {
                    let at = y * side + x
                    switch (color, channels) {
                    case (false, 1): planes[at] = from[0]
                    case (false, _): (planes[at], planes[side * side + at], planes[2 * side * side + at]) = (from[0], from[0], from[0])
                    case (true, 1): planes[at] = luma(from[0], from[1], from[2])
                    case (true, _): (planes[at], planes[side * side + at], planes[2 * side * side + at]) = (from[0], from[1], from[2])
                    }
                    from += step
                }
            }
        }
        let resampler = PlaneResampler(width: side, height: side, to: size)
        var scratch = resampler.makeScratch()
        planes.withUnsafeBufferPointer { source in
            for c in 0..<channels {
                resampler.resample(source.baseAddress! + c * side * side, rowStride: side,
                                   into: output + c * size * size, scratch: &scratch)
            }
        }
    }
}

/// Decodes an encoded image by its content (signature bytes): JPEG, PNG or WebP, whatever the
/// file is called.
func decodeImage(_ bytes: [UInt8], path: String) throws -> RasterImage {
    if JPEGCodec.isJPEG(bytes) { return try JPEGCodec.decode(bytes: bytes, path: path) }
    if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try PNGCodec.decode(bytes: bytes, path: path) }
    if WebPCodec.isWebP(bytes) { return try WebPCodec.decode(bytes: bytes, path: path) }
    throw DataError(path: path, "not a JPEG, PNG or WebP image")
}

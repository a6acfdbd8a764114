import CDCGANHDF5

extension HDF5Dataset {
    /// One group member as read from the file, before it is prepared.
    private enum Member {
        case pixels(RasterImage)
        case encoded([UInt8])
        case unusable(String)
    }

    /// Reads every member of `group` in name order as one image each, a run of members at a
    /// time: the members are read one by one (HDF5 allows one caller), then the run is
    /// decoded and resized in parallel and its bytes let go.
    static func readGroup(_ group: hid_t, key: String, path: String, runBytes limit: Int,
                          into decoder: inout SquareImageDecoder) throws {
        guard let names = HDF5Object.memberNames(group) else { throw DataError(path: path, "cannot list the group '\(key)': the file is damaged") }
        guard !names.isEmpty else { throw DataError(path: path, "'\(key)' is an empty group") }
        let prepared = names.count.multipliedReportingOverflow(by: decoder.imageBytes)
        guard !prepared.overflow, prepared.partialValue <= maxBytes else {
            throw DataError(path: path, "'\(key)' has \(names.count) members, more than \(maxBytes) bytes of prepared images")
        }
        var run: [(source: String, member: Member)] = []
        var runBytes = 0
        for name in names {
            let member = readMember(name, of: group)
            if case .pixels(let image) = member { runBytes += image.pixels.count }
            if case .encoded(let bytes) = member { runBytes += bytes.count }
            run.append(("\(path)[\(key)/\(name)]", member))
            if run.count == groupRun || runBytes >= limit {
                try prepare(run, into: &decoder)
                (run, runBytes) = ([], 0)
            }
        }
        try prepare(run, into: &decoder)
        guard decoder.count > 0 else {
            throw DataError(path: path, "'\(key)' holds no usable image: all \(names.count) members are unusable, e.g. \(decoder.firstFailure ?? "")")
        }
    }

    /// Decodes (encoded members) and crops and resizes a run of members in parallel; the
    /// unusable ones are counted by the decoder as skipped.
    private static func prepare(_ run: [(source: String, member: Member)], into decoder: inout SquareImageDecoder) throws {
        _ = try decoder.append(count: run.count) { index in
            switch run[index].member {
            case .pixels(let image): return image
            case .encoded(let bytes): return try decodeImage(bytes, path: run[index].source)
            case .unusable(let reason): throw DataError(path: run[index].source, reason)
            }
        }
    }

    /// Reads one member: a uint8 H x W x C (C 1 to 4) or H x W array of pixels, or a 1-D uint8
    /// array of encoded bytes; anything else is unusable, with the reason.
    private static func readMember(_ name: String, of group: hid_t) -> Member {
        let object = H5Oopen(group, name, 0)
        guard object >= 0 else { return .unusable("cannot be opened (a dangling link or damaged file)") }
        defer { H5Oclose(object) }
        guard H5Iget_type(object) == H5I_DATASET else { return .unusable("is not a dataset") }
        guard HDF5Object.holdsBytes(object) else { return .unusable("does not hold unsigned bytes (uint8)") }
        guard let shape = HDF5Object.shape(object) else { return .unusable("has an unreadable shape") }
        let wanted = "not an image (H x W x C with C from 1 to 4, H x W, or 1-D encoded bytes)"
        switch shape.count {
        case 1:
            guard (1...ImageFolderDataset.maxFileBytes).contains(shape[0]) else {
                return .unusable("holds \(shape[0]) encoded bytes, not 1 to \(ImageFolderDataset.maxFileBytes)")
            }
            var bytes = [UInt8](repeating: 0, count: shape[0])
            guard bytes.withUnsafeMutableBytes({ HDF5Object.readAll(object, into: $0) }) else { return .unusable("cannot be read: the file is damaged") }
            return .encoded(bytes)
        case 2, 3:
            let (height, width, depth) = (shape[0], shape[1], shape.count == 3 ? shape[2] : 1)
            guard (1...4).contains(depth) else { return .unusable("has shape \(shape), \(wanted)") }
            guard (1...PNGCodec.maxSide).contains(height), (1...PNGCodec.maxSide).contains(width) else {
                return .unusable("has shape \(shape), larger than the \(PNGCodec.maxSide)x\(PNGCodec.maxSide) limit or empty")
            }
            var pixels = [UInt8](repeating: 0, count: height * width * depth)
            guard pixels.withUnsafeMutableBytes({ HDF5Object.readAll(object, into: $0) }) else { return .unusable("cannot be read: the file is damaged") }
            return .pixels(RasterImage(width: width, height: height, channels: depth, pixels: pixels))
        default:
            return .unusable("has shape \(shape), \(wanted)")
        }
    }
}

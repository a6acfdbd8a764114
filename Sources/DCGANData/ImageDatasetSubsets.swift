import DCGANTensor

extension ImageDataset {
    /// A view of the images at `indices` (in that order), sharing this dataset's bytes.
    public func subset(_ indices: [Int]) -> ImageDataset {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < count }, "subset index out of range 0..<\(count)")
        return ImageDataset(count: indices.count, channels: channels, height: height, width: width, storage: storage,
                            selection: indices.map(storageIndex), labels: labels.map { all in indices.map { all[$0] } },
                            classNames: classNames)
    }

    /// A view of the images whose label is in `classes`, in their original order.
    /// An unlabelled dataset has no classes to pick from.
    public func selecting(classes: Set<Int>) -> ImageDataset? {
        guard let labels else { return nil }
        return subset(labels.indices.filter { classes.contains(labels[$0]) })
    }

    /// Splits off a hold-out set: the images are shuffled with `seed`, the last
    /// `round(fraction * count)` go to `heldOut` and the rest to `training`, each kept in
    /// the original order. The same seed always holds out the same images.
    public func holdingOut(fraction: Double, seed: UInt64) -> (training: ImageDataset, heldOut: ImageDataset) {
        precondition(fraction >= 0 && fraction < 1, "hold-out fraction must be in [0, 1)")
        var rng = RandomGenerator(seed: seed ^ 0x486F_6C64_4F75_7421)
        let order = rng.permutation(count)
        let kept = count - Int((fraction * Double(count)).rounded())
        return (subset(order[..<kept].sorted()), subset(order[kept...].sorted()))
    }

    /// The same images with `target` channels: gray is repeated into R, G and B; RGB becomes
    /// gray by ITU-R 601 luma (0.299 R + 0.587 G + 0.114 B, as PIL's `convert("L")`).
    /// Only 1 <-> 3 conversions exist; any other pair returns nil.
    public func converted(toChannels target: Int) -> ImageDataset? {
        if target == channels { return self }
        guard (channels == 1 && target == 3) || (channels == 3 && target == 1) else { return nil }
        let plane = height * width
        var result = [UInt8](repeating: 0, count: count * target * plane)
        result.withUnsafeMutableBufferPointer { output in
            for index in 0..<count {
                withImage(index) { image in
                    let out = output.baseAddress! + index * target * plane
                    if target == 3 {
                        for c in 0..<3 { (out + c * plane).update(from: image, count: plane) }
                    } else {
                        for i in 0..<plane { out[i] = luma(image[i], image[plane + i], image[2 * plane + i]) }
                    }
                }
            }
        }
        return ImageDataset(count: count, channels: target, height: height, width: width, pixels: result, labels: labels,
                            classNames: classNames)
    }

    /// How many images carry each class index (empty for unlabelled data).
    public func classCounts() -> [Int: Int] {
        (labels ?? []).reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }
}

/// ITU-R 601 luma of one RGB pixel, rounded, in integers (weights scaled by 1000).
@inline(__always) func luma(_ red: UInt8, _ green: UInt8, _ blue: UInt8) -> UInt8 {
    let weighted: Int = 299 * Int(red) + 587 * Int(green) + 114 * Int(blue)
    return UInt8((weighted + 500) / 1000)
}

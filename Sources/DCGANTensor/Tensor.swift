/// Reference-counted Float32 storage shared by a tensor and its reshaped views.
public final class TensorStorage: @unchecked Sendable {
    /// The first element; the storage owns `count` elements from here.
    public let base: UnsafeMutablePointer<Float>
    /// Number of Float elements owned.
    public let count: Int

    init(count: Int) {
        self.count = count
        // 64-byte alignment lets vector loads and BLAS packing run at full speed.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }
}

/// A contiguous, row-major Float32 tensor (NCHW for images).
///
/// `Tensor` is a small value holding a shape and a reference to its storage: copying a tensor
/// or reshaping it shares the numbers (like a PyTorch view); `copy()` makes an independent one.
public struct Tensor: @unchecked Sendable {
    /// Extent of each axis, outermost first (NCHW for images).
    public private(set) var shape: [Int]
    /// The elements; shared with the tensors this one was reshaped from or to.
    public let storage: TensorStorage

    /// A tensor of zeros with the given shape.
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *))
    }

    /// A tensor holding `values` (row-major) with the given shape.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.init(zeros: shape)
        values.withUnsafeBufferPointer { storage.base.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A tensor filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(zeros: shape)
        storage.base.update(repeating: value, count: count)
    }

    private init(shape: [Int], storage: TensorStorage) {
        self.shape = shape
        self.storage = storage
    }

    /// The first `shape.reduce(1, *)` floats of `storage` as a tensor of `shape` (a buffer
    /// shared by tensors of different shapes in turn, as `GradientArena`'s).
    init(shape: [Int], viewing storage: TensorStorage) {
        precondition(shape.reduce(1, *) <= storage.count, "shape \(shape) is larger than its storage")
        self.init(shape: shape, storage: storage)
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Number of axes.
    public var rank: Int { shape.count }
    /// Row-major strides, in elements.
    public var strides: [Int] {
        var result = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            result[axis] = step
            step *= shape[axis]
        }
        return result
    }

    /// The first element, for kernels that loop over raw memory; valid while the tensor lives.
    public var pointer: UnsafeMutablePointer<Float> { storage.base }
    /// All elements as a buffer (row-major); valid while the tensor lives.
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: storage.base, count: count) }

    /// The same numbers seen with another shape; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[unknown] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: resolved, storage: storage)
    }

    /// Collapses every dimension after the first: [N, C, H, W] -> [N, C*H*W].
    public func flattened() -> Tensor { reshaped([shape.first ?? 1, -1]) }

    /// An independent copy of the numbers.
    public func copy() -> Tensor {
        let result = Tensor(zeros: shape)
        result.pointer.update(from: pointer, count: count)
        return result
    }

    /// The numbers as a Swift array (row-major).
    public var array: [Float] { Array(buffer) }

    /// Element `index` of the row-major (flattened) tensor.
    public subscript(index: Int) -> Float {
        get { storage.base[index] }
        nonmutating set { storage.base[index] = newValue }
    }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    /// Copies the numbers of `source`, which must hold as many elements.
    public func assign(from source: Tensor) {
        precondition(source.count == count, "assign: \(source.shape) into \(shape)")
        pointer.update(from: source.pointer, count: count)
    }
}

extension Tensor: CustomStringConvertible {
    /// The shape and the first few values, for debugging.
    public var description: String {
        let preview = array.prefix(8).map { String(format: "%.4g", Double($0)) }.joined(separator: ", ")
        return "Tensor\(shape)[\(preview)\(count > 8 ? ", ..." : "")]"
    }
}

/// A buffer that a layer owns and reuses from call to call, reallocated only when the shape
/// it must hold changes: this keeps memory allocation out of the training loop.
public struct ReusableTensor: Sendable {
    private var tensor: Tensor?
    /// An empty holder; the first `get` allocates.
    public init() {}

    /// A tensor of the given shape, reused if the previous one had the same shape.
    /// Its contents are whatever the last user left unless `zeroed` is true.
    public mutating func get(_ shape: [Int], zeroed: Bool = false) -> Tensor {
        if let existing = tensor, existing.shape == shape {
            if zeroed { existing.fill(0) }
            return existing
        }
        let fresh = Tensor(zeros: shape)
        tensor = fresh
        return fresh
    }
}

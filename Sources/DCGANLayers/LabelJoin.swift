import DCGANTensor

/// The class labels of the batch in flight as one-hot rows [N, classes], shared by every
/// `JoinLabels` layer of a conditional network; the trainer sets it before each pass.
public final class ClassCondition {
    /// Number of classes (columns of `oneHot`).
    public let classes: Int
    /// The class of each example of the batch in flight.
    public private(set) var labels: [Int] = []
    /// Row n holds 1 in column labels[n] and 0 elsewhere.
    public private(set) var oneHot: Tensor

    /// A condition over `classes` classes, with no batch set yet.
    public init(classes: Int) {
        precondition(classes > 0, "ClassCondition: needs at least one class")
        self.classes = classes
        oneHot = Tensor(zeros: [0, classes])
    }

    /// Reallocates only when the batch size changes; precondition: every label in 0..<classes.
    public func set(labels: [Int]) {
        precondition(labels.allSatisfy { (0..<classes).contains($0) }, "ClassCondition: labels must be in 0..<\(classes)")
        if oneHot.shape[0] == labels.count { oneHot.fill(0) } else { oneHot = Tensor(zeros: [labels.count, classes]) }
        for (row, label) in labels.enumerated() { oneHot[row * classes + label] = 1 }
        self.labels = labels
    }
}

/// Joins the one-hot label to its input along the channel axis: [N, C, H, W] -> [N, C+K, H, W]
/// with the label broadcast over H x W (Newmu's conv_cond_concat), or [N, F] -> [N, F+K].
/// The input comes first, then the K label channels. Backward returns the input's part of the gradient.
public final class JoinLabels: Layer {
    /// The labels this layer joins; shared with the other network of the pair.
    public let condition: ClassCondition
    private var inputShape: [Int] = []
    private var output = ReusableTensor(), inputGradient = ReusableTensor()

    /// A layer that joins the labels of `condition`.
    public init(_ condition: ClassCondition) { self.condition = condition }

    public func outputShape(for s: [Int]) -> [Int]? {
        guard s.count == 2 || s.count == 4 else { return nil }
        var joined = s
        joined[1] += condition.classes
        return joined
    }

    public func forward(_ x: Tensor) -> Tensor {
        guard let shape = outputShape(for: x.shape) else { preconditionFailure("JoinLabels: input \(x.shape) is not [N, F] or [N, C, H, W]") }
        // Labels of another batch would be joined silently to the wrong images: refuse them.
        precondition(condition.labels.count == x.shape[0],
                     "JoinLabels: the condition holds \(condition.labels.count) labels for a batch of \(x.shape[0])")
        inputShape = x.shape
        let y = output.get(shape)
        LayoutKernel.joinLabels(input: x, oneHot: condition.oneHot, output: y)
        return y
    }

    public func backward(_ dy: Tensor, inputGradientNeeded: Bool) -> Tensor {
        guard inputGradientNeeded else { return dy }
        let dx = inputGradient.inputGradient(inputShape, outputGradient: dy)
        LayoutKernel.joinLabelsBackward(outputGradient: dy, inputGradient: dx)
        return dx
    }
}

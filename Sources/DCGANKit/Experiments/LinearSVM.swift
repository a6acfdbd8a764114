import CDCGANLinear
import DCGANLayers

/// Dense float features, one row per example, row after row.
public struct FeatureMatrix: Sendable {
    /// Number of examples.
    public let rows: Int
    /// Features per example.
    public let columns: Int
    /// rows x columns values, row after row.
    public var values: [Float]

    /// `values` must hold `rows * columns` numbers.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows * columns == values.count, "\(values.count) values do not make \(rows) x \(columns)")
        (self.rows, self.columns, self.values) = (rows, columns, values)
    }
}

/// A linear L2-regularised L2-loss (squared hinge) support vector machine, one-vs-rest over
/// the classes, with a bias term: what scikit-learn's `LinearSVC` trains, through the same
/// library (liblinear, solver L2R_L2LOSS_SVC_DUAL).
public final class LinearSVM {
    private var model: UnsafeMutablePointer<model>?
    /// Number of features the model takes.
    public let columns: Int
    /// The regularisation constant it was trained with (larger = less regularised).
    public let c: Double

    /// Trains on the rows `rows` of `features`, whose classes are `labels[row]`.
    public init(features: FeatureMatrix, labels: [Int], rows: [Int], c: Double) throws {
        guard !rows.isEmpty else { throw ConfigError("the SVM needs at least one training example") }
        guard c > 0 else { throw ConfigError("the SVM's C must be positive, not \(c)") }
        LinearSVM.silenceLibrary()
        let width = features.columns + 2  // the features, the bias node, the terminator
        let nodes = UnsafeMutablePointer<feature_node>.allocate(capacity: rows.count * width)
        let starts = UnsafeMutablePointer<UnsafeMutablePointer<feature_node>?>.allocate(capacity: rows.count)
        let targets = UnsafeMutablePointer<Double>.allocate(capacity: rows.count)
        defer { nodes.deallocate(); starts.deallocate(); targets.deallocate() }
        features.values.withUnsafeBufferPointer { values in
            for (position, row) in rows.enumerated() {
                LinearSVM.fill(nodes + position * width, from: values.baseAddress! + row * features.columns, columns: features.columns)
                starts[position] = nodes + position * width
                targets[position] = Double(labels[row])
            }
        }
        var problem = CDCGANLinear.problem(l: Int32(rows.count), n: Int32(features.columns + 1), y: targets, x: starts, bias: 1)
        // eps 0.1 is liblinear's own default for the dual solver.
        var parameter = CDCGANLinear.parameter(solver_type: Int32(L2R_L2LOSS_SVC_DUAL), eps: 0.1, C: c, nr_weight: 0,
                                               weight_label: nil, weight: nil, p: 0.1, init_sol: nil)
        if let problemText = check_parameter(&problem, &parameter) {
            throw ConfigError("liblinear refused the problem: \(String(cString: problemText))")
        }
        model = train(&problem, &parameter)
        columns = features.columns
        self.c = c
    }

    deinit { free_and_destroy_model(&model) }

    /// The predicted class of each row of `rows` in `features`.
    public func predict(_ features: FeatureMatrix, rows: [Int]) -> [Int] {
        precondition(features.columns == columns, "features of \(features.columns) columns for an SVM of \(columns)")
        let nodes = UnsafeMutablePointer<feature_node>.allocate(capacity: columns + 2)
        defer { nodes.deallocate() }
        return features.values.withUnsafeBufferPointer { values in
            rows.map { row in
                LinearSVM.fill(nodes, from: values.baseAddress! + row * columns, columns: columns)
                return Int(CDCGANLinear.predict(model, nodes))
            }
        }
    }

    /// The fraction of `rows` whose predicted class is `labels[row]`.
    public func accuracy(_ features: FeatureMatrix, labels: [Int], rows: [Int]) -> Double {
        guard !rows.isEmpty else { return 0 }
        let predicted = predict(features, rows: rows)
        return Double(zip(predicted, rows).filter { $0 == labels[$1] }.count) / Double(rows.count)
    }

    /// One example as liblinear reads it: 1-based feature indices, a bias feature, index -1 to end.
    private static func fill(_ nodes: UnsafeMutablePointer<feature_node>, from row: UnsafePointer<Float>, columns: Int) {
        for column in 0..<columns { nodes[column] = feature_node(index: Int32(column + 1), value: Double(row[column])) }
        nodes[columns] = feature_node(index: Int32(columns + 1), value: 1)
        nodes[columns + 1] = feature_node(index: -1, value: 0)
    }

    /// liblinear prints its progress to stdout unless given a function to print with.
    private static func silenceLibrary() { set_print_string_function { _ in } }
}

/// Which half of a dataset that ships a training and a test part to read.
public enum DataSplit: String, Sendable, CaseIterable, Codable {
    /// The images a model is trained on.
    case train
    /// The held-back images a dataset ships for evaluation.
    case test
}

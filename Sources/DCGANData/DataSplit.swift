/// Which half of a dataset that ships a training and a test part to read.
public enum DataSplit: String, Sendable, CaseIterable, Codable {
    case train
    case test
}

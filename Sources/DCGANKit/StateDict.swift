import DCGANData
import DCGANLayers
import DCGANTensor
import Foundation

/// Named tensors in a fixed order: the state of networks and optimisers as a checkpoint holds
/// it, in the spirit of PyTorch's `state_dict`. Names come from `Layer.namedTensors`
/// ("G.3.weight", "D.4.running_var") and from optimisers' state ("optG.m.0").
public struct StateDict {
    /// Named tensors, in the order they were added.
    public private(set) var entries: [(name: String, tensor: Tensor)]

    /// A state dict of `entries`.
    public init(_ entries: [(name: String, tensor: Tensor)] = []) { self.entries = entries }

    /// The state of a network under `prefix`.
    public init(_ layer: Layer, prefix: String) { entries = layer.namedTensors.map { ("\(prefix).\($0.name)", $0.tensor) } }

    /// The state of an optimiser under `prefix` (its step count is kept beside, in the header).
    public init(_ optimizer: Optimizer, prefix: String) { entries = optimizer.stateTensors.map { ("\(prefix).\($0.name)", $0.tensor) } }

    /// The entries of `a` followed by those of `b`.
    public static func + (a: StateDict, b: StateDict) -> StateDict { StateDict(a.entries + b.entries) }

    /// The tensor stored under `name`, if any.
    public subscript(name: String) -> Tensor? { entries.first { $0.name == name }?.tensor }

    /// Copies every tensor of `source` into the tensor of the same name here. The two must
    /// hold the same names with the same shapes (in any order); otherwise nothing is copied and
    /// the error names the first difference.
    public func load(from source: StateDict, path: String) throws {
        try checkMatches(source.entries.map { ($0.name, $0.tensor.shape) }, path: path)
        let stored = Dictionary(source.entries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        for (name, tensor) in entries { tensor.assign(from: stored[name]!) }
    }

    /// Checks that `stored` lists exactly the names here, once each, with the same shapes.
    func checkMatches(_ stored: [(name: String, shape: [Int])], path: String) throws {
        let shapes = Dictionary(stored.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        guard shapes.count == stored.count else { throw DataError(path: path, "holds a tensor name twice") }
        for (name, tensor) in entries {
            guard let shape = shapes[name] else { throw DataError(path: path, "holds no tensor '\(name)' that the model needs") }
            guard shape == tensor.shape else {
                throw DataError(path: path, "tensor '\(name)' has shape \(shape), the model needs \(tensor.shape)")
            }
        }
        if let extra = stored.first(where: { entry in !entries.contains { $0.name == entry.name } }) {
            throw DataError(path: path, "holds a tensor '\(extra.name)' that the model does not have")
        }
    }
}

/// The checkpoint container any program can use: magic `DCGANCKP`, a format version, a
/// readable JSON header (your metadata and the tensors' names and shapes), the tensors as
/// float32 little-endian, and a CRC-32 of everything before it (docs/CHECKPOINTS.md).
public enum StateDictFile {
    /// The first bytes of a state-dict or checkpoint file.
    public static let magic = Array("DCGANCKP".utf8)
    /// The container version this tool writes and reads.
    public static let formatVersion: UInt32 = 2

    /// The header as stored: the caller's metadata and the tensor list.
    struct Header<Metadata: Codable>: Codable {
        var metadata: Metadata
        var tensors: [TensorArchive.Entry]
    }

    /// The file's bytes.
    public static func encode(_ state: StateDict, metadata: some Codable) throws -> [UInt8] {
        let header = Header(metadata: metadata, tensors: state.entries.map { TensorArchive.Entry(name: $0.name, shape: $0.tensor.shape) })
        return try TensorArchive.encode(magic: magic, version: formatVersion, header: header, tensors: state.entries.map { ($0.name, $0.tensor) })
    }

    /// Writes `state` and `metadata` to `path` atomically (temporary file, then rename).
    public static func write(_ state: StateDict, metadata: some Codable, to path: String, overwrite: Bool) throws {
        try AtomicFile.write(try encode(state, metadata: metadata), to: path, overwrite: overwrite)
    }

    /// A file whose checksum, header and sizes have been checked; its tensors are still on disk.
    public struct Reader<Metadata: Codable> {
        let archive: TensorArchive.Opened<Header<Metadata>>
        /// The header's metadata (the writer's own keys), read before any tensor.
        public var metadata: Metadata { archive.header.metadata }
        /// Bytes of tensor data the file holds.
        public var payloadBytes: Int { archive.file.size - archive.payloadOffset - 4 }

        /// Reads the stored tensors straight into the tensors of the same names in `state`,
        /// which must hold exactly the stored names and shapes (checked before anything is
        /// read). A value that is not finite is refused; `state` is then partly overwritten.
        public func load(into state: StateDict) throws {
            try state.checkMatches(archive.entries.map { ($0.name, $0.shape) }, path: archive.file.path)
            let byName = Dictionary(state.entries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
            try archive.read(into: archive.entries.map { byName[$0.name]! })
        }
    }

    /// Opens a file written by `write`, checked against the magic, version and checksum, with
    /// every shape in its header checked against the file's length before anything is
    /// allocated. Every failure is a one-line `DataError`.
    public static func open<Metadata: Codable>(path: String, metadata: Metadata.Type) throws -> Reader<Metadata> {
        Reader(archive: try TensorArchive.open(path: path, magic: magic, version: formatVersion, kind: "checkpoint") { (h: Header<Metadata>) in h.tensors })
    }

    /// Reads a file written by `write`: its metadata and its tensors (see `open`).
    public static func read<Metadata: Codable>(path: String, metadata: Metadata.Type) throws -> (metadata: Metadata, state: StateDict) {
        let reader = try open(path: path, metadata: metadata)
        let state = StateDict(reader.archive.entries.map { ($0.name, Tensor(zeros: $0.shape)) })
        try reader.load(into: state)
        return (reader.metadata, state)
    }
}

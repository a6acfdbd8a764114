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
        let stored = Dictionary(source.entries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        for (name, tensor) in entries {
            guard let value = stored[name] else { throw DataError(path: path, "holds no tensor '\(name)' that the model needs") }
            guard value.shape == tensor.shape else {
                throw DataError(path: path, "tensor '\(name)' has shape \(value.shape), the model needs \(tensor.shape)")
            }
        }
        if let extra = source.entries.first(where: { entry in !entries.contains { $0.name == entry.name } }) {
            throw DataError(path: path, "holds a tensor '\(extra.name)' that the model does not have")
        }
        for (name, tensor) in entries { tensor.assign(from: stored[name]!) }
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

    /// Reads a file written by `write`: its metadata and its tensors, checked against the
    /// magic, version, header and checksum. Every failure is a one-line `DataError`.
    public static func read<Metadata: Codable>(path: String, metadata: Metadata.Type) throws -> (metadata: Metadata, state: StateDict) {
        let bytes = try TensorArchive.readFile(path, kind: "checkpoint")
        let (header, offset) = try TensorArchive.decodeHeader(bytes, path: path, magic: magic, version: formatVersion,
                                                              kind: "checkpoint") { (h: Header<Metadata>) in h.tensors }
        let tensors = header.tensors.map { Tensor(zeros: $0.shape) }
        TensorArchive.readTensors(bytes, from: offset, into: tensors)
        return (header.metadata, StateDict(zip(header.tensors, tensors).map { ($0.name, $1) }))
    }
}

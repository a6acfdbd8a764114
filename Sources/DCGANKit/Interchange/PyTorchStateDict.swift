import DCGANData
import DCGANLayers
import DCGANTensor

/// A network's tensors under the names and layouts of PyTorch's examples/dcgan, whose
/// `Generator` and `Discriminator` keep their layers in an `nn.Sequential` called `main`:
/// "main.<layer index>.weight", and for each BatchNorm also `running_mean`, `running_var` and
/// the int64 scalar `num_batches_tracked`, in the order `state_dict()` lists them.
public enum PyTorchStateDict {
    /// The name of the example's `nn.Sequential`.
    public static let prefix = "main"

    /// The state dict of `network`, with `batchesTracked` as every BatchNorm's
    /// `num_batches_tracked` (PyTorch counts the training-mode passes; it only matters with
    /// `momentum=None`).
    public static func tensors(of network: Layer, batchesTracked: Int64) -> [(name: String, value: SafeTensors.Value)] {
        StateDict(network, prefix: prefix).entries.flatMap { entry -> [(name: String, value: SafeTensors.Value)] in
            let own = (entry.name, SafeTensors.Value.float32(entry.tensor.copy()))
            guard entry.name.hasSuffix(".running_var") else { return [own] }
            let counter = String(entry.name.dropLast("running_var".count)) + "num_batches_tracked"
            return [own, (counter, .int64(shape: [], values: [batchesTracked]))]
        }
    }

    /// Copies a PyTorch state dict (as `tensors` names it) into `network`: the names and shapes
    /// must be exactly the network's; `num_batches_tracked` must be an int64 scalar and is not
    /// kept. Nothing is copied when anything disagrees; the one-line error names `path`.
    public static func load(_ tensors: [(name: String, value: SafeTensors.Value)], into network: Layer, path: String) throws {
        var floats: [(name: String, tensor: Tensor)] = []
        for (name, value) in tensors {
            switch value {
            case .float32(let tensor): floats.append((name, tensor))
            case .int64(let shape, _):
                guard name.hasSuffix(".num_batches_tracked"), shape.isEmpty else {
                    throw DataError(path: path, "tensor '\(name)' is int64; only BatchNorm's num_batches_tracked scalars may be")
                }
            }
        }
        try StateDict(network, prefix: prefix).load(from: StateDict(floats), path: path)
    }
}

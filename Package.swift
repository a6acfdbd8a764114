// swift-tools-version: 6.0
import PackageDescription

// No unsafe flags anywhere: SwiftPM refuses a package that uses them as a dependency. Release
// builds get SwiftPM's -O with whole-module optimisation; the kernels keep their speed through
// code (pointer loops, checks that debug builds make and release builds skip).
let package = Package(
    name: "swift-dcgan",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "dcgan", targets: ["dcgan"]),
        .library(name: "DCGANTensor", targets: ["DCGANTensor"]),
        .library(name: "DCGANLayers", targets: ["DCGANLayers"]),
        .library(name: "DCGANData", targets: ["DCGANData"]),
        .library(name: "DCGANKit", targets: ["DCGANKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Only for `swift package generate-documentation` (the DocC catalogues in Sources/*/*.docc);
        // a plugin, so nothing of it is built unless that command runs.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CDCGANBLAS", path: "Sources/CDCGANBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CDCGANPNG", path: "Sources/CDCGANPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CDCGANZlib", path: "Sources/CDCGANZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CDCGANTurboJPEG", path: "Sources/CDCGANTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CDCGANLMDB", path: "Sources/CDCGANLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CDCGANWebP", path: "Sources/CDCGANWebP", pkgConfig: "libwebp", providers: [.apt(["libwebp-dev"])]),
        // Debian's serial HDF5 keeps its headers in /usr/include/hdf5/serial; its hdf5.pc says so.
        .systemLibrary(name: "CDCGANHDF5", path: "Sources/CDCGANHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        // liblinear: the linear L2-SVM of `dcgan classify` (the paper's section 5 classifier).
        .systemLibrary(name: "CDCGANLinear", path: "Sources/CDCGANLinear", providers: [.apt(["liblinear-dev"])]),
        // Open MPI: gradients and BatchNorm statistics summed across the processes of `mpirun -np P dcgan train`.
        .systemLibrary(name: "CDCGANMPI", path: "Sources/CDCGANMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        // Our own AVX-512 matrix kernel (C).
        .target(name: "CDCGANKernels", path: "Sources/CDCGANKernels", linkerSettings: [.linkedLibrary("mvec")]),
        .target(name: "DCGANTensor", dependencies: ["CDCGANBLAS", "CDCGANKernels"]),
        .target(name: "DCGANLayers", dependencies: ["DCGANTensor"]),
        .target(name: "DCGANData", dependencies: ["DCGANTensor", "CDCGANPNG", "CDCGANZlib", "CDCGANTurboJPEG", "CDCGANLMDB", "CDCGANHDF5", "CDCGANWebP"]),
        .target(name: "DCGANKit", dependencies: ["DCGANLayers", "DCGANData", "CDCGANZlib", "CDCGANLinear", "CDCGANMPI"]),
        .executableTarget(name: "dcgan", dependencies: [
            "DCGANKit", "DCGANData",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "TensorTests", dependencies: ["DCGANTensor"]),
        .testTarget(name: "NNTests", dependencies: ["DCGANLayers", "DCGANKit"], exclude: ["Fixtures"]),
        .testTarget(name: "GANTests", dependencies: [
            "DCGANKit", "dcgan", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], exclude: ["Fixtures"]),
        .testTarget(name: "DataTests", dependencies: ["DCGANData", "CDCGANTurboJPEG", "CDCGANLMDB", "CDCGANHDF5", "CDCGANWebP"]),
    ]
)

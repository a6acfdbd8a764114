// swift-tools-version: 6.0
import PackageDescription

/// Release-style optimisation for our own compute targets: the kernels are bounds-checked in
/// debug builds and the tests, and unchecked in release where the benchmarks run.
let fastMath: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

let package = Package(
    name: "swift-dcgan",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "dcgan", targets: ["dcgan"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "GAN", targets: ["GAN"]),
        .library(name: "Data", targets: ["Data"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CLMDB", path: "Sources/CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        // Debian's serial HDF5 keeps its headers in /usr/include/hdf5/serial; its hdf5.pc says so.
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        // Our own AVX-512 matrix kernel; optimised even in debug builds, which the tests use.
        .target(name: "CKernels", path: "Sources/CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Tensor", dependencies: ["CBLAS", "CKernels"], swiftSettings: fastMath),
        .target(name: "NN", dependencies: ["Tensor"], swiftSettings: fastMath),
        .target(name: "Data", dependencies: ["Tensor", "CPNG", "CZlib", "CTurboJPEG", "CLMDB", "CHDF5"], swiftSettings: fastMath),
        .target(name: "GAN", dependencies: ["NN", "Data", "CZlib"], swiftSettings: fastMath),
        .executableTarget(name: "dcgan", dependencies: [
            "GAN", "Data",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "NNTests", dependencies: ["NN"], exclude: ["Fixtures"]),
        .testTarget(name: "GANTests", dependencies: ["GAN"]),
        .testTarget(name: "DataTests", dependencies: ["Data", "CTurboJPEG", "CLMDB", "CHDF5"]),
    ]
)

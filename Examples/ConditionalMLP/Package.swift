// swift-tools-version: 6.0
import PackageDescription

// A small program that uses swift-dcgan as a library, the way a project of your own would:
// it depends on the package by path (use `.package(url:from:)` outside this repository) and
// imports its library products. Nothing here needs unsafe flags.
let package = Package(
    name: "ConditionalMLP",
    platforms: [.macOS(.v13)],  // as the main package
    dependencies: [
        .package(name: "swift-dcgan", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "conditional-mlp", dependencies: [
            .product(name: "DCGANKit", package: "swift-dcgan"),
            .product(name: "DCGANLayers", package: "swift-dcgan"),
            .product(name: "DCGANData", package: "swift-dcgan"),
            .product(name: "DCGANTensor", package: "swift-dcgan"),
        ]),
    ]
)

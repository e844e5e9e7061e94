// swift-tools-version:6.2
// The target graph below is the architecture: the ML side (SRTTensor → SRTModel → SRTTraining)
// never imports the hub side (SRTOCI → SRTRegistry → SRTClient/SRTServer), and only
// SRTCommands joins them. An import outside this graph does not compile.
import Foundation
import PackageDescription

/// Numeric targets get AVX2+FMA in release builds (TOOLCHAIN.md §3.3: about twice as fast element-wise
/// loops) only where the building machine has both: an x86-64 CPU whose /proc/cpuinfo lists them.
/// Elsewhere (arm64, older x86-64, macOS) the code is portable, and so with SRTHUB_PORTABLE=1, for a
/// binary that will run on other machines. OpenBLAS picks its own kernels at run time either way.
let buildHostHasAVX2: Bool = {
    #if arch(x86_64)
    if Context.environment["SRTHUB_PORTABLE"] == "1" { return false }
    guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
    let features = Set(flags.split(separator: " "))
    return features.contains("avx2") && features.contains("fma")
    #else
    return false
    #endif
}()
let numericSettings: [SwiftSetting] = buildHostHasAVX2 ? [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))] : []

let package = Package(
    name: "srthub",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "srthub", targets: ["srthub"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // MARK: C libraries
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .target(
            name: "CSentencePiece", path: "Sources/CSentencePiece",
            linkerSettings: [.linkedLibrary("sentencepiece"), .linkedLibrary("sentencepiece_train")]),
        // libcurl through a typed shim (curl_easy_setopt is variadic); see SRTClient/HTTPClient.swift.
        .target(name: "CCurl", path: "Sources/CCurl", linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "CDirectIO", path: "Sources/CDirectIO"),
        .target(name: "CFileSystem", path: "Sources/CFileSystem"),

        // MARK: Shared by both sides: what an evaluation is (written by training, stored by the registry)
        .target(name: "SRTEvaluation"),

        // MARK: ML side
        .target(name: "SRTTensor", dependencies: ["CBLAS"], swiftSettings: numericSettings),
        .target(name: "SRTTokenizer", dependencies: ["CSentencePiece"]),
        .target(
            name: "SRTData",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: numericSettings),
        .target(name: "SRTModel", dependencies: ["SRTTensor"], swiftSettings: numericSettings),
        .target(name: "SRTTraining", dependencies: ["SRTModel", "SRTData", "SRTTokenizer", "SRTEvaluation", "CFileSystem", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: numericSettings),

        // MARK: Scaling laws: fits and figures over runs, knowing neither training nor storage
        .target(name: "SRTScaling"),

        // MARK: Hub side
        .target(name: "SRTOCI", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "SRTRegistry",
            dependencies: ["SRTOCI", "SRTEvaluation", "CFileSystem", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Yams", package: "Yams")]),
        .target(name: "SRTClient", dependencies: ["SRTRegistry", "SRTOCI", "CCurl", "CDirectIO", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "SRTServer",
            dependencies: [
                "SRTRegistry", "SRTOCI", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Crypto", package: "swift-crypto"),
            ]),

        // MARK: Composition root and executables
        .target(
            name: "SRTCommands",
            dependencies: [
                "SRTData", "SRTModel", "SRTTensor", "SRTTokenizer", "SRTTraining", "SRTOCI", "SRTRegistry", "SRTClient", "SRTServer", "SRTScaling",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "srthub", dependencies: ["SRTCommands", "SRTTensor"]),
        .executableTarget(name: "SRTBench", dependencies: ["SRTData", "SRTTensor", "SRTModel", "SRTTraining", "SRTRegistry", "SRTClient"], path: "Sources/SRTBench"),

        // MARK: Tests, one target per module
        .testTarget(name: "SRTTensorTests", dependencies: ["SRTTensor"]),
        .testTarget(name: "SRTTokenizerTests", dependencies: ["SRTTokenizer"]),
        .testTarget(name: "SRTDataTests", dependencies: ["SRTData"]),
        .testTarget(name: "SRTModelTests", dependencies: ["SRTModel"], exclude: ["Fixtures"]),
        .testTarget(name: "SRTTrainingTests", dependencies: ["SRTTraining", "SRTTensor"]),
        .testTarget(name: "SRTOCITests", dependencies: ["SRTOCI"]),
        .testTarget(name: "SRTRegistryTests", dependencies: ["SRTRegistry", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "SRTClientTests", dependencies: ["SRTClient", "SRTServer", "SRTRegistry"]),
        .testTarget(name: "SRTScalingTests", dependencies: ["SRTScaling"]),
        .testTarget(name: "SRTCommandsTests", dependencies: ["SRTCommands", "SRTTensor"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)

import Foundation
import Testing
@testable import DCGANData

/// CIFAR-10 binary batches written by the test: record r of file f has label `labels[f][r]`
/// and pixel i equal to (f * 50 + r * 7 + i) mod 256.
struct CIFARFixture {
    let directory: TemporaryDirectory
    let labels: [[Int]]

    static func pixels(file: Int, record: Int) -> [UInt8] {
        (0..<3072).map { UInt8(truncatingIfNeeded: file * 50 + record * 7 + $0) }
    }

    static func batch(file: Int, labels: [Int]) -> [UInt8] {
        labels.enumerated().flatMap { [UInt8($1)] + pixels(file: file, record: $0) }
    }

    /// Five training batches of three records and a test batch of two, in `subfolder` if given.
    init(subfolder: String? = nil) throws {
        directory = try TemporaryDirectory()
        labels = [[0, 3, 5], [1, 5, 9], [3, 3, 2], [4, 6, 7], [8, 5, 0], [9, 3]]
        let folder = subfolder.map { directory.file($0) } ?? directory.path
        if subfolder != nil { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false) }
        let names = CIFAR10Dataset.fileNames(split: .train) + CIFAR10Dataset.fileNames(split: .test)
        for (file, name) in names.enumerated() {
            try Foundation.Data(Self.batch(file: file, labels: labels[file])).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
    }
}

@Suite struct CIFAR10Tests {
    @Test func readsEveryTrainingRecordInOrder() throws {
        let fixture = try CIFARFixture()
        let (dataset, missing) = try CIFAR10Dataset.load(root: fixture.directory.path, split: .train)
        #expect(missing == nil)
        #expect((dataset.count, dataset.channels, dataset.height, dataset.width) == (15, 3, 32, 32))
        #expect(dataset.labels == fixture.labels.prefix(5).flatMap { $0 })
        let expected = (0..<5).flatMap { file in (0..<3).flatMap { CIFARFixture.pixels(file: file, record: $0) } }
        #expect(dataset.pixels == expected)
        #expect(dataset.classNames?[3] == "cat")
    }

    @Test func readsTheTestSplitFromTheDistributionSubfolder() throws {
        let fixture = try CIFARFixture(subfolder: "cifar-10-batches-bin")
        let dataset = try CIFAR10Dataset.load(root: fixture.directory.path, split: .test).dataset
        #expect(dataset.labels == [9, 3])
        #expect(dataset.pixels == CIFARFixture.pixels(file: 5, record: 0) + CIFARFixture.pixels(file: 5, record: 1))
    }

    @Test(arguments: ["5", "3,5", "cat,DOG", " cat , 5 "])
    func classFilterKeepsOnlyTheNamedClasses(spec: String) throws {
        let fixture = try CIFARFixture()
        let wanted = try ClassFilter.parse(spec, classNames: CIFAR10Dataset.classNames, classCount: 10, source: "cifar")
        let dataset = try CIFAR10Dataset.load(root: fixture.directory.path, split: .train, classes: wanted).dataset
        let expected = fixture.labels.prefix(5).flatMap { $0 }.filter { wanted.contains($0) }
        #expect(dataset.labels == expected && !expected.isEmpty)
        // The record kept second in file 1 (label 5) must carry that record's pixels.
        if wanted == [5] { #expect(Array(dataset.pixels[3072 ..< 6144]) == CIFARFixture.pixels(file: 1, record: 1)) }
    }

    @Test func unknownClassNamesAndIndicesAreErrors() {
        #expect(dataErrorMessage { _ = try ClassFilter.parse("cat,wolf", classNames: CIFAR10Dataset.classNames, classCount: 10, source: "c") }?
            .hasPrefix("c: unknown class 'wolf' in --classes 'cat,wolf'; known classes: airplane") == true)
        #expect(dataErrorMessage { _ = try ClassFilter.parse("10", classNames: nil, classCount: 10, source: "c") } == "c: class 10 is outside 0...9")
    }

    @Test func truncatedRecordNamesTheFile() throws {
        let fixture = try CIFARFixture()
        let path = fixture.directory.file("data_batch_3.bin")
        try fixture.directory.write(Array(CIFARFixture.batch(file: 2, labels: [1, 2]).dropLast(100)), to: "data_batch_3.bin")
        let message = dataErrorMessage { _ = try CIFAR10Dataset.load(root: fixture.directory.path, split: .train) }
        #expect(message == "\(path): truncated record: 6046 bytes is not a whole number of 3073-byte records")
    }

    @Test func badLabelAndMissingFilesAreErrors() throws {
        let fixture = try CIFARFixture()
        try fixture.directory.write([10] + CIFARFixture.pixels(file: 0, record: 0), to: "test_batch.bin")
        #expect(dataErrorMessage { _ = try CIFAR10Dataset.load(root: fixture.directory.path, split: .test) }
            == "\(fixture.directory.file("test_batch.bin")): label 10 of record 0 is outside 0...9")
        try FileManager.default.removeItem(atPath: fixture.directory.file("test_batch.bin"))
        #expect(dataErrorMessage { _ = try CIFAR10Dataset.load(root: fixture.directory.path, split: .test) }
            == "\(fixture.directory.path): holds no CIFAR-10 test batch (test_batch.bin), nor does its cifar-10-batches-bin subfolder (pass the folder of the CIFAR-10 binary batches as --data-root)")
        let empty = try TemporaryDirectory()
        #expect(dataErrorMessage { _ = try CIFAR10Dataset.load(root: empty.path, split: .train) }
            == "\(empty.path): holds no CIFAR-10 training batch (data_batch_1.bin to data_batch_5.bin), nor does its cifar-10-batches-bin subfolder (pass the folder of the CIFAR-10 binary batches as --data-root)")
    }

    /// A partial download: the batches present are read in order, and the missing ones are
    /// named in a note rather than failing the run or passing unnoticed.
    @Test func readsThePresentTrainingBatchesAndNamesTheMissingOnes() throws {
        let fixture = try CIFARFixture(subfolder: "cifar-10-batches-bin")
        let folder = fixture.directory.file("cifar-10-batches-bin")
        for name in ["data_batch_2.bin", "data_batch_5.bin"] { try FileManager.default.removeItem(atPath: folder + "/" + name) }
        let (dataset, missing) = try CIFAR10Dataset.load(root: fixture.directory.path, split: .train)
        #expect(dataset.labels == [0, 3, 5, 3, 3, 2, 4, 6, 7])
        #expect(dataset.pixels == [0, 2, 3].flatMap { file in (0..<3).flatMap { CIFARFixture.pixels(file: file, record: $0) } })
        #expect(missing?.missing == ["data_batch_2.bin", "data_batch_5.bin"])
        let note = "\(folder): data_batch_2.bin, data_batch_5.bin are missing; read 9 images from the other 3 batch files"
        #expect(missing?.description == note)

        // Through the catalog, with a class filter: the note counts every image read.
        let loaded = try DatasetCatalog.load(name: "cifar10", root: fixture.directory.path, imageSize: 32, channels: 3,
                                             options: DatasetOptions(classes: "cat"))
        #expect(loaded.training.labels == [3, 3, 3] && loaded.notes == [note])
        try FileManager.default.removeItem(atPath: folder + "/data_batch_1.bin")
        #expect(try CIFAR10Dataset.load(root: fixture.directory.path, split: .train).missing?.description
            == "\(folder): data_batch_1.bin, data_batch_2.bin, data_batch_5.bin are missing; read 6 images from the other 2 batch files")
        try FileManager.default.removeItem(atPath: folder + "/data_batch_3.bin")
        #expect(try CIFAR10Dataset.load(root: fixture.directory.path, split: .train).missing?.description
            == "\(folder): data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_5.bin are missing; read 3 images from the other 1 batch file")
    }
}

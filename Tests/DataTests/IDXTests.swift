import Testing
@testable import DCGANData

@Suite struct IDXTests {
    @Test func parsesHeaderAndValues() throws {
        let values: [UInt8] = Array(0..<24)
        let file = try IDXFile(parsing: idxBytes(dimensions: [2, 3, 4], values: values), path: "x.idx")
        #expect(file.dimensions == [2, 3, 4])
        #expect(file.values == values)
    }

    @Test func headerClaimingTwoToThe31ImagesIsACleanError() {
        // 2^31 images of 28x28 would be 1.6 TB; the file holds only what follows the header.
        let bytes = idxBytes(dimensions: [1 << 31, 28, 28], values: [UInt8](repeating: 0, count: 2 * 28 * 28))
        let message = dataErrorMessage { _ = try IDXFile(parsing: bytes, path: "/x/train-images-idx3-ubyte.gz") }
        #expect(message == "/x/train-images-idx3-ubyte.gz: header claims 2147483648 items of 28x28 but the file holds 1568 bytes of data")
    }

    @Test func dimensionsWhoseProductOverflowsAreAnError() {
        let bytes = idxBytes(dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], values: [1, 2, 3])
        let message = dataErrorMessage { _ = try IDXFile(parsing: bytes, path: "big.idx") }
        #expect(message?.hasPrefix("big.idx: header claims 4294967295 items of 4294967295x4294967295") == true)
    }

    @Test func extraTrailingBytesAreAnError() {
        let bytes = idxBytes(dimensions: [3], values: [1, 2, 3, 4])
        #expect(dataErrorMessage { _ = try IDXFile(parsing: bytes, path: "l") } == "l: header claims 3 items but the file holds 4 bytes of data")
    }

    @Test func rejectsBadMagicTypeAndShortHeaders() {
        #expect(dataErrorMessage { _ = try IDXFile(parsing: [0, 0], path: "a") }?.contains("too short") == true)
        #expect(dataErrorMessage { _ = try IDXFile(parsing: [1, 0, 8, 1, 0, 0, 0, 0], path: "a") }?.contains("not an IDX file") == true)
        #expect(dataErrorMessage { _ = try IDXFile(parsing: [0, 0, 0x0D, 1, 0, 0, 0, 0], path: "a") }?.contains("0xd is not supported") == true)
        #expect(dataErrorMessage { _ = try IDXFile(parsing: [0, 0, 8, 3, 0, 0, 0, 1], path: "a") }?.contains("declares 3 dimensions") == true)
    }

    @Test func readsGzippedIDXFromDisk() throws {
        let directory = try TemporaryDirectory()
        let values: [UInt8] = (0..<(5 * 7 * 6)).map { UInt8($0 % 251) }
        try gzipFile(idxBytes(dimensions: [5, 7, 6], values: values), at: directory.file("images.gz"))
        let file = try IDXFile.read(path: directory.file("images.gz"))
        #expect(file.dimensions == [5, 7, 6])
        #expect(file.values == values)
    }
}

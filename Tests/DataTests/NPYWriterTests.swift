import Testing
@testable import DCGANData

@Suite struct NPYWriterTests {
    @Test func headerBytesFollowTheVersion1Spec() {
        let values: [UInt8] = Array(0..<24)
        let bytes = NPYWriter.encode(values, shape: [2, 3, 4])
        // Magic "\x93NUMPY", version 1.0, header length 118 little-endian: 10 + 118 = 128.
        #expect(Array(bytes.prefix(10)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x01, 0x00, 118, 0])
        let dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 4), }"
        let header = dict + String(repeating: " ", count: 118 - dict.count - 1) + "\n"
        #expect(Array(bytes[10..<128]) == Array(header.utf8))
        #expect(Array(bytes[128...]) == values)
    }

    @Test(arguments: [[7], [3, 28, 28], [10, 32, 32, 3], [123_456, 1, 2, 3]])
    func headerLengthIsAMultipleOf64(shape: [Int]) {
        let bytes = NPYWriter.encode([UInt8](repeating: 1, count: shape.reduce(1, *)), shape: shape)
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(bytes[10 + headerLength - 1] == UInt8(ascii: "\n"))
        #expect(bytes.count == 10 + headerLength + shape.reduce(1, *))
    }

    @Test func oneDimensionalShapeIsAOneElementTuple() {
        let bytes = NPYWriter.encode([1, 2, 3, 4, 5], shape: [5])
        let text = String(decoding: bytes[10..<128], as: UTF8.self)
        #expect(text.hasPrefix("{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }"))
    }
}

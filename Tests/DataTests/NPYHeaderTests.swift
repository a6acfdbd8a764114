import Foundation
import Testing
@testable import DCGANData

/// The `.npy` header is parsed as the dict literal it is: exact type strings, the whole shape,
/// fortran_order; what cannot be parsed is refused rather than guessed.
@Suite struct NPYHeaderTests {
    @Test func numpysHeadersParse() throws {
        #expect(try NPYHeader(parsing: "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 28, 28), }        \n")
            == NPYHeader(descr: "<f4", fortranOrder: false, shape: [3, 28, 28]))
        #expect(try NPYHeader(parsing: "{'descr': '|u1', 'fortran_order': True, 'shape': (5,)}")
            == NPYHeader(descr: "|u1", fortranOrder: true, shape: [5]))
        #expect(try NPYHeader(parsing: "{\"shape\": (), \"fortran_order\": False, \"descr\": \"<i8\"}")
            == NPYHeader(descr: "<i8", fortranOrder: false, shape: []))
    }

    @Test func malformedHeadersAreRefused() {
        let cases: [(String, String)] = [
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 28L, 28), }", "not a tuple of integers"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, -28), }", "non-negative integer"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "non-negative integer"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': [3], }", "cannot read"),
            ("{'descr': '<f4', 'fortran_order': False, }", "not exactly descr"),
            ("{'descr': '<f4', 'descr': '|u1', 'fortran_order': False, 'shape': (1,)}", "twice"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", "cannot read"),
            ("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", "cannot read"),
            ("{'descr': ('<f4',), 'fortran_order': False, 'shape': (1,)}", "non-negative integer"),
            ("{'descr': (1,), 'fortran_order': False, 'shape': (1,)}", "must be a string"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", "after its closing brace"),
            ("'descr': '<f4'", "not a dict literal"),
            ("{'descr: '<f4', 'fortran_order': False, 'shape': (1,)}", "not a dict literal"),
        ]
        for (text, expected) in cases {
            #expect { try NPYHeader(parsing: text) } throws: { "\($0)".contains(expected) }
        }
    }

    /// An 8-byte float array whose header mentions '|u1' elsewhere is still a float array.
    @Test func theTypeIsReadFromDescrOnly() throws {
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), '|u1': 0}"
        let directory = try TemporaryDirectory()
        try directory.write(npy(header, payload: [UInt8](repeating: 0, count: 16)), to: "a.npy")
        #expect(dataErrorMessage { _ = try NPYReader.readUInt8(path: directory.file("a.npy")) }?.contains("cannot read") == true)
        try directory.write(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (16,), }", payload: [UInt8](repeating: 0, count: 128)), to: "b.npy")
        #expect(dataErrorMessage { _ = try NPYReader.readUInt8(path: directory.file("b.npy")) } == "\(directory.file("b.npy")): holds <f8, not uint8")
        try directory.write(npy("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2), }", payload: [1, 2, 3, 4]), to: "f.npy")
        #expect(dataErrorMessage { _ = try NPYReader.readUInt8(path: directory.file("f.npy")) }?.contains("Fortran-ordered") == true)
        try directory.write(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", payload: [1]), to: "h.npy")
        #expect(dataErrorMessage { _ = try NPYReader.readUInt8(path: directory.file("h.npy")) }?.contains("more than the limit") == true)
        // Every dimension counts: (2, 3) is 6 bytes, not 2 or 3.
        try directory.write(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", payload: [1, 2, 3, 4, 5, 6]), to: "ok.npy")
        let (shape, values) = try NPYReader.readUInt8(path: directory.file("ok.npy"))
        #expect(shape == [2, 3] && values == [1, 2, 3, 4, 5, 6])
    }

    /// A version 1.0 file with `header` (padded as NumPy pads it) and `payload`.
    func npy(_ header: String, payload: [UInt8]) -> [UInt8] {
        var text = header
        while (10 + text.utf8.count + 1) % 64 != 0 { text += " " }
        text += "\n"
        let length = text.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 255), UInt8(length >> 8)] + Array(text.utf8) + payload
    }
}
